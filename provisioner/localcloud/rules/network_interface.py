"""Checks on a network interface PUT: references, addresses, public IPs and backend flows.

Joining a pool or NAT rule happens on the NIC, so this is where Azure reports the rule clashes
that involve a backend IP configuration (azure-reference §1.1).
"""

from __future__ import annotations

from . import catalog, outbound
from .addressing import check_private_addresses
from .backend import LoadBalancerIndex, check_nic
from .ids import key, parent, props, ref
from .model import NSG_TYPE, IPConfig, parse_ipconfigs, parse_load_balancer
from .references import resolve
from .usage import lazy_usage


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this NIC document."""
    ipconfigs = parse_ipconfigs(doc)
    cache: dict[str, LoadBalancerIndex | None] = {}

    def index_of(lb_id: str) -> LoadBalancerIndex | None:
        k = key(lb_id)
        if k not in cache:
            stored = lookup.get(lb_id)
            cache[k] = LoadBalancerIndex(parse_load_balancer(stored)) if stored else None
        return cache[k]

    nsg = ref(props(doc).get("networkSecurityGroup"))
    if nsg:
        resolve(nsg, NSG_TYPE, str(doc.get("id") or ""), doc.get("location"), lookup)
    for ipconfig in ipconfigs:
        _check_references(ipconfig, lookup, index_of)
    _check_addresses(doc, ipconfigs, lookup)
    check_nic(ipconfigs, index_of)
    _check_outbound_capacity(str(doc.get("id") or ""), ipconfigs, index_of)


def _check_outbound_capacity(nic_id: str, ipconfigs: list[IPConfig], index_of) -> None:
    """Joining a pool an outbound rule SNATs shrinks every member's share of its ports."""
    lbs = {key(parent(pool)): parent(pool) for ic in ipconfigs for pool in ic.pools}
    for lb_id in lbs.values():
        index = index_of(lb_id)
        if index is not None and index.lb.outbound:
            members = outbound.members_after_join(index.lb, nic_id, ipconfigs)
            outbound.check_capacity(index.lb, members)


def _check_references(ipconfig: IPConfig, lookup, index_of) -> None:
    for target in (ipconfig.subnet, ipconfig.public_ip):
        if target and lookup.get(target) is None:
            raise _missing(target, ipconfig)
    for pool in ipconfig.pools:
        index = index_of(parent(pool))
        if index is None or key(pool) not in index.pool_ids:
            raise _missing(pool, ipconfig)
    for nat in ipconfig.nat_rules:
        index = index_of(parent(nat))
        if index is None or key(nat) not in index.nat_by_id:
            raise _missing(nat, ipconfig)


def _missing(target: str, ipconfig: IPConfig):
    return catalog.INVALID_RESOURCE_REFERENCE.violation(missing=target, referrer=ipconfig.id)


def _check_addresses(doc: dict, ipconfigs: list[IPConfig], lookup) -> None:
    """Public IPs used once; private addresses Azure can assign (also within this NIC)."""
    usage = lazy_usage(lookup, doc.get("id"))
    seen_pips: set[str] = set()
    for ic in ipconfigs:
        if ic.public_ip:
            if key(ic.public_ip) in seen_pips:
                raise catalog.PIP_REFERENCED_TWICE.violation(pip=ic.public_ip, resource=ic.nic)
            seen_pips.add(key(ic.public_ip))
            owner = usage().public_ips.get(key(ic.public_ip))
            if owner:
                raise catalog.PIP_IN_USE.violation(referrer=ic.id, pip=ic.public_ip, owner=owner)
    check_private_addresses(ipconfigs, lookup, usage)
