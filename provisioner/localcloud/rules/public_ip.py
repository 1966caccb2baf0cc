"""Checks on a public IP PUT: SKU and allocation method must agree."""

from __future__ import annotations

from . import catalog
from .ids import props
from .model import sku_name


def check(doc: dict, lookup) -> None:
    """Standard needs Static; a Basic IPv6 address cannot be Static."""
    p = props(doc)
    method = p.get("publicIPAllocationMethod")
    version = p.get("publicIPAddressVersion") or "IPv4"
    sku = sku_name(doc)
    pip = doc.get("id")
    if sku == "Standard" and method != "Static":
        raise catalog.STANDARD_PIP_STATIC.violation(pip=pip)
    if sku == "Basic" and version == "IPv6" and method == "Static":
        raise catalog.BASIC_IPV6_STATIC.violation(pip=pip)
