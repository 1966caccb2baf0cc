"""Guest step fan-out: wall time of configuring 1, 10 and 50 VMs, as a ratio to one VM.

Run: ``python bench/guest_fanout.py [--sizes 1 10 50] [--time-scale 0.01] [--max-parallel 64]``.

For each size a blueprint with that many VMs behind two Floating IP rules is brought up in the
local cloud at time scale 0 (instant), the guests are reset (removal scripts, tags cleared), then
the local cloud's latency profile is switched on at a small time scale (a run-command takes 20
virtual seconds, i.e. 20 × scale real seconds) and ``run_guest_step(mode="apply")`` is timed:
per VM check, apply, check again, tag — one command at a time per VM, VMs in parallel. The goal
is a ratio near 1 while the VMs fit in ``--max-parallel``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from provisioner.apply.lifecycle import (  # noqa: E402
    apply_plan,
    desired_state,
    load_and_validate,
    plan_environment,
)
from provisioner.arm.target import open_target  # noqa: E402
from provisioner.guest.step import run_guest_step  # noqa: E402
from provisioner.localcloud import LocalCloud  # noqa: E402


def blueprint(n: int) -> str:
    vms = "\n".join(f"  vm{i}: {{subnet: backend}}" for i in range(1, n + 1))
    pool = ", ".join(f"vm{i}" for i in range(1, n + 1))
    return f"""blueprint: 1
name: fanout{n}
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets:
    backend: 10.0.1.0/24
vms:
{vms}
load_balancers:
  lb:
    type: public
    frontends:
      green: {{}}
      purple: {{}}
    pools:
      app: [{pool}]
    probes:
      health: {{protocol: tcp, port: 8080}}
    rules:
      green: {{frontend: green, protocol: tcp, port: 80, pool: app, probe: health,
               floating_ip: true}}
      purple: {{frontend: purple, protocol: tcp, port: 80, pool: app, probe: health,
                floating_ip: true}}
"""


def measure(n: int, scale: float, max_parallel: int, work: Path) -> float:
    cloud = LocalCloud(work / f"fanout{n}.sqlite")
    cloud.set_time_scale(0)
    target = open_target(local_cloud=cloud)
    try:
        path = work / f"fanout{n}.yaml"
        path.write_text(blueprint(n))
        loaded = load_and_validate(path)
        state = desired_state(target, loaded, loaded.blueprint.name)
        apply_plan(target, state, plan_environment(target, state), max_parallel=16)
        reset = run_guest_step(target, state, mode="remove", max_parallel=64)
        assert reset.ok, reset.as_dict()
        cloud.set_time_scale(scale)
        started = time.perf_counter()
        report = run_guest_step(target, state, mode="apply", max_parallel=max_parallel)
        seconds = time.perf_counter() - started
        assert report.ok and len(report.results) == n, report.as_dict()
        assert all(r.action == "configure" and r.converged for r in report.results)
        return seconds
    finally:
        target.close()
        cloud.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--time-scale", type=float, default=0.01)
    parser.add_argument("--max-parallel", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = {n: measure(n, args.time_scale, args.max_parallel, Path(tmp)) for n in args.sizes}
    base = times[args.sizes[0]]
    print(
        f"guest step, time scale {args.time_scale} (run-command = 20 virtual s = "
        f"{20 * args.time_scale:.3f} s), max parallel {args.max_parallel}"
    )
    for n, seconds in times.items():
        print(f"{n:4d} VM(s): {seconds:7.3f} s  ratio {seconds / base:5.2f}")


if __name__ == "__main__":
    main()
