"""Checks on a load balancer PUT: the whole document is validated, in Azure's order."""

from __future__ import annotations

import bisect

from . import catalog, outbound
from .addressing import check_private_addresses
from .backend import LoadBalancerIndex, check_nic
from .ids import key, others, parent, under
from .model import (
    LB_TYPE,
    NIC_TYPE,
    PROTOCOLS,
    LoadBalancer,
    Rule,
    parse_ipconfigs,
    parse_load_balancer,
    sku_name,
)
from .usage import lazy_usage

FRONTEND_LIMITS = {"Standard": 600, "Basic": 200}
RULE_LIMITS = {"Standard": 1500, "Basic": 250}
OUTBOUND_RULE_LIMIT = 600


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this LB document."""
    lb = parse_load_balancer(doc)
    check_schema(lb)
    check_children_need_frontend(lb)
    check_limits(lb)
    check_references(lb, lookup)
    check_members_still_resolve(lb, lookup)
    check_frontends(lb, lookup)
    check_ha_ports_placement(lb)
    check_rule_uniqueness(lb)
    outbound.check(lb)
    check_backends(lb, lookup)


def check_schema(lb: LoadBalancer) -> None:
    """Protocols, port ranges (0 only for HA ports) and idle timeouts."""
    for rule in (*lb.rules, *lb.nat_rules):
        if rule.protocol not in PROTOCOLS:
            raise catalog.INVALID_REQUEST_FORMAT.violation()
        if rule.nat:
            _check_nat_ports(rule)
        else:
            _check_rule_ports(rule)
        timeout = rule.idle_timeout
        if timeout is not None and (
            isinstance(timeout, bool) or not isinstance(timeout, int) or not 4 <= timeout <= 100
        ):
            raise catalog.INVALID_IDLE_TIMEOUT.violation(value=timeout, rule=rule.id)


def _port_error(rule: Rule, name: str, port: object, high: int, low: int = 0):
    return catalog.INVALID_PORT.violation(
        port_name=name, port=port, rule=rule.id, low=low, high=high
    )


def _check_rule_ports(rule: Rule) -> None:
    fp, bp = rule.frontend_port, rule.backend_port
    if fp is None or not 0 <= fp <= 65534:
        raise _port_error(rule, "Frontend port", fp, 65534)
    if bp is None or not 0 <= bp <= 65535:
        raise _port_error(rule, "Backend port", bp, 65535)
    # Port 0 means "any port" and exists only as the HA ports rule (All, 0, 0).
    if (fp == 0 or bp == 0 or rule.protocol == "All") and not rule.ha_ports:
        if bp == 0 and fp != 0:
            raise _port_error(rule, "Backend port", bp, 65535)
        raise _port_error(rule, "Frontend port", fp, 65534)


def _check_nat_ports(rule: Rule) -> None:
    if rule.port_range is not None:
        start, end = rule.port_range
        if not 1 <= start <= end <= 65534:
            raise _port_error(rule, "Frontend port range", f"{start}-{end}", 65534, 1)
    elif rule.frontend_port is None or not 1 <= rule.frontend_port <= 65534:
        raise _port_error(rule, "Frontend port", rule.frontend_port, 65534, 1)
    if rule.backend_port is None or not 1 <= rule.backend_port <= 65535:
        raise _port_error(rule, "Backend port", rule.backend_port, 65535, 1)


def check_children_need_frontend(lb: LoadBalancer) -> None:
    """An LB without frontends may not have pools, probes or rules."""
    if not lb.frontends and (lb.pools or lb.probes or lb.rules or lb.nat_rules or lb.outbound):
        raise catalog.LB_WITHOUT_FRONTEND.violation(lb=lb.id)


def check_limits(lb: LoadBalancer) -> None:
    """Frontends, rules (LB + NAT) and outbound rules per load balancer."""
    frontend_limit = FRONTEND_LIMITS.get(lb.sku, FRONTEND_LIMITS["Standard"])
    if len(lb.frontends) > frontend_limit:
        raise catalog.FRONTEND_LIMIT.violation(limit=frontend_limit)
    rule_limit = RULE_LIMITS.get(lb.sku, RULE_LIMITS["Standard"])
    rule_count = len(lb.rules) + len(lb.nat_rules)
    if rule_count > rule_limit:
        raise catalog.RULE_LIMIT.violation(lb=lb.id, limit=rule_limit, count=rule_count)
    if len(lb.outbound) > OUTBOUND_RULE_LIMIT:
        raise catalog.OUTBOUND_RULE_LIMIT.violation(
            lb=lb.id, limit=OUTBOUND_RULE_LIMIT, count=len(lb.outbound)
        )


def check_references(lb: LoadBalancer, lookup) -> None:
    """Every reference resolves: inside the document, and to public IPs and subnets."""
    frontends = {key(f.id) for f in lb.frontends}
    pools = {key(p.id) for p in lb.pools}
    probes = {key(p) for p in lb.probes}
    for fe in lb.frontends:
        for target in (fe.public_ip, fe.subnet):
            if target and lookup.get(target) is None:
                raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=target, referrer=fe.id)
    for rule in (*lb.rules, *lb.nat_rules):
        wanted = [(rule.frontend, frontends)] + [(p, pools) for p in rule.pools]
        if rule.probe:
            wanted.append((rule.probe, probes))
        for target, known in wanted:
            if target and key(target) not in known:
                raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=target, referrer=rule.id)
    for out in lb.outbound:
        for target, known in [(f, frontends) for f in out.frontends] + [(out.pool, pools)]:
            if target and key(target) not in known:
                raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=target, referrer=out.id)
    for pool_id, frontend in lb.nat_pools:
        if frontend and key(frontend) not in frontends:
            raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=frontend, referrer=pool_id)


def check_members_still_resolve(lb: LoadBalancer, lookup) -> None:
    """A pool or inbound NAT rule a stored NIC ipconfig still references may not be dropped.

    Azure validates every reference on a write, so the NIC's reference to the child this PUT
    removes is a reference to a missing resource: ``InvalidResourceReference`` naming the pool
    (or NAT rule) and the NIC ipconfig. NICs leave the pool first, then the pool can go.
    """
    kept = {key(p.id) for p in lb.pools} | {key(r.id) for r in lb.nat_rules}
    for nic_doc in others(lookup.of_type(NIC_TYPE) or (), None):
        for ic in parse_ipconfigs(nic_doc):
            for target in (*ic.pools, *ic.nat_rules):
                if key(parent(target)) == key(lb.id) and key(target) not in kept:
                    raise catalog.INVALID_RESOURCE_REFERENCE.violation(
                        missing=target, referrer=ic.id
                    )


def check_frontends(lb: LoadBalancer, lookup) -> None:
    """Frontend kind, SKU match, public IPs not shared, private addresses assignable."""
    public = private = None
    for fe in lb.frontends:
        if fe.public_ip and fe.subnet:
            raise catalog.FRONTEND_BOTH.violation(frontend=fe.id)
        if not fe.public_ip and not fe.subnet:
            raise catalog.FRONTEND_NEITHER.violation(frontend=fe.id)
        public = public or (fe.id if fe.public_ip else None)
        private = private or (fe.id if fe.subnet else None)
    if public and private:
        raise catalog.FRONTEND_KINDS_MIXED.violation(lb=lb.id, public=public, private=private)
    seen_pips: dict[str, str] = {}
    for fe in lb.frontends:
        if not fe.public_ip:
            continue
        pip_sku = sku_name(lookup.get(fe.public_ip) or {})
        if pip_sku != lb.sku and {pip_sku, lb.sku} <= {"Basic", "Standard"}:
            raise catalog.SKU_MISMATCH.violation(
                lb_sku=lb.sku, lb=lb.id, pip_sku=pip_sku, pip=fe.public_ip
            )
        if key(fe.public_ip) in seen_pips:
            raise catalog.PIP_REFERENCED_TWICE.violation(pip=fe.public_ip, resource=lb.id)
        seen_pips[key(fe.public_ip)] = fe.id
    usage = lazy_usage(lookup, lb.id)
    for fe in lb.frontends:
        owner = usage().public_ips.get(key(fe.public_ip)) if fe.public_ip else None
        if owner:
            raise catalog.PIP_IN_USE.violation(referrer=fe.id, pip=fe.public_ip, owner=owner)
    check_private_addresses(lb.frontends, lookup, usage)


#: SKUs whose internal frontends carry HA ports rules: Standard, and Gateway, whose rules are HA
#: ports ones (REST spec LoadBalancerCreateGatewayLoadBalancerProviderWithOneBackendPool.json)
HA_PORTS_SKUS = ("Standard", "Gateway")


def check_ha_ports_placement(lb: LoadBalancer) -> None:
    """HA ports only on Standard (or Gateway) internal LBs; no floating IP for IPv6 on internal
    LBs."""
    internal = bool(lb.frontends) and not lb.public
    for rule in lb.rules:
        if rule.ha_ports and not (lb.sku in HA_PORTS_SKUS and internal):
            kind = f"{lb.sku} {'internal' if internal else 'public'}"
            raise catalog.HA_PORTS_NOT_STANDARD_INTERNAL.violation(
                rule=rule.id, lb=lb.id, kind=kind
            )
        if rule.floating and internal:
            fe = lb.frontend(rule.frontend)
            if fe is not None and fe.ipv6:
                raise catalog.IPV6_FLOATING_INTERNAL.violation(
                    rule=rule.id, frontend=fe.id, lb=lb.id
                )


def check_rule_uniqueness(lb: LoadBalancer) -> None:
    """U2, U3 (backend port per pool), U1 (frontend tuple), then the HA ports limitations."""
    by_backend: dict[tuple, Rule] = {}
    for rule in lb.rules:
        for pool in dict.fromkeys(key(p) for p in rule.pools):
            slot = (
                rule.protocol,
                rule.backend_port,
                pool,
                key(rule.frontend) if rule.floating else None,
            )
            first = by_backend.get(slot)
            if first is not None and first.floating == rule.floating:
                code = (
                    catalog.SAME_BACKEND_POOL_FLOATING
                    if rule.floating
                    else catalog.SAME_BACKEND_POOL
                )
                raise code.violation(
                    rule1=first.id,
                    rule2=rule.id,
                    protocol=rule.protocol,
                    port=rule.backend_port,
                    frontend=rule.frontend,
                    pool=_original(rule.pools, pool),
                )
            by_backend.setdefault(slot, rule)
    _check_frontend_tuples(lb)
    _check_ha_limitations(lb)


def _original(ids: tuple[str, ...], wanted: str) -> str:
    return next((i for i in ids if key(i) == wanted), wanted)


def _check_frontend_tuples(lb: LoadBalancer) -> None:
    """U1: (frontend, protocol, frontend port) unique across LB rules and NAT rules."""
    singles: dict[tuple, Rule] = {}
    ranges: dict[tuple, list[tuple[int, int, Rule]]] = {}
    for rule in (*lb.rules, *lb.nat_rules):
        group = (key(rule.frontend), rule.protocol)
        if rule.port_range is not None:
            ranges.setdefault(group, []).append((*rule.port_range, rule))
            continue
        first = singles.get((*group, rule.frontend_port))
        if first is not None:
            code = catalog.DUPLICATE_FRONTEND
            if first.ha_ports and rule.ha_ports:
                code = catalog.HA_PORTS_TWICE_ON_FRONTEND
                raise code.violation(rule1=first.id, rule2=rule.id, frontend=rule.frontend)
            raise code.violation(
                rule1=first.id,
                rule2=rule.id,
                frontend=rule.frontend,
                protocol=rule.protocol,
                port=rule.frontend_port,
            )
        singles[(*group, rule.frontend_port)] = rule
    for group, spans in ranges.items():
        spans.sort(key=lambda s: s[0])
        for (_, end_a, rule_a), (start_b, _, rule_b) in zip(spans, spans[1:], strict=False):
            if start_b <= end_a:
                raise _duplicate(rule_a, rule_b, start_b)
        for (_, protocol, port), rule in singles.items():
            if (key(rule.frontend), protocol) != group or port is None:
                continue
            hit = _span_containing(spans, port)
            if hit is not None:
                raise _duplicate(rule, hit, port)


def _span_containing(spans: list[tuple[int, int, Rule]], port: int) -> Rule | None:
    i = bisect.bisect_right([s[0] for s in spans], port) - 1
    return spans[i][2] if i >= 0 and spans[i][1] >= port else None


def _duplicate(first: Rule, second: Rule, port: int):
    return catalog.DUPLICATE_FRONTEND.violation(
        rule1=first.id,
        rule2=second.id,
        frontend=second.frontend,
        protocol=second.protocol,
        port=port,
    )


def _check_ha_limitations(lb: LoadBalancer) -> None:
    """A pool carries only HA ports rules or only other rules, never both."""
    ha_on_pool: dict[str, Rule] = {}
    other_on_pool: dict[str, Rule] = {}
    for rule in lb.rules:
        for pool in (key(p) for p in rule.pools):
            (ha_on_pool if rule.ha_ports else other_on_pool).setdefault(pool, rule)
    for pool, ha_rule in ha_on_pool.items():
        other = other_on_pool.get(pool)
        if other is not None:
            raise catalog.HA_PORTS_MIXED_ON_POOL.violation(
                ha_rule=ha_rule.id, other_rule=other.id, pool=_original(ha_rule.pools, pool)
            )


def check_backends(lb: LoadBalancer, lookup) -> None:
    """When NICs already sit in this LB's pools or NAT rules, re-run their backend checks."""
    own = LoadBalancerIndex(lb)
    cache: dict[str, LoadBalancerIndex | None] = {key(lb.id): own}

    def index_of(lb_id: str) -> LoadBalancerIndex | None:
        k = key(lb_id)
        if k not in cache:
            stored = lookup.get(lb_id)
            cache[k] = LoadBalancerIndex(parse_load_balancer(stored)) if stored else None
        return cache[k]

    member_nics = {key(parent(m)) for p in lb.pools for m in p.members}
    nics = {key(d.get("id")): d for d in others(lookup.of_type(NIC_TYPE) or (), None)}
    for nic_id in member_nics - set(nics):
        stored = lookup.get(nic_id)
        if stored:
            nics[nic_id] = stored
    for nic_doc in nics.values():
        ipconfigs = parse_ipconfigs(nic_doc)
        touches = any(under(r, lb.id) for ic in ipconfigs for r in (*ic.pools, *ic.nat_rules))
        if touches:
            check_nic(ipconfigs, index_of)


__all__ = ["LB_TYPE", "check"]
