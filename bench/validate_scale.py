"""Load, validate and compile times at Azure's Standard limits, and their growth when the rule
count doubles.

The blueprint: a public load balancer with 600 frontends and 1,500 rules (a quarter of them
Floating IP), one VM whose NIC carries 300 of those rules, 2,000 more VMs (20 x count 100) over 20
pools, and two internal load balancers reaching the same VMs, so the cross-load-balancer checks
run too. It is written to a YAML file and timed through each stage: ``load_blueprint`` (YAML,
model, digest), ``validate`` (Azure's rules) and ``compile_blueprint`` (every resource body). Then
the same with 3,000 rules (limit findings ignored): the ratio of the two times shows the growth
(goal: <= 2.3, i.e. O(n log n); an all-pairs check would give ~4).

    python bench/validate_scale.py [--repeats 5] [--check]

``--check`` exits 1 if a goal is missed: the total at the limits under 1 s, and a growth ratio
<= 2.3 (of the total, and of ``validate`` alone).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from provisioner.blueprint.loader import load_blueprint
from provisioner.blueprint.model import Blueprint
from provisioner.compile.compiler import CompileContext, compile_blueprint
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
            # get their own per pool (rule type 1), and pools of different VMs share them, so
            # the environment's NSG (one rule per backend port and source) stays under Azure's
            # 1,000 security rules.
            "backend_port": 80 + i // FRONTENDS
            if floating
            else (20000 + i if i < hot_rules else 30000 + i // VM_GROUPS),
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


def to_yaml(doc: dict[str, Any]) -> str:
    """The blueprint as a user would write it: one line per rule, frontend, VM."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = None  # innermost mappings and lists in flow style
    yaml.width = 200
    out = io.StringIO()
    yaml.dump(doc, out)
    return out.getvalue()


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Best wall time of ``repeats`` runs, in seconds (the least disturbed run)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


CONTEXT = CompileContext(
    env="scale", subscription_id="00000000-0000-0000-0000-000000000000", digest="0" * 12
)
STAGES = ("load", "validate", "compile")


def measure(path: Path, repeats: int) -> tuple[dict[str, float], Blueprint]:
    """Best time of each stage on the blueprint file at ``path``."""
    bp = load_blueprint(path).blueprint
    times = {
        "load": best_of(repeats, lambda: load_blueprint(path)),
        "validate": best_of(repeats, lambda: validate(bp)),
        "compile": best_of(repeats, lambda: compile_blueprint(bp, CONTEXT)),
    }
    times["total"] = sum(times[s] for s in STAGES)
    return times, bp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--check", action="store_true", help="exit 1 if a goal is missed")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        at_limits_file = Path(tmp, "at-limits.yaml")
        doubled_file = Path(tmp, "doubled.yaml")
        at_limits_file.write_text(to_yaml(build()))
        doubled_file.write_text(to_yaml(build(2 * RULES, 2 * HOT_RULES)))
        lines = len(at_limits_file.read_text().splitlines())
        t1, at_limits = measure(at_limits_file, args.repeats)
        t2, doubled = measure(doubled_file, args.repeats)

    found = validate(at_limits)
    fatal = errors(found)
    if fatal:
        print(f"the at-limits blueprint should be valid, got {fatal[:3]}", file=sys.stderr)
        return 2
    over = {f.code for f in errors(validate(doubled))}
    vm_count = 1 + VM_GROUPS * VMS_PER_GROUP

    print(
        f"At Azure's limits: {FRONTENDS} frontends, {RULES} rules on one LB, {HOT_RULES} rules "
        f"on one NIC, {vm_count} VMs, 3 LBs ({lines}-line YAML file, {len(found)} findings, "
        "0 errors)"
    )
    print(f"doubled: {2 * RULES} rules (limit findings ignored: {', '.join(sorted(over))})")
    print(f"  {'':22}{'at limits':>12}{'doubled':>12}{'ratio':>8}")
    labels = {
        "load": "load_blueprint()",
        "validate": "validate()",
        "compile": "compile_blueprint()",
        "total": "total",
    }
    ratios = {}
    for stage, label in labels.items():
        ratios[stage] = t2[stage] / t1[stage]
        print(
            f"  {label:22}{t1[stage] * 1000:9.1f} ms{t2[stage] * 1000:9.1f} ms{ratios[stage]:8.2f}"
        )
    print("  goals: total at limits < 1 s; growth ratio (total, validate) <= 2.3")

    missed = [
        goal
        for goal, ok in (
            ("total < 1 s at limits", t1["total"] < 1.0),
            ("total ratio <= 2.3", ratios["total"] <= 2.3),
            ("validate ratio <= 2.3", ratios["validate"] <= 2.3),
        )
        if not ok
    ]
    if missed:
        print(f"goal missed: {', '.join(missed)}")
    return 1 if (missed and args.check) else 0


if __name__ == "__main__":
    raise SystemExit(main())
