"""Private address rules for whatever sits in a subnet (NIC ipconfigs, internal LB frontends).

The subnet needs a prefix of the configuration's IP version; a static address must be given,
sit in that prefix, outside Azure's reserved addresses, and not be held by another IP
configuration or frontend (nor claimed twice in one request); and the subnet must have room
for every address the request takes from it. These are all the reasons Azure refuses a private
address, so the local cloud's allocator, which runs after these checks, never has to.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Protocol

from . import catalog
from .ids import key, props, refs
from .usage import Usage

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Azure keeps the first four addresses of every subnet (network, gateway, two for DNS)...
RESERVED_HEAD = 4


class Placed(Protocol):
    """An IP configuration or frontend as the checks see it (``model.IPConfig``, ``Frontend``)."""

    id: str
    subnet: str | None
    private_ip: str | None
    static: bool
    ipv6: bool


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


def is_reserved(address: Address, net: Network) -> bool:
    """Azure keeps the first four addresses of every subnet and, for IPv4, the last one."""
    offset = int(address) - int(net.network_address)
    if offset < RESERVED_HEAD:
        return True
    return net.version == 4 and address == net.broadcast_address


def in_pool(address: Address, net: Network) -> bool:
    """Whether a dynamic address could be this one: from the fifth to the last but one."""
    offset = int(address) - int(net.network_address)
    return RESERVED_HEAD <= offset < net.num_addresses - 1


def pool_size(net: Network) -> int:
    """How many addresses dynamic allocation can hand out of a prefix."""
    return max(0, net.num_addresses - RESERVED_HEAD - 1)


def check_private_addresses(placed: Iterable[Placed], lookup, usage: Callable[[], Usage]) -> None:
    """Refuse a request whose private addresses Azure could not assign.

    ``placed`` are the configurations of one document (references already checked);
    ``usage`` builds the index of addresses other resources hold, only when a check needs it.
    """
    in_subnet = [p for p in placed if p.subnet]
    prefixes: dict[str, list[Network]] = {}
    for p in in_subnet:
        subnet_doc = lookup.get(p.subnet)
        if subnet_doc is None:  # a missing subnet is the reference checks' to report
            continue
        nets = _prefixes_of_version(subnet_doc, p.ipv6)
        if not nets:
            version = "IPv6" if p.ipv6 else "IPv4"
            raise catalog.SUBNET_WITHOUT_VERSION.violation(
                ipconfig=p.id, version=version, subnet=p.subnet
            )
        if p.static and not p.private_ip:
            raise catalog.IP_MISSING.violation(ipconfig=p.id)
        prefixes[p.id] = nets
    taken: dict[tuple[str, str], str] = {}
    for p in in_subnet:
        if p.static and p.id in prefixes:
            claim_static_ip(p, prefixes[p.id], usage, taken)
    _check_capacity([p for p in in_subnet if p.id in prefixes], prefixes, lookup, usage)


def _prefixes_of_version(subnet_doc: dict, ipv6: bool) -> list[Network]:
    want = 6 if ipv6 else 4
    return [net for net in subnet_prefixes(subnet_doc) if net.version == want]


def claim_static_ip(
    placed: Placed,
    nets: list[Network],
    usage: Callable[[], Usage],
    taken: dict[tuple[str, str], str],
) -> None:
    """Refuse a static address that is malformed, outside the subnet's prefixes of its version,
    reserved by Azure, already allocated, or claimed twice within one request (``taken``)."""
    ip = placed.private_ip or ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        raise catalog.INVALID_REQUEST_FORMAT.violation() from None
    home = next((n for n in nets if n.version == address.version and address in n), None)
    if home is None:
        raise catalog.IP_NOT_IN_SUBNET.violation(ip=ip, prefix=str(nets[0]))
    if is_reserved(address, home):
        raise catalog.IP_RESERVED.violation(ip=ip, prefix=str(home))
    slot = (key(placed.subnet), str(address))
    owner = usage().private_ips.get(slot) or taken.get(slot)
    if owner:
        raise catalog.IP_ALLOCATED.violation(ipconfig=placed.id, ip=ip, owner=owner)
    taken[slot] = placed.id


def _check_capacity(
    placed: list[Placed], prefixes: dict[str, list[Network]], lookup, usage: Callable[[], Usage]
) -> None:
    """Dynamic addresses (and static ones inside it) come out of the first prefix of their
    version; refuse when that pool cannot hold them next to what others already hold there."""
    demand: dict[tuple[str, Network], list[Placed]] = {}
    for p in placed:
        pool = prefixes[p.id][0]
        if p.static and not in_pool(ipaddress.ip_address(p.private_ip or ""), pool):
            continue
        demand.setdefault((key(p.subnet), pool), []).append(p)
    for (subnet_key, pool), wanting in demand.items():
        if len(wanting) + _holders(lookup, wanting[0].subnet) <= pool_size(pool):
            continue  # room even if every holder of the subnet sat in this pool
        held = sum(
            1
            for (held_in, ip), _ in usage().private_ips.items()
            if held_in == subnet_key and _in_pool_text(ip, pool)
        )
        if len(wanting) + held > pool_size(pool):
            raise catalog.SUBNET_FULL.violation(
                subnet=wanting[0].subnet, prefix=str(pool), count=len(wanting)
            )


def _holders(lookup, subnet_id: str | None) -> int:
    """How many configurations the subnet lists as its users (its ``ipConfigurations``)."""
    return len(refs(props(lookup.get(subnet_id)).get("ipConfigurations")))


def _in_pool_text(ip: str, pool: Network) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return address.version == pool.version and in_pool(address, pool)
