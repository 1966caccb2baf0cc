"""Checks on a NAT gateway PUT, and on the subnets that attach one.

A NAT gateway gives the subnets that name it outbound through its Standard public IPs and
prefixes: at most 16 addresses, an idle timeout of 4-120 minutes, no zone or one (a Standard
NAT gateway is zonal), and then only public IPs of that zone or zone-redundant ones. Its public
IPs are its own: one an LB frontend or a NIC already holds is ``PublicIPAddressInUse``. A
subnet holds one ``natGateway`` reference, so "a second NAT gateway on a subnet" cannot be
written at all; what Azure does refuse is one NAT gateway serving subnets of two virtual
networks.
"""

from __future__ import annotations

from . import catalog
from .ids import items, key, props, ref, refs
from .model import PIP_TYPE, PREFIX_TYPE, VNET_TYPE, as_int, sku_name
from .references import resolve
from .usage import lazy_usage

IDLE_TIMEOUT_RANGE = (4, 120)
ADDRESS_LIMIT = 16


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this NAT gateway document."""
    nat_id = str(doc.get("id") or "")
    p = props(doc)
    sku = sku_name(doc, "Standard")
    _check_idle_timeout(nat_id, p.get("idleTimeoutInMinutes"))
    zones = _zones(doc)
    if sku == "Standard" and len(zones) > 1:
        raise catalog.NAT_ZONES.violation(
            nat=nat_id,
            sku=sku,
            reason=f"is zonal and can be placed in one availability zone, not {sorted(zones)}",
        )
    usage = lazy_usage(lookup, nat_id)
    count = 0
    for pip_id in refs(p.get("publicIpAddresses")) + refs(p.get("publicIpAddressesV6")):
        pip = resolve(pip_id, PIP_TYPE, nat_id, doc.get("location"), lookup)
        _check_public_resource(nat_id, sku, zones, pip_id, pip)
        owner = usage().public_ips.get(key(pip_id))
        if owner:
            raise catalog.PIP_IN_USE.violation(referrer=nat_id, pip=pip_id, owner=owner)
        count += 1
    for prefix_id in refs(p.get("publicIpPrefixes")) + refs(p.get("publicIpPrefixesV6")):
        prefix = resolve(prefix_id, PREFIX_TYPE, nat_id, doc.get("location"), lookup)
        _check_public_resource(nat_id, sku, zones, prefix_id, prefix)
        count += prefix_size(prefix)
    if count > ADDRESS_LIMIT:
        raise catalog.NAT_ADDRESS_LIMIT.violation(nat=nat_id, limit=ADDRESS_LIMIT, count=count)


def _check_idle_timeout(nat_id: str, value: object) -> None:
    if value is None:
        return
    low, high = IDLE_TIMEOUT_RANGE
    number = as_int(value)
    if number is None or not low <= number <= high:
        raise catalog.NAT_IDLE_TIMEOUT.violation(value=value, nat=nat_id)


def _zones(doc: dict) -> set[str]:
    zones = doc.get("zones")
    return {str(z) for z in zones} if isinstance(zones, list) else set()


def _check_public_resource(nat_id: str, sku: str, zones: set[str], target: str, doc: dict):
    """A public IP or prefix of the NAT gateway: Standard, and in a zone the gateway can use."""
    target_sku = sku_name(doc)
    if target_sku == "Basic":
        raise catalog.NAT_BASIC_PIP.violation(nat=nat_id, pip=target, sku=target_sku)
    theirs = _zones(doc)
    if len(zones) == 1 and theirs != zones and len(theirs) < 2:
        where = f"zone {sorted(theirs)[0]}" if theirs else "no zone"
        raise catalog.NAT_ZONES.violation(
            nat=nat_id,
            sku=sku,
            reason=f"in zone {next(iter(zones))} cannot use {target}, which has {where}",
        )


def prefix_size(prefix_doc: dict) -> int:
    """How many addresses a public IP prefix holds (a /28 holds 16)."""
    p = props(prefix_doc)
    length = as_int(p.get("prefixLength"))
    bits = 128 if p.get("publicIPAddressVersion") == "IPv6" else 32
    if length is None or not 0 <= length <= bits:
        return 1
    return 2 ** min(bits - length, 16)


def check_single_network(nat_id: str, vnet_id: str, lookup) -> None:
    """A NAT gateway serves the subnets of one virtual network only."""
    for other in lookup.of_type(VNET_TYPE) or ():
        other_id = str(other.get("id") or "")
        if key(other_id) == key(vnet_id):
            continue
        for subnet in items(props(other).get("subnets")):
            if key(ref(props(subnet).get("natGateway"))) == key(nat_id):
                raise catalog.NAT_TWO_VNETS.violation(nat=nat_id, used=other_id, other=vnet_id)


def users(nat_id: str, lookup) -> list[str]:
    """The subnets that name this NAT gateway (what keeps it from being deleted)."""
    out = []
    for vnet in lookup.of_type(VNET_TYPE) or ():
        for subnet in items(props(vnet).get("subnets")):
            if key(ref(props(subnet).get("natGateway"))) == key(nat_id):
                out.append(str(subnet.get("id") or ""))
    return out
