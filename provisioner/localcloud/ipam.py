"""Address allocation the way Azure does it, for requests the rules have already accepted.

Private: Azure reserves the first four addresses and the last one of every subnet; a
dynamic address is the lowest free one from ``.4``; a static one is taken as asked. Public:
addresses come from the documentation ranges (RFC 5737 / RFC 3849), so nothing the local cloud
hands out can collide with a real host.

Nothing here refuses a request. Every reason Azure has to refuse an address (outside the
subnet, reserved, taken, subnet full, public IP quota) is a rule in ``rules/`` that runs before
allocation, so the allocator may assume it can place what it is asked for. When it cannot, the
rules and the allocator disagree: :class:`AllocationError` reports that bug in the local cloud;
it is never an answer for a client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PUBLIC_V4 = [ipaddress.ip_network(n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")]
PUBLIC_V6 = ipaddress.ip_network("2001:db8::/32")
RESERVED_HEAD = 4


class AllocationError(RuntimeError):
    """The rules accepted a request the allocator cannot place: a local cloud bug."""


def subnet_networks(subnet_props: dict) -> list[IPNetwork]:
    prefixes = list(subnet_props.get("addressPrefixes") or [])
    if subnet_props.get("addressPrefix"):
        prefixes.insert(0, subnet_props["addressPrefix"])
    nets = []
    for p in prefixes:
        try:
            nets.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            continue
    return nets


def network_for(nets: list[IPNetwork], version: str) -> IPNetwork | None:
    want = 6 if version == "IPv6" else 4
    return next((n for n in nets if n.version == want), None)


def allocate_dynamic(net: IPNetwork, used: set[IPAddress], owner_id: str) -> IPAddress:
    """Lowest free address at or after the fifth of the subnet, before its last."""
    start = int(net.network_address) + RESERVED_HEAD
    end = int(net.broadcast_address)
    for value in range(start, end):
        addr = ipaddress.ip_address(value)
        if addr not in used:
            return addr
    raise AllocationError(f"subnet {net} has no free address left for {owner_id}")


def static_address(requested: object, owner_id: str) -> IPAddress:
    """A static private address as asked, parsed (the rules checked it is valid and free)."""
    try:
        return ipaddress.ip_address(str(requested))
    except ValueError as exc:
        raise AllocationError(f"{owner_id} asks for {requested!r}, not an address") from exc


def allocate_public(version: str, used: Iterable[str]) -> str:
    """The lowest free documentation address of a version (the quota keeps IPv4 from running
    out: ``rules.public_ip.PUBLIC_IP_LIMIT`` is this pool's size)."""
    taken = {ipaddress.ip_address(u) for u in used if u}
    if version == "IPv6":
        base = int(PUBLIC_V6.network_address)
        value = base + RESERVED_HEAD
        while ipaddress.ip_address(value) in taken:
            value += 1
        return str(ipaddress.ip_address(value))
    for net in PUBLIC_V4:
        for value in range(int(net.network_address) + RESERVED_HEAD, int(net.broadcast_address)):
            addr = ipaddress.ip_address(value)
            if addr not in taken:
                return str(addr)
    raise AllocationError("every public IPv4 address is taken, above the public IP quota")
