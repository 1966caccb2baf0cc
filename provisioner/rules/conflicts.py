"""Rules that collide, reported with the code Azure would answer with.

- one load balancer, one pool: ``RulesUseSameBackendPortProtocolAndPool`` (floating IP off) or
  ``…AndFrontendIPWithFloatingIPEnabled`` (on, same frontend) — the load balancer PUT fails;
- one load balancer, the same VM through two pools: ``RulesUseSameBackendPortProtocolAndIPConfig``;
- two load balancers of the same type reaching one VM:
  ``RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig`` — the NIC PUT fails;
- one frontend, protocol and frontend port used twice (no Azure code known: ours).

Each check indexes rules by their slot in a dict, so the cost grows with the number of rules, not
with the number of pairs; each colliding rule is reported once, against the first holder.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from provisioner.errors import BlueprintPath, Finding
from provisioner.rules import codes
from provisioner.rules.flows import (
    Destination,
    ProtocolSlots,
    describe_destination,
    flow_slot,
)
from provisioner.rules.index import (
    BlueprintIndex,
    RuleInfo,
    finding,
    group_vm_path,
    membership_groups,
    vms_phrase,
)

Pair = tuple[int, int]


@dataclass
class _Reported:
    pairs: set[Pair] = field(default_factory=set)

    def add(self, a: RuleInfo, b: RuleInfo) -> bool:
        """Record the pair; False if it was already reported."""
        key = (min(a.order, b.order), max(a.order, b.order))
        if key in self.pairs:
            return False
        self.pairs.add(key)
        return True


def _free_port(start: int, used: set[int]) -> int:
    """The next backend port after ``start`` no rule of the pool(s) uses (hint material)."""
    port = start + 1 if start < 65535 else 1
    while port in used and port < 65535:
        port += 1
    return port


def _protocol_label(a: RuleInfo, b: RuleInfo) -> str:
    return "all" if "all" in (a.rule.protocol, b.rule.protocol) else a.rule.protocol


def _pool_conflict(first: RuleInfo, second: RuleInfo, used: set[int]) -> Finding:
    pool = second.rule.pool
    proto = _protocol_label(first, second)
    port = second.backend_port
    free = _free_port(port, used)
    if second.rule.floating_ip:
        return finding(
            codes.SAME_BACKEND_PORT_POOL_FIP,
            f"rules {first.name!r} and {second.name!r} with floating IP enabled use the same "
            f"protocol {proto}, backend port {port} and frontend {second.rule.frontend!r}, "
            f"and must not be used with the same backend pool {pool!r}",
            second.port_path,
            hint=f"give rule {second.name!r} its own frontend, or backend_port {free}",
            related=(first.port_path,),
        )
    return finding(
        codes.SAME_BACKEND_PORT_POOL,
        f"rules {first.name!r} and {second.name!r} with floating IP disabled use the same "
        f"protocol {proto} and backend port {port}, and must not be used with the same "
        f"backend pool {pool!r}",
        second.port_path,
        hint=f"enable floating_ip on both rules (each on its own frontend), or give rule "
        f"{second.name!r} backend_port {free}",
        related=(first.port_path,),
    )


def check_pool_conflicts(ix: BlueprintIndex, reported: _Reported) -> list[Finding]:
    """U2/U3: rules of one pool must not share (destination, protocol, backend port)."""
    out: list[Finding] = []
    for rules in ix.rules_by_pool.values():
        # IPv4 and IPv6 rules reach different IP configurations of the VM: never one flow.
        slots: dict[tuple[str, Destination, int], ProtocolSlots] = defaultdict(ProtocolSlots)
        used = {r.backend_port for r in rules}
        for info in rules:
            if info.frontend is None:
                continue
            slot = slots[(info.ip_version, *flow_slot(info))]
            first = slot.clash(info.rule.protocol)
            if first is not None and reported.add(first, info):
                out.append(_pool_conflict(first, info, used))
            slot.take(info)
    return out


def _ipconfig_conflict(
    ix: BlueprintIndex, first: RuleInfo, second: RuleInfo, vms: list[str], used: set[int]
) -> Finding:
    proto = _protocol_label(first, second)
    port = second.backend_port
    free = _free_port(port, used)
    who = vms_phrase(vms)
    dest = describe_destination(second)
    if first.lb == second.lb:
        code = codes.SAME_BACKEND_PORT_IPCONFIG
        how = (
            f"through pools {first.rule.pool!r} and {second.rule.pool!r} of load balancer "
            f"{second.lb!r}"
        )
    else:
        code = codes.SAME_TYPE_BACKEND_PORT_IPCONFIG
        how = f"through {second.lb_type} load balancers {first.lb!r} and {second.lb!r}"
    if first.rule.floating_ip and second.rule.floating_ip:
        fix = f"give rule {second.name!r} backend_port {free}, or its own frontend"
    else:
        fix = f"give rule {second.name!r} backend_port {free}, or enable floating_ip on one of them"
    return finding(
        code,
        f"rules {first.name!r} ({first.lb}) and {second.name!r} ({second.lb}) both deliver "
        f"protocol {proto}, backend port {port} to {dest} on {who}, {how}",
        second.port_path,
        hint=fix,
        related=(first.port_path, group_vm_path(ix, vms)),
    )


def check_ipconfig_conflicts(ix: BlueprintIndex, reported: _Reported) -> list[Finding]:
    """U4/U5: one backend IP configuration reached by colliding rules through different pools.

    Runs once per group of VMs sharing the same pools; pairs already reported within a pool are
    not reported again.
    """
    hits: dict[Pair, tuple[RuleInfo, RuleInfo, list[str], set[int]]] = {}
    for pools, vms in membership_groups(ix).items():
        if len(pools) < 2:
            continue
        slots: dict[tuple[str, str, Destination, int], ProtocolSlots] = defaultdict(ProtocolSlots)
        used: set[int] = set()
        for pool in pools:
            used.update(r.backend_port for r in ix.rules_by_pool.get(pool, ()))
        for pool in pools:
            for info in ix.rules_by_pool.get(pool, ()):
                if info.frontend is None:
                    continue
                dest, port = flow_slot(info)
                slot = slots[(info.lb_type, info.ip_version, dest, port)]
                first = slot.clash(info.rule.protocol)
                slot.take(info)
                if first is None or first.pool_key == info.pool_key:
                    continue  # same pool: a U2/U3 pair, reported on the load balancer
                key = (first.order, info.order)
                if key in hits:
                    hits[key][2].extend(vms)
                else:
                    hits[key] = (first, info, list(vms), used)
    out: list[Finding] = []
    for first, second, vms, used in hits.values():
        if reported.add(first, second):
            out.append(_ipconfig_conflict(ix, first, second, vms, used))
    return out


def check_frontend_conflicts(ix: BlueprintIndex, reported: _Reported) -> list[Finding]:
    """U1: (frontend, protocol, frontend port) is unique within a load balancer."""
    out: list[Finding] = []
    slots: dict[tuple[str, str, int], ProtocolSlots] = defaultdict(ProtocolSlots)
    for info in ix.rules:
        if info.frontend is None:
            continue
        slot = slots[(info.lb, info.rule.frontend, info.rule.port)]
        first = slot.clash(info.rule.protocol)
        slot.take(info)
        if first is None or not reported.add(first, info):
            continue
        here: BlueprintPath = (*info.path, "port")
        there: BlueprintPath = (*first.path, "port")
        if first.is_ha and info.is_ha:
            out.append(
                finding(
                    codes.HA_PORTS_PER_FRONTEND,
                    f"rules {first.name!r} and {info.name!r} are both HA ports rules on frontend "
                    f"{info.rule.frontend!r}; Azure allows one per frontend",
                    (*info.path, "protocol"),
                    hint=f"keep one HA ports rule, or move rule {info.name!r} to another "
                    "internal frontend",
                    related=((*first.path, "protocol"),),
                )
            )
            continue
        proto = _protocol_label(first, info)
        out.append(
            finding(
                codes.DUPLICATE_FRONTEND_PORT,
                f"rules {first.name!r} and {info.name!r} both listen on frontend "
                f"{info.rule.frontend!r}, protocol {proto}, port {info.rule.port}",
                here,
                hint=f"give rule {info.name!r} another port, or another frontend",
                related=(there,),
            )
        )
    return out


def check_conflicts(ix: BlueprintIndex) -> list[Finding]:
    """Backend collisions first (Azure reports those even for two HA rules on one frontend),
    then frontend collisions not already explained by a backend one."""
    reported = _Reported()
    return [
        *check_pool_conflicts(ix, reported),
        *check_ipconfig_conflicts(ix, reported),
        *check_frontend_conflicts(ix, reported),
    ]
