"""Validation time at Azure's Standard limits, and how it grows when the rule count doubles.

The blueprint: a public load balancer with 600 frontends and 1,500 rules (a quarter of them
Floating IP), one VM whose NIC carries 300 of those rules, 2,000 more VMs (20 x count 100) over 20
pools, and two internal load balancers reaching the same VMs, so the cross-load-balancer checks
run too. Then the same with 3,000 rules (limit findings ignored): the ratio of the two times shows
the growth (goal: <= 2.3, i.e. O(n log n); an all-pairs check would give ~4).

    python bench/validate_scale.py [--repeats 5] [--check]

``--check`` exits 1 if a goal is missed (< 1 s at the limits, ratio <= 2.3).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from provisioner.blueprint.model import Blueprint
from provisioner.rules import errors, validate

FRONTENDS = 600
RULES = 1500
HOT_RULES = 300  # rules on the one busy NIC
VM_GROUPS = 20
VMS_PER_GROUP = 100


def build(rule_count: int = RULES, hot_rules: int = HOT_RULES) -> dict[str, Any]:
    """A valid blueprint (at the limits) as the dict a YAML file would load to."""
    vms: dict[str, Any] = {"hot": {"subnet": "backend", "private_ip": "10.0.0.10"}}
    vms |= {f"w{k}": {"subnet": "backend", "count": VMS_PER_GROUP} for k in range(VM_GROUPS)}

    pools = {"hot": ["hot"]} | {f"p{k}": [f"w{k}"] for k in range(VM_GROUPS)}
    rules: dict[str, Any] = {}
    for i in range(rule_count):
        floating = i % 4 == 0
        rules[f"r{i}"] = {
            "frontend": f"f{i % FRONTENDS}",
            "port": 10000 + i // FRONTENDS,
            # Floating IP rules reuse a small set of backend ports (rule type 2); the others
            # each get their own (rule type 1).
            "backend_port": 80 + i // FRONTENDS if floating else 20000 + i,
            "pool": "hot" if i < hot_rules else f"p{i % VM_GROUPS}",
            "probe": "health",
            "floating_ip": floating,
            "disable_outbound_snat": floating,
        }
    edge = {
        "type": "public",
        "frontends": {f"f{i}": {} for i in range(FRONTENDS)},
        "pools": pools,
        "probes": {"health": {"port": 8080}},
        "rules": rules,
    }

    def internal(name: str, base_port: int, third_octet: int) -> dict[str, Any]:
        return {
            "type": "internal",
            "frontends": {
                f"i{k}": {"subnet": "core", "private_ip": f"10.1.{third_octet}.{10 + k}"}
                for k in range(VM_GROUPS)
            },
            "pools": {f"{name}{k}": [f"w{k}"] for k in range(VM_GROUPS)},
            "probes": {"health": {"port": 8080}},
            "rules": {
                f"{name}{k}": {
                    "frontend": f"i{k}",
                    "port": base_port + k,
                    "pool": f"{name}{k}",
                    "probe": "health",
                }
                for k in range(VM_GROUPS)
            },
        }

    return {
        "blueprint": 1,
        "name": "scale",
        "location": "westeurope",
        "network": {
            "address_space": ["10.0.0.0/16", "10.1.0.0/16"],
            "subnets": {"backend": "10.0.0.0/20", "core": "10.1.0.0/20"},
        },
        "vms": vms,
        "load_balancers": {
            "edge": edge,
            "core": internal("c", 30000, 1),
            "core2": internal("d", 31000, 2),
        },
    }


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Best wall time of ``repeats`` runs, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _compile_timer(bp: Blueprint) -> Callable[[], object] | None:
    """The compiler, if it is implemented yet."""
    try:
        from provisioner.compile.compiler import CompileContext, compile_blueprint
    except ImportError:
        return None
    ctx = CompileContext(
        env="scale", subscription_id="00000000-0000-0000-0000-000000000000", digest="0" * 12
    )
    try:
        compile_blueprint(bp, ctx)
    except NotImplementedError:
        return None
    return lambda: compile_blueprint(bp, ctx)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args(argv)

    at_limits = Blueprint.model_validate(build())
    doubled = Blueprint.model_validate(build(2 * RULES, 2 * HOT_RULES))

    found = validate(at_limits)
    fatal = errors(found)
    if fatal:
        print(f"the at-limits blueprint should be valid, got {fatal[:3]}", file=sys.stderr)
        return 2
    over = {f.code for f in errors(validate(doubled))}

    t1 = best_of(args.repeats, lambda: validate(at_limits))
    t2 = best_of(args.repeats, lambda: validate(doubled))
    ratio = t2 / t1
    vm_count = 1 + VM_GROUPS * VMS_PER_GROUP

    print(
        f"validate() at Azure's limits: {FRONTENDS} frontends, {RULES} rules on one LB, "
        f"{HOT_RULES} rules on one NIC, {vm_count} VMs, 3 LBs"
    )
    print(f"  at limits  ({RULES} rules):   {t1 * 1000:8.1f} ms  ({len(found)} findings, 0 errors)")
    print(
        f"  doubled    ({2 * RULES} rules):   {t2 * 1000:8.1f} ms  "
        f"(limit findings ignored: {', '.join(sorted(over))})"
    )
    print(f"  growth ratio (doubled / at limits): {ratio:.2f}  (goal <= 2.3)")

    compile_fn = _compile_timer(at_limits)
    if compile_fn is None:
        print("compile_blueprint(): not implemented yet, not timed")
    else:
        c1 = best_of(args.repeats, compile_fn)
        print(f"compile_blueprint() at limits:   {c1 * 1000:8.1f} ms")

    missed = [
        goal
        for goal, ok in (("< 1 s at limits", t1 < 1.0), ("ratio <= 2.3", ratio <= 2.3))
        if not ok
    ]
    if missed:
        print(f"goal missed: {', '.join(missed)}")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    raise SystemExit(main())
