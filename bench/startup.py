"""Cold start of the ``provision`` command, against the floor of Python with its libraries.

Run: ``python bench/startup.py [--repeats 9]``. Each case is a fresh interpreter, started
``--repeats`` times in turn with the others (so a busy machine slows all of them alike); the
median wall time of each is printed with its ratio to the floor:

- floor: ``python -c "import pydantic, yaml, typer, rich"``, what any command pays anyway;
- ``provision --help`` and ``provision version``: typer and the command modules only;
- ``provision validate blueprints/rule-type-1.yaml``: load, rules and a trial compile of a small
  blueprint, and its report (no Azure SDK; goal: at most 3x the floor).

``provision`` runs as ``python -m provisioner`` with this checkout first on ``PYTHONPATH``, so it
measures this tree whatever is installed. ``python -X importtime -m provisioner validate ...``
shows where the rest goes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLUEPRINT = "blueprints/rule-type-1.yaml"
GOAL = 3.0  # validate of a small blueprint, in floors

CASES: dict[str, list[str]] = {
    "floor (import pydantic, yaml, typer, rich)": [
        "-c",
        "import pydantic, yaml, typer, rich",
    ],
    "provision --help": ["-m", "provisioner", "--help"],
    "provision version": ["-m", "provisioner", "version"],
    f"provision validate {BLUEPRINT}": ["-m", "provisioner", "validate", BLUEPRINT],
}


def run_once(args: list[str], env: dict[str, str]) -> float:
    """Wall time of one fresh ``python ARGS`` (output discarded; it must exit 0)."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def measure(repeats: int) -> dict[str, float]:
    """Median seconds per case, the cases interleaved round by round."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AZURE_SUBSCRIPTION_ID", None)
    for args in CASES.values():  # warm the page cache and the bytecode caches
        run_once(args, env)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, args in CASES.items():
            times[name].append(run_once(args, env))
    return {name: statistics.median(ts) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args(argv)

    medians = measure(args.repeats)
    floor = medians[next(iter(CASES))]
    print(f"cold start, median of {args.repeats} fresh processes each ({sys.executable})")
    print(f"  {'':52}{'time':>10}{'floors':>8}")
    for name, seconds in medians.items():
        print(f"  {name:52}{seconds * 1000:7.0f} ms{seconds / floor:8.2f}")
    validate = medians[f"provision validate {BLUEPRINT}"]
    verdict = "met" if validate / floor <= GOAL else "missed"
    print(f"  goal: validate <= {GOAL:g}x the floor: {verdict} ({validate / floor:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
