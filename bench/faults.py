"""`up` under faults on every request: first-run convergence, writes per resource, retries, time.

Run: ``python bench/faults.py [--rates 0.2 0.3 0.5] [--seeds 6] [--time-scale 0.01]
[--blueprint blueprints/rule-type-2-floating-ip.yaml]``.

For each fault rate and seed a fresh local cloud gets faults on *every* request — reads,
writes, status polls, run-commands — at that total rate, split evenly among 429, 500, 503, a
connection refused before the request and an answer lost after it (the profile of
``tests/e2e/fault_profiles.py``, which the tests hold to the same promises). One ``up`` runs
through the same core sequence as ``provision up`` (``apply.up.bring_up``) under the local
cloud's latency profile at a small time scale (a VM takes 30 virtual seconds, i.e. 30 × scale
real seconds), so back-offs and waits cost what they would cost on Azure, scaled. Printed per
rate, from this one run:

- **converged**: runs whose single ``up`` succeeded and left nothing to do (the plan, read again
  without faults, has no change and no guest work);
- **writes/resource**: writes the cloud carried out (2xx PUT, PATCH, DELETE, including those
  whose answer was lost) per resource written, against the fault-free run's; equal means no
  resource was written twice;
- **retries**: failed requests retried, as ``up`` reports them (mean, min–max);
- **wall time**: mean seconds of ``up`` (and the virtual seconds they stand for, at the time
  scale) and the ratio to the fault-free runs (same seeds, no faults).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.apply.lifecycle import load_and_validate  # noqa: E402
from provisioner.apply.up import bring_up, preview_up  # noqa: E402
from provisioner.arm.target import open_target  # noqa: E402
from provisioner.errors import ProvisionerError  # noqa: E402
from provisioner.localcloud import LocalCloud  # noqa: E402
from provisioner.localcloud.control import DEFAULT_LATENCY  # noqa: E402
from tests.e2e.fault_profiles import every_request, landed_writes  # noqa: E402

ENV = "bench"


@dataclass(frozen=True)
class Run:
    converged: bool
    writes: int
    resources: int
    retries: int
    seconds: float
    error: str = ""


def one_up(workdir: Path, blueprint: Path, rate: float, seed: int, scale: float) -> Run:
    cloud = LocalCloud(state_path=workdir / f"faults-{rate}-{seed}.sqlite")
    cloud.set_latency(dict(DEFAULT_LATENCY))
    cloud.set_time_scale(scale)
    cloud.set_seed(seed)
    for rule in every_request(rate) if rate else []:
        cloud.add_fault(rule)
    target = open_target("local", local_cloud=cloud)
    loaded = load_and_validate(blueprint)
    started = time.monotonic()
    error = ""
    try:
        report = bring_up(target, loaded, ENV)
        if report.failure is not None:
            error = f"{report.failure.code} on {report.failure.resource}"
        elif report.guest_failures:
            error = "; ".join(r.detail for r in report.guest_failures)
    except ProvisionerError as exc:
        error = str(exc)
    seconds = time.monotonic() - started
    retries = target.retries.value  # what `up` reports, also when it stopped before its report
    cloud.clear_faults()
    cloud.set_time_scale(0)
    converged = not error and not preview_up(target, loaded, ENV).has_changes
    writes = landed_writes(cloud.request_log())
    target.close()
    cloud.close()
    resources = len({path for _, path in writes})
    return Run(converged, sum(writes.values()), resources, retries, seconds, error)


def summary(label: str, runs: list[Run], baseline: list[Run], scale: float) -> str:
    converged = sum(r.converged for r in runs)
    per_resource = sum(r.writes for r in runs) / max(1, sum(r.resources for r in runs))
    base_per_resource = sum(r.writes for r in baseline) / max(1, sum(r.resources for r in baseline))
    retries = [r.retries for r in runs]
    wall = statistics.mean(r.seconds for r in runs)
    base_wall = statistics.mean(r.seconds for r in baseline)
    return (
        f"  {label:>9}  converged {converged}/{len(runs)}  "
        f"writes/resource {per_resource:.2f} (fault-free {base_per_resource:.2f})  "
        f"retries {statistics.mean(retries):5.1f} ({min(retries)}–{max(retries)})  "
        f"wall {wall:5.2f}s (≈{wall / scale:4.0f} virtual s)  ×{wall / base_wall:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[0.2, 0.3, 0.5])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument(
        "--blueprint", type=Path, default=ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"
    )
    args = parser.parse_args()
    seeds = range(1, args.seeds + 1)
    print(
        f"`up` of {args.blueprint.name}, faults on every request, seeds 1–{args.seeds}, "
        f"latency profile at time scale {args.time_scale}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        baseline = [one_up(work, args.blueprint, 0.0, s, args.time_scale) for s in seeds]
        print(summary("no faults", baseline, baseline, args.time_scale))
        for rate in args.rates:
            runs = [one_up(work, args.blueprint, rate, s, args.time_scale) for s in seeds]
            print(summary(f"{rate:.0%}", runs, baseline, args.time_scale))
            for seed, run in zip(seeds, runs, strict=True):
                if not run.converged:
                    print(f"             seed {seed}: not converged: {run.error or 'changes left'}")


if __name__ == "__main__":
    main()
