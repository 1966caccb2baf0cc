"""ARM writes per load balancer (ours vs a per-rule tool) and `up` wall time vs the critical path.

Run: ``python bench/arm_writes.py``. Both figures are measured in one run against the local cloud
through the real SDK:

1. A load balancer with 10 frontends, 2 pools, 10 probes and 20 rules. Ours: one PUT of the whole
   document. A per-rule tool (Terraform's ``azurerm_lb_*`` pattern) creates the load balancer
   with its frontends, then for each pool, probe and rule does GET + read-modify-write PUT of the
   whole load balancer. Printed: write requests of each and their ratio.
2. ``up`` of a blueprint under the local cloud's latency profile (virtual seconds, scaled), against
   the critical-path bound: the sum of PUT latencies along the longest dependency path. The
   goal is a ratio of at most 1.15.
"""

from __future__ import annotations

import json
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
from provisioner.arm.kinds import spec  # noqa: E402
from provisioner.arm.target import open_target  # noqa: E402
from provisioner.compile.desired import Kind  # noqa: E402
from provisioner.localcloud import LocalCloud  # noqa: E402

WRITES = {"PUT", "POST", "PATCH", "DELETE"}


def big_lb_blueprint() -> str:
    frontends = "\n".join(
        f"      fe{i}: {{subnet: backend, private_ip: 10.0.1.{100 + i}}}" for i in range(10)
    )
    probes = "\n".join(f"      p{i}: {{protocol: tcp, port: {8000 + i}}}" for i in range(10))
    rules = "\n".join(
        f"      r{i}-{port}: {{frontend: fe{i}, protocol: tcp, port: {port}, "
        f"pool: {'a' if port == 80 else 'b'}, probe: p{i}, floating_ip: true}}"
        for i in range(10)
        for port in (80, 443)
    )
    return f"""blueprint: 1
name: bench-lb
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {{backend: 10.0.1.0/24}}
vms:
  vm1: {{subnet: backend}}
  vm2: {{subnet: backend}}
load_balancers:
  lb:
    type: internal
    frontends:
{frontends}
    pools: {{a: [vm1], b: [vm2]}}
    probes:
{probes}
    rules:
{rules}
"""


def lb_writes(cloud: LocalCloud, lb_name: str) -> int:
    suffix = f"/loadbalancers/{lb_name}".lower()
    return sum(
        1
        for r in cloud.request_log()
        if r.method in WRITES and r.path.lower().split("?")[0].endswith(suffix)
    )


def per_rule_tool(target, rg: str, name: str, desired: dict) -> None:
    """Emulate a per-child tool: LB with frontends, then GET + PUT of the whole LB per child."""
    from azure.mgmt.network.models import LoadBalancer

    props = desired["properties"]
    base = {
        **desired,
        "properties": {"frontendIPConfigurations": props["frontendIPConfigurations"]},
    }
    lbs = target.network.load_balancers
    lbs.begin_create_or_update(rg, name, LoadBalancer(base)).result()
    for collection in ("backendAddressPools", "probes", "loadBalancingRules"):
        for child in props.get(collection) or []:
            live = lbs.get(rg, name).as_dict()
            live["properties"].setdefault(collection, []).append(child)
            etag = live.get("etag")
            lbs.begin_create_or_update(
                rg, name, LoadBalancer(live), headers={"If-Match": etag}
            ).result()


def measure_writes(workdir: Path) -> tuple[int, int]:
    bp = workdir / "bench-lb.yaml"
    bp.write_text(big_lb_blueprint())
    cloud = LocalCloud(state_path=workdir / "writes.sqlite")
    cloud.set_time_scale(0)
    target = open_target("local", local_cloud=cloud)
    loaded = load_and_validate(bp)

    state = desired_state(target, loaded, "ours")
    cloud.clear_request_log()
    apply_plan(target, state, plan_environment(target, state))
    lb = next(r for r in state.order() if r.kind is Kind.LOAD_BALANCER)
    ours = lb_writes(cloud, lb.name)

    # The per-rule tool builds an equivalent LB next to it (same group, other name).
    theirs_name = lb.name + "-per-rule"
    body = lb.body.as_dict()
    theirs_body = json.loads(json.dumps(body).replace(f"/{lb.name}/", f"/{theirs_name}/"))
    for fe in theirs_body["properties"]["frontendIPConfigurations"]:
        # Same shape, but the static addresses belong to our LB: let the subnet allocate.
        fe["properties"].pop("privateIPAddress", None)
        fe["properties"]["privateIPAllocationMethod"] = "Dynamic"
    cloud.clear_request_log()
    per_rule_tool(target, lb.resource_group, theirs_name, theirs_body)
    theirs = lb_writes(cloud, theirs_name)
    target.close()
    return ours, theirs


def critical_path(state, latency: dict[str, float]) -> float:
    """Longest dependency path, in virtual seconds of PUT latency."""
    finish: dict[str, float] = {}
    for res in state.order():  # dependencies first
        own = latency.get(f"{spec(res.kind).arm_type}:PUT", latency.get("*", 0.0))
        start = max((finish[d] for d in res.depends_on if d in finish), default=0.0)
        finish[res.key] = start + own
    return max(finish.values(), default=0.0)


def measure_wall_time(workdir: Path, blueprint: Path, scale: float) -> tuple[float, float]:
    from provisioner.localcloud.control import DEFAULT_LATENCY

    cloud = LocalCloud(state_path=workdir / f"wall-{blueprint.stem}.sqlite")
    cloud.set_latency(dict(DEFAULT_LATENCY))
    target = open_target("local", local_cloud=cloud)
    loaded = load_and_validate(blueprint)
    cloud.set_time_scale(0)
    state = desired_state(target, loaded, "wall")
    plan = plan_environment(target, state)
    cloud.set_time_scale(scale)
    started = time.monotonic()
    apply_plan(target, state, plan, max_parallel=16)
    wall = time.monotonic() - started
    target.close()
    return wall, critical_path(state, DEFAULT_LATENCY) * scale


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ours, theirs = measure_writes(work)
        print("ARM writes for one LB (10 frontends, 2 pools, 10 probes, 20 rules)")
        print(f"  provisioner up (one PUT, If-Match):     {ours}")
        print(f"  per-rule tool (GET + PUT per child):   {theirs}")
        print(f"  ratio per-rule / ours:                 {theirs / max(ours, 1):.1f}x")
        scale = 0.05
        print(f"\n`up` wall time vs critical-path bound (latency profile, time scale {scale})")
        for bp in sorted((ROOT / "blueprints").glob("*.yaml")):
            wall, bound = measure_wall_time(work, bp, scale)
            print(
                f"  {bp.stem:28s} wall {wall:6.2f}s  bound {bound:6.2f}s  ratio {wall / bound:.2f}"
            )


if __name__ == "__main__":
    main()
