"""Address allocation the way Azure does it.

Private: Azure reserves the first four addresses and the last one of every subnet; a
dynamic address is the lowest free one from ``.4``; a static one must be inside the subnet,
not reserved and not taken. Public: addresses come from the documentation ranges
(RFC 5737 / RFC 3849), so nothing the local cloud hands out can collide with a real host.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from provisioner.localcloud.errors import ArmError, bad_request

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PUBLIC_V4 = [ipaddress.ip_network(n) for n in ("203.0.113.0/24", "198.51.100.0/24", "192.0.2.0/24")]
PUBLIC_V6 = ipaddress.ip_network("2001:db8::/32")
RESERVED_HEAD = 4


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


def is_reserved(net: IPNetwork, addr: IPAddress) -> bool:
    offset = int(addr) - int(net.network_address)
    return offset < RESERVED_HEAD or addr == net.broadcast_address


def allocate_dynamic(net: IPNetwork, used: set[IPAddress], owner_id: str) -> str:
    """Lowest free address at or after the fifth of the subnet."""
    start = int(net.network_address) + RESERVED_HEAD
    end = int(net.broadcast_address)
    for value in range(start, end):
        addr = ipaddress.ip_address(value)
        if addr not in used:
            return str(addr)
    raise ArmError(
        400,
        "SubnetIsFull",
        f"Subnet {net} has no free address for IP configuration {owner_id}.",
    )


def check_static(
    net: IPNetwork, requested: str, used: dict[IPAddress, str], owner_id: str, subnet_id: str
) -> str:
    """Validate a static private address and echo it in canonical form."""
    try:
        addr = ipaddress.ip_address(requested)
    except ValueError as exc:
        raise bad_request(
            "InvalidPrivateIPAddressFormat",
            f"Private static IP address {requested} of {owner_id} is not a valid IP address.",
        ) from exc
    if addr not in net:
        raise bad_request(
            "PrivateIPAddressNotInSubnet",
            f"IP configuration {owner_id} is referencing private IP address {requested} "
            f"which does not belong to subnet {subnet_id}.",
        )
    if is_reserved(net, addr):
        raise bad_request(
            "PrivateIPAddressInReservedRange",
            f"Private static IP address {requested} falls within reserved IP range of "
            f"subnet prefix {net}.",
        )
    if addr in used:
        raise bad_request(
            "PrivateIPAddressInUse",
            f"IP configuration {owner_id} is using the private IP address {requested} which "
            f"is already allocated to resource {used[addr]}.",
        )
    return str(addr)


def allocate_public(version: str, used: Iterable[str]) -> str:
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
    raise ArmError(409, "PublicIPCountLimitReached", "The local cloud ran out of public IPv4s.")
