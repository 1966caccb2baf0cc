"""Flows at the backend: which rules reach each NIC IP configuration, and whether they clash.

Azure requires every rule to produce a flow with a unique destination (IP, protocol, port) on
each backend IP configuration. Without floating IP the destination IP is the ipconfig's own
address, so two such rules clash on (protocol, backend port) — within one load balancer
(``RulesUseSameBackendPortProtocolAndIPConfig``) or across two load balancers of the same type,
public or internal (``RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig``).
With floating IP the destination IP is the frontend's, so the frontend joins the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from . import catalog
from .ids import key, parent
from .model import IPConfig, LoadBalancer, OutboundRule, Rule
from .outbound import check_secondary_members

NIC_RULE_LIMIT = 300


@dataclass(frozen=True)
class Flow:
    """One rule reaching one backend IP configuration."""

    lb: str
    public: bool
    rule: Rule


class LoadBalancerIndex:
    """Per-LB lookups built once: pool → rules using it, NAT rule id → rule."""

    def __init__(self, lb: LoadBalancer):
        self.lb = lb
        self.pool_ids = {key(p.id) for p in lb.pools}
        self.by_pool: dict[str, list[Rule]] = {}
        for rule in lb.rules:
            for pool in {key(p) for p in rule.pools}:
                self.by_pool.setdefault(pool, []).append(rule)
        for rule in lb.nat_rules:  # NAT rules v2: one port mapping per pool member
            for pool in {key(p) for p in rule.pools}:
                self.by_pool.setdefault(pool, []).append(rule)
        self.nat_by_id = {key(r.id): r for r in lb.nat_rules}
        self.outbound_by_pool: dict[str, OutboundRule] = {}
        for out in lb.outbound:
            if out.pool:
                self.outbound_by_pool.setdefault(key(out.pool), out)
        self.outbound_pools = set(self.outbound_by_pool)


def flows_for(
    ipconfig: IPConfig, index_of: Callable[[str], LoadBalancerIndex | None]
) -> list[Flow]:
    """Every rule reaching ``ipconfig`` through its pools and NAT rules, each rule once.

    ``index_of`` maps an LB id (as found in a pool/NAT reference) to its index, or None when
    the LB does not exist; reference errors are reported by the caller, not here.
    """
    seen: set[str] = set()
    flows: list[Flow] = []
    reached: list[tuple[LoadBalancerIndex, Rule]] = []
    for pool in ipconfig.pools:
        index = index_of(parent(pool))
        if index is not None:
            reached.extend((index, rule) for rule in index.by_pool.get(key(pool), []))
    for nat in ipconfig.nat_rules:
        index = index_of(parent(nat))
        rule = index.nat_by_id.get(key(nat)) if index is not None else None
        if index is not None and rule is not None:
            reached.append((index, rule))
    for index, rule in reached:
        if key(rule.id) not in seen:
            seen.add(key(rule.id))
            flows.append(Flow(key(index.lb.id), index.lb.public, rule))
    return flows


def outbound_count(ipconfig: IPConfig, index_of: Callable[[str], LoadBalancerIndex | None]) -> int:
    """Outbound rules reaching ``ipconfig`` (they count towards the per-NIC rule limit)."""
    count = 0
    for pool in ipconfig.pools:
        index = index_of(parent(pool))
        if index is not None and key(pool) in index.outbound_pools:
            count += sum(1 for o in index.lb.outbound if key(o.pool) == key(pool))
    return count


def check_ipconfig_flows(ipconfig: IPConfig, flows: Iterable[Flow]) -> None:
    """Refuse flows that clash at one backend IP configuration (U4, U5, HA, floating IP)."""
    flows = list(flows)
    for flow in flows:
        if flow.rule.floating and not ipconfig.primary:
            raise catalog.FLOATING_ON_SECONDARY.violation(rule=flow.rule.id, ipconfig=ipconfig.id)
    exclusive = next((f for f in flows if f.rule.ha_ports and not f.rule.floating), None)
    if exclusive is not None:
        other = next((f for f in flows if f is not exclusive), None)
        if other is not None:
            raise catalog.HA_PORTS_NOT_EXCLUSIVE.violation(
                ha_rule=exclusive.rule.id, ipconfig=ipconfig.id, other_rule=other.rule.id
            )
    same_lb: dict[tuple, Flow] = {}
    same_type: dict[tuple, Flow] = {}
    for flow in flows:
        rule = flow.rule
        # The destination IP is the ipconfig's own (None) unless floating IP makes it the
        # frontend's; the key therefore carries the frontend only for floating flows.
        destination = key(rule.frontend) if rule.floating else None
        local = (flow.lb, destination, rule.protocol, rule.backend_port)
        first = same_lb.get(local)
        if first is not None:
            raise catalog.SAME_BACKEND_IPCONFIG.violation(
                rule1=first.rule.id,
                rule2=rule.id,
                floating="enabled" if rule.floating else "disabled",
                port=rule.backend_port,
                protocol=rule.protocol,
                ipconfig=ipconfig.id,
            )
        same_lb[local] = flow
        shared = (flow.public, destination, rule.protocol, rule.backend_port)
        first = same_type.get(shared)
        if first is not None and first.lb != flow.lb:
            raise catalog.SAME_LB_TYPE_BACKEND_IPCONFIG.violation(
                rule1=first.rule.id,
                rule2=rule.id,
                port=rule.backend_port,
                protocol=rule.protocol,
                ipconfig=ipconfig.id,
            )
        same_type.setdefault(shared, flow)


def check_nic_rule_count(ipconfig: IPConfig, running_total: int) -> None:
    """Refuse a NIC whose ipconfigs together reach more than 300 rules (LB + NAT + outbound)."""
    if running_total > NIC_RULE_LIMIT:
        raise catalog.NIC_RULE_LIMIT.violation(ipconfig=ipconfig.id, limit=NIC_RULE_LIMIT)


def check_nic(
    ipconfigs: list[IPConfig], index_of: Callable[[str], LoadBalancerIndex | None]
) -> None:
    """All per-ipconfig backend checks for one NIC, in Azure's order (first violation wins)."""
    total = 0
    for ipconfig in ipconfigs:
        flows = flows_for(ipconfig, index_of)
        total += len(flows) + outbound_count(ipconfig, index_of)
        check_nic_rule_count(ipconfig, total)
        check_ipconfig_flows(ipconfig, flows)
        check_secondary_members(ipconfig, _outbound_rules_reaching(ipconfig, index_of))


def _outbound_rules_reaching(
    ipconfig: IPConfig, index_of: Callable[[str], LoadBalancerIndex | None]
) -> dict[str, OutboundRule]:
    """Pool key → the outbound rule that SNATs it, for the pools ``ipconfig`` joins."""
    found: dict[str, OutboundRule] = {}
    for pool in ipconfig.pools:
        index = index_of(parent(pool))
        out = index.outbound_by_pool.get(key(pool)) if index is not None else None
        if out is not None:
            found[key(pool)] = out
    return found
