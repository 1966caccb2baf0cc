"""Load balancer outbound rules: what Azure refuses when it programs SNAT for a backend pool.

An outbound rule SNATs a pool's members through public frontends. Azure refuses a second
outbound rule on a frontend with an overlapping protocol (``All`` overlaps both), a load
balancing rule that would also SNAT through a frontend an outbound rule uses (it must set
``disableOutboundSnat``), and port counts it cannot hand out: ``allocatedOutboundPorts`` comes
in blocks of 8, at most 64,000 per rule, and every member of the pool gets that many out of the
64,000 each frontend address offers, so ``frontends × 64,000 / members`` (rounded down to a
multiple of 8) is the most a rule can ask for. ``0`` lets Azure size the allocation itself.
Members are counted when either side changes: a load balancer PUT counts the pool's current
members, a NIC PUT joining the pool counts itself in (MicrosoftDocs/azure-docs#36809 saw the
refusal on the NIC).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import catalog
from .ids import key, parent
from .model import PROTOCOLS, IPConfig, LoadBalancer, OutboundRule, as_int

PORTS_PER_FRONTEND = 64_000
PORTS_PER_RULE = 64_000
PORT_BLOCK = 8


def check(lb: LoadBalancer) -> None:
    """Every outbound rule of one load balancer document, against its pools' members."""
    for out in lb.outbound:
        _check_shape(lb, out)
        _check_port_count(out)
    _check_one_rule_per_frontend_and_protocol(lb)
    _check_snat_disabled(lb)
    members = {key(pool.id): len({key(m) for m in pool.members}) for pool in lb.pools}
    check_capacity(lb, members)


def _check_shape(lb: LoadBalancer, out: OutboundRule) -> None:
    if out.protocol not in PROTOCOLS:
        raise catalog.INVALID_REQUEST_FORMAT.violation()
    reason = None
    if lb.sku != "Standard":
        reason = f"outbound rules need a Standard load balancer, {lb.id} is {lb.sku}"
    elif not out.frontends:
        reason = "it names no frontend IP configuration"
    elif not out.pool:
        reason = "it names no backend address pool"
    else:
        private = next(
            (f for f in out.frontends if (fe := lb.frontend(f)) is not None and not fe.public_ip),
            None,
        )
        if private:
            reason = f"frontend IP configuration {private} has no public IP address"
    if reason:
        raise catalog.OUTBOUND_RULE_INVALID.violation(rule=out.id, reason=reason)


def _check_port_count(out: OutboundRule) -> None:
    ports = as_int(out.allocated_ports)
    if out.allocated_ports is None:
        return
    if ports is None or ports < 0 or ports % PORT_BLOCK:
        raise catalog.OUTBOUND_PORTS_NOT_MULTIPLE_OF_8.violation(
            ports=out.allocated_ports, rule=out.id
        )
    if ports > PORTS_PER_RULE:
        raise catalog.OUTBOUND_PORTS_OVER_RULE_LIMIT.violation(
            ports=ports, rule=out.id, limit=PORTS_PER_RULE
        )


def _overlap(a: object, b: object) -> bool:
    return a == b or "All" in (a, b)


def _check_one_rule_per_frontend_and_protocol(lb: LoadBalancer) -> None:
    for i, first in enumerate(lb.outbound):
        for second in lb.outbound[i + 1 :]:
            if not _overlap(first.protocol, second.protocol):
                continue
            shared = {key(f) for f in first.frontends} & {key(f) for f in second.frontends}
            if shared:
                frontend = next(f for f in first.frontends if key(f) in shared)
                raise catalog.OUTBOUND_SAME_FRONTEND.violation(
                    frontend=frontend, rules=f"{first.id},{second.id}"
                )


def _check_snat_disabled(lb: LoadBalancer) -> None:
    by_frontend: dict[str, list[OutboundRule]] = {}
    for out in lb.outbound:
        for fe in out.frontends:
            by_frontend.setdefault(key(fe), []).append(out)
    for rule in lb.rules:
        users = by_frontend.get(key(rule.frontend))
        if users and not rule.disable_snat:
            raise catalog.OUTBOUND_SNAT_NOT_DISABLED.violation(
                rule=rule.id, frontend=rule.frontend, outbound=",".join(o.id for o in users)
            )


def available_ports(frontends: int, members: int) -> int:
    """The ports each of ``members`` pool members can get from ``frontends`` addresses."""
    share = frontends * PORTS_PER_FRONTEND // max(members, 1)
    return share // PORT_BLOCK * PORT_BLOCK


def check_capacity(lb: LoadBalancer, members: dict[str, int]) -> None:
    """``members``: pool key → how many IP configurations it holds (after the write)."""
    for out in lb.outbound:
        ports = as_int(out.allocated_ports)
        count = members.get(key(out.pool), 0) if out.pool else 0
        if not ports or not count:
            continue
        available = available_ports(len(out.frontends), count)
        if ports > available:
            raise catalog.OUTBOUND_PORTS_OVER_AVAILABLE.violation(
                ports=ports, rule=out.id, available=available
            )


def members_after_join(
    lb: LoadBalancer, nic_id: str, ipconfigs: Iterable[IPConfig]
) -> dict[str, int]:
    """Pool members of a stored load balancer once a NIC's new ipconfigs replace its old ones."""
    counts: dict[str, set[str]] = {}
    for pool in lb.pools:
        kept = {key(m) for m in pool.members if key(parent(m)) != key(nic_id)}
        counts[key(pool.id)] = kept
    for ic in ipconfigs:
        for pool in ic.pools:
            if key(pool) in counts:
                counts[key(pool)].add(key(ic.id))
    return {pool: len(ids) for pool, ids in counts.items()}


def check_secondary_members(ipconfig: IPConfig, outbound_pools: dict[str, OutboundRule]) -> None:
    """A secondary IP configuration may not sit in a pool an outbound rule SNATs."""
    if ipconfig.primary:
        return
    for pool in ipconfig.pools:
        out = outbound_pools.get(key(pool))
        if out is not None:
            raise catalog.OUTBOUND_SECONDARY_IPCONFIG.violation(
                rule=out.id, pool=pool, ipconfig=ipconfig.id
            )
