"""Azure's Standard load balancer limits (subscription limits page, 2024).

Frontends and rules per load balancer fail the load balancer PUT; rules per NIC fail the NIC PUT
of the VM that crosses the line, usually well into ``up``. The HA ports limit (one per internal
frontend) is checked with the frontend collisions in ``conflicts``.
"""

from __future__ import annotations

from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import (
    BlueprintIndex,
    finding,
    group_vm_path,
    lb_path,
    membership_groups,
    vms_phrase,
)

MAX_FRONTENDS_PER_LB = 600
MAX_RULES_PER_LB = 1500
MAX_RULES_PER_NIC = 300


def check_lb_limits(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for lb_name, lb in ix.bp.load_balancers.items():
        if len(lb.frontends) > MAX_FRONTENDS_PER_LB:
            first_over = list(lb.frontends)[MAX_FRONTENDS_PER_LB]
            out.append(
                finding(
                    codes.FRONTEND_LIMIT,
                    f"load balancer {lb_name!r} has {len(lb.frontends)} frontends; a Standard "
                    f"load balancer takes at most {MAX_FRONTENDS_PER_LB}",
                    lb_path(lb_name, "frontends", first_over),
                    hint=f"move {len(lb.frontends) - MAX_FRONTENDS_PER_LB} frontend(s), from "
                    f"{first_over!r} on, to another load balancer",
                )
            )
        if len(lb.rules) > MAX_RULES_PER_LB:
            first_over = list(lb.rules)[MAX_RULES_PER_LB]
            out.append(
                finding(
                    codes.RULE_LIMIT,
                    f"load balancer {lb_name!r} has {len(lb.rules)} rules; a Standard load "
                    f"balancer takes at most {MAX_RULES_PER_LB}",
                    lb_path(lb_name, "rules", first_over),
                    hint=f"move {len(lb.rules) - MAX_RULES_PER_LB} rule(s), from {first_over!r} "
                    "on, to another load balancer",
                )
            )
    return out


def check_nic_limits(ix: BlueprintIndex) -> list[Finding]:
    """At most 300 load balancing rules reach one NIC, over all its IP configurations and LBs."""
    out: list[Finding] = []
    for pools, vms in membership_groups(ix).items():
        count = sum(len(ix.rules_by_pool.get(pool, ())) for pool in pools)
        if count <= MAX_RULES_PER_NIC:
            continue
        busiest = max(pools, key=lambda p: len(ix.rules_by_pool.get(p, ())))
        out.append(
            finding(
                codes.NIC_RULE_LIMIT,
                f"{count} load balancing rules reach the NIC of {vms_phrase(vms)}; Azure allows "
                f"at most {MAX_RULES_PER_NIC} per NIC",
                group_vm_path(ix, vms),
                hint=f"take those VMs out of some pools (pool {busiest[1]!r} of {busiest[0]!r} "
                f"alone brings {len(ix.rules_by_pool[busiest])} rules), or spread the rules "
                "over more VMs",
                related=(lb_path(busiest[0], "pools", busiest[1]),),
            )
        )
    return out


def check_limits(ix: BlueprintIndex) -> list[Finding]:
    return [*check_lb_limits(ix), *check_nic_limits(ix)]
