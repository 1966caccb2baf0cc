"""Who uses what: public IPs, private addresses and subnets, indexed from the store.

Built once per check by one pass over the stored load balancers, NICs and NAT gateways (the
resource being written excluded), so each lookup afterwards is a dict hit rather than another
scan.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache

from .ids import key, others, props, refs
from .model import LB_TYPE, NAT_TYPE, NIC_TYPE, parse_ipconfigs, parse_load_balancer


@dataclass
class Usage:
    """Indexes keyed by ``ids.key`` (and address) → the id of the ipconfig/frontend using it."""

    public_ips: dict[str, str] = field(default_factory=dict)
    private_ips: dict[tuple[str, str], str] = field(default_factory=dict)
    subnets: dict[str, str] = field(default_factory=dict)

    def add(self, holder: str, public_ip: str | None, subnet: str | None, ip: str | None) -> None:
        """Record one ipconfig or frontend; the first holder found wins (enough to name one)."""
        if public_ip:
            self.public_ips.setdefault(key(public_ip), holder)
        if subnet:
            self.subnets.setdefault(key(subnet), holder)
            if ip:
                self.private_ips.setdefault((key(subnet), canonical_ip(ip)), holder)


def canonical_ip(ip: str) -> str:
    """The canonical text of an address, so different IPv6 spellings of one address collide."""
    try:
        return str(ipaddress.ip_address(ip))
    except ValueError:
        return ip


def build_usage(lookup, exclude_id: str | None) -> Usage:
    """Index every stored LB frontend, NIC ipconfig and NAT gateway except ``exclude_id``."""
    usage = Usage()
    for lb_doc in others(_docs(lookup, LB_TYPE), exclude_id):
        for fe in parse_load_balancer(lb_doc).frontends:
            usage.add(fe.id, fe.public_ip, fe.subnet, fe.private_ip)
    for nic_doc in others(_docs(lookup, NIC_TYPE), exclude_id):
        for ic in parse_ipconfigs(nic_doc):
            usage.add(ic.id, ic.public_ip, ic.subnet, ic.private_ip)
    for nat_doc in others(_docs(lookup, NAT_TYPE), exclude_id):
        p = props(nat_doc)
        for pip in refs(p.get("publicIpAddresses")) + refs(p.get("publicIpAddressesV6")):
            usage.add(str(nat_doc.get("id") or ""), pip, None, None)
    return usage


def lazy_usage(lookup, exclude_id: str | None) -> Callable[[], Usage]:
    """:func:`build_usage` on first call, then remembered: for checks that may not need it."""
    return cache(lambda: build_usage(lookup, exclude_id))


def _docs(lookup, arm_type: str) -> Iterable[dict]:
    return lookup.of_type(arm_type) or ()
