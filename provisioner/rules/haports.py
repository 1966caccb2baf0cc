"""HA ports (``protocol: all``, port 0): what Azure allows and what it does not.

From Azure's HA ports overview: HA ports rules exist only on Standard internal load balancers; a
frontend has at most one (checked with the frontend collisions); HA and non-HA rules cannot share a
backend pool; and an IP configuration behind a non-floating HA ports rule can have no other rule.
Azure documents no error codes for these, so the codes are ours.
"""

from __future__ import annotations

from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import (
    BlueprintIndex,
    RuleInfo,
    finding,
    group_vm_path,
    membership_groups,
    vms_phrase,
)


def check_ha_shape(ix: BlueprintIndex) -> list[Finding]:
    """Port 0 means HA ports and HA ports means port 0, front and back."""
    out: list[Finding] = []
    for info in ix.rules:
        rule = info.rule
        if rule.protocol == "all":
            if rule.port != 0:
                out.append(
                    finding(
                        codes.HA_PORTS_SHAPE,
                        f"rule {info.name!r} has protocol all (HA ports), which takes every port: "
                        f"its port must be 0, not {rule.port}",
                        (*info.path, "port"),
                        hint=f"set port: 0 on rule {info.name!r}, or use protocol tcp or udp",
                    )
                )
            if rule.backend_port not in (None, 0):
                out.append(
                    finding(
                        codes.HA_PORTS_SHAPE,
                        f"rule {info.name!r} has protocol all (HA ports): its backend_port must "
                        f"be 0 or absent, not {rule.backend_port}",
                        (*info.path, "backend_port"),
                        hint=f"remove backend_port from rule {info.name!r}",
                    )
                )
            continue
        for attr in ("port", "backend_port"):
            if getattr(rule, attr) == 0:
                out.append(
                    finding(
                        codes.HA_PORTS_SHAPE,
                        f"rule {info.name!r} has {attr} 0, which only HA ports rules "
                        f"(protocol all) may use",
                        (*info.path, attr),
                        hint=f"give rule {info.name!r} a real {attr}, or protocol: all for "
                        "HA ports on an internal load balancer",
                    )
                )
    return out


def check_ha_internal_only(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for info in ix.rules:
        if info.is_ha and info.lb_type != "internal":
            out.append(
                finding(
                    codes.HA_PORTS_PUBLIC,
                    f"rule {info.name!r} is an HA ports rule (protocol all) on public load "
                    f"balancer {info.lb!r}; HA ports exist only on internal load balancers",
                    (*info.path, "protocol"),
                    hint="use protocol tcp or udp with a port, or move the rule to an "
                    "internal load balancer",
                    related=(("load_balancers", info.lb, "type"),),
                )
            )
    return out


def check_ha_pool_mix(ix: BlueprintIndex) -> list[Finding]:
    """A pool carries HA rules or other rules, never both; the first rule decides which."""
    out: list[Finding] = []
    for rules in ix.rules_by_pool.values():
        leader = rules[0]
        for info in rules:
            if info.is_ha == leader.is_ha:
                continue
            kind = "an HA ports rule" if info.is_ha else "a non-HA ports rule"
            out.append(
                finding(
                    codes.HA_PORTS_MIXED_POOL,
                    f"rule {info.name!r} is {kind} on pool {info.rule.pool!r}, which rule "
                    f"{leader.name!r} already uses the other way; HA ports and other rules "
                    "cannot share a backend pool",
                    (*info.path, "pool"),
                    hint=f"put rule {info.name!r} on a pool of its own",
                    related=((*leader.path, "protocol"),),
                )
            )
    return out


def check_ha_alone(ix: BlueprintIndex) -> list[Finding]:
    """Behind a non-floating HA ports rule, an IP configuration takes no other rule at all."""
    exclusive = {
        key
        for key, rules in ix.rules_by_pool.items()
        if any(r.is_ha and not r.rule.floating_ip for r in rules)
    }
    if not exclusive:
        return []
    seen: dict[tuple[int, int], tuple[RuleInfo, RuleInfo, list[str]]] = {}
    for pools, vms in membership_groups(ix).items():
        if exclusive.isdisjoint(pools):
            continue
        reaching: dict[str, list[RuleInfo]] = {"ipv4": [], "ipv6": []}
        for pool in pools:
            for info in ix.rules_by_pool.get(pool, ()):
                if info.frontend is not None:
                    reaching[info.ip_version].append(info)
        for rules in reaching.values():
            ha = next((r for r in rules if r.is_ha and not r.rule.floating_ip), None)
            if ha is None or len(rules) < 2:
                continue
            for other in rules:
                # same pool and non-HA: already the pool-mix finding
                if other is ha or (other.pool_key == ha.pool_key and not other.is_ha):
                    continue
                key = (ha.order, other.order)
                if key in seen:
                    seen[key][2].extend(vms)
                else:
                    seen[key] = (ha, other, list(vms))
    out: list[Finding] = []
    for ha, other, vms in seen.values():
        out.append(
            finding(
                codes.HA_PORTS_NOT_ALONE,
                f"rule {other.name!r} ({other.lb}) reaches {vms_phrase(vms)}, which non-floating "
                f"HA ports rule {ha.name!r} ({ha.lb}) already takes whole; such an IP "
                "configuration can have no other rule",
                (*other.path, "pool"),
                hint=f"enable floating_ip on HA ports rule {ha.name!r}, or keep those VMs out "
                f"of rule {other.name!r}'s pool",
                related=((*ha.path, "protocol"), group_vm_path(ix, vms)),
            )
        )
    return out


def check_ha_ports(ix: BlueprintIndex) -> list[Finding]:
    return [
        *check_ha_shape(ix),
        *check_ha_internal_only(ix),
        *check_ha_pool_mix(ix),
        *check_ha_alone(ix),
    ]
