"""Checks on a public IP PUT: SKU and allocation method must agree, and the quotas hold.

The quota is the local cloud's: it hands out IPv4 addresses from the three documentation /24s
(RFC 5737) less Azure's five reserved in each, so a subscription may hold as many public IPs as
that pool has addresses, and the allocator can never run out.

Basic IPv4 public IPs were retired on 2025-09-30 and cannot be created since 2025-03-31: a
subscription's Basic quota is 0, and so is the local cloud's unless the lookup says otherwise
(``basic_public_ip_quota``, a cloud setting for a subscription that still has some). Azure still
fills in Basic when a request leaves ``sku`` out, so such a request is refused too.
"""

from __future__ import annotations

from . import catalog
from .ids import props
from .model import PIP_TYPE, sku_name

PUBLIC_IP_LIMIT = 3 * (256 - 5)


def check(doc: dict, lookup) -> None:
    """Standard needs Static; a Basic IPv6 address cannot be Static; at most the quota."""
    p = props(doc)
    method = p.get("publicIPAllocationMethod")
    version = p.get("publicIPAddressVersion") or "IPv4"
    sku = sku_name(doc)
    pip = doc.get("id")
    if sku == "Standard" and method != "Static":
        raise catalog.STANDARD_PIP_STATIC.violation(pip=pip)
    if sku == "Basic" and version == "IPv6" and method == "Static":
        raise catalog.BASIC_IPV6_STATIC.violation(pip=pip)
    if lookup.count(PIP_TYPE) >= PUBLIC_IP_LIMIT:
        raise catalog.PUBLIC_IP_LIMIT.violation(limit=PUBLIC_IP_LIMIT)
    quota = getattr(lookup, "basic_public_ip_quota", None)
    if sku == "Basic" and version == "IPv4" and quota is not None:
        held = sum(
            1
            for other in lookup.of_type(PIP_TYPE)
            if sku_name(other) == "Basic"
            and (props(other).get("publicIPAddressVersion") or "IPv4") == "IPv4"
        )
        if held >= quota:
            raise catalog.BASIC_PIP_RETIRED.violation(limit=quota)
