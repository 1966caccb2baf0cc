"""Private address rules: a static IP must sit in its subnet, outside Azure's reserved
addresses, and not already be held by another IP configuration or frontend."""

from __future__ import annotations

import ipaddress

from . import catalog
from .ids import key, props
from .usage import Usage

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_prefix(value: object) -> Network | None:
    """A CIDR prefix, or None when it does not parse (host bits set are tolerated)."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def subnet_prefixes(subnet_doc: dict) -> list[Network]:
    """A subnet's prefixes: ``addressPrefix`` and/or ``addressPrefixes``."""
    p = props(subnet_doc)
    raw = [p.get("addressPrefix")] if p.get("addressPrefix") else []
    if isinstance(p.get("addressPrefixes"), list):
        raw.extend(p["addressPrefixes"])
    return [net for net in (parse_prefix(v) for v in raw) if net is not None]


def is_reserved(address: ipaddress.IPv4Address | ipaddress.IPv6Address, net: Network) -> bool:
    """Azure keeps the first four addresses of every subnet and, for IPv4, the last one."""
    offset = int(address) - int(net.network_address)
    if offset < 4:
        return True
    return net.version == 4 and address == net.broadcast_address


def check_static_ip(
    holder: str, ip: str, subnet_id: str, subnet_doc: dict | None, usage: Usage
) -> None:
    """Refuse a static address outside the subnet, reserved by Azure, or already allocated."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise catalog.INVALID_REQUEST_FORMAT.violation() from None
    nets = subnet_prefixes(subnet_doc) if subnet_doc else []
    if nets:
        home = next((n for n in nets if n.version == address.version and address in n), None)
        if home is None:
            raise catalog.IP_NOT_IN_SUBNET.violation(ip=ip, prefix=str(nets[0]))
        if is_reserved(address, home):
            raise catalog.IP_RESERVED.violation(ip=ip, prefix=str(home))
    owner = usage.private_ips.get((key(subnet_id), str(address)))
    if owner:
        raise catalog.IP_ALLOCATED.violation(ipconfig=holder, ip=ip, owner=owner)


def claim_static_ip(
    holder: str,
    ip: str,
    subnet_id: str,
    subnet_doc: dict | None,
    usage: Usage,
    taken: dict[tuple[str, str], str],
) -> None:
    """:func:`check_static_ip`, and not claimed twice within one request (``taken``)."""
    check_static_ip(holder, ip, subnet_id, subnet_doc, usage)
    slot = (key(subnet_id), ip)
    if slot in taken:
        raise catalog.IP_ALLOCATED.violation(ipconfig=holder, ip=ip, owner=taken[slot])
    taken[slot] = holder
