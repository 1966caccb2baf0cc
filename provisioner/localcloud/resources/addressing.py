"""Private addresses for anything that sits in a subnet (NIC ipconfigs, ILB frontends).

Shaping (:func:`shape_private`) echoes the version and allocation method in Azure's casing, so
the rules read the document as Azure stores it. Assignment (:func:`assign_private`) runs after
the rules (``rules/addressing.py``) accepted the document, so it only places addresses: static
ones as asked, first, then dynamic ones, each keeping the address it had while that stays
free, else taking the lowest free one.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from provisioner.localcloud.ids import key
from provisioner.localcloud.ipam import (
    RESERVED_HEAD,
    AllocationError,
    IPAddress,
    IPNetwork,
    allocate_dynamic,
    network_for,
    static_address,
    subnet_networks,
)
from provisioner.localcloud.resources.base import (
    WriteCtx,
    find_child,
    norm_choice,
    parent_key,
    ref_id,
    same_id,
)

#: inline collections whose entries hold a subnet reference and a private address
_SUBNET_HOLDERS = ("ipConfigurations", "frontendIPConfigurations")


def shape_private(conf: dict[str, Any]) -> None:
    """Echo ``privateIPAddressVersion`` and ``privateIPAllocationMethod`` (defaults, casing)."""
    p = conf["properties"]
    p["privateIPAddressVersion"] = norm_choice(
        p.get("privateIPAddressVersion"), ("IPv4", "IPv6"), "IPv4"
    )
    p["privateIPAllocationMethod"] = norm_choice(
        p.get("privateIPAllocationMethod"), ("Dynamic", "Static"), "Dynamic"
    )


def used_private(w: WriteCtx, subnet_id: str, skip_key: str) -> dict[IPAddress, str]:
    """Addresses already taken in a subnet by other stored resources, with their owners."""
    used: dict[IPAddress, str] = {}
    vnet = parent_key(subnet_id)
    if vnet is None:
        return used
    for d in w.referrers(vnet):
        if key(d["id"]) == skip_key:
            continue
        for coll in _SUBNET_HOLDERS:
            for c in (d.get("properties") or {}).get(coll) or []:
                p = c.get("properties") or {}
                if same_id(ref_id(p.get("subnet")), subnet_id) and p.get("privateIPAddress"):
                    for address in held_addresses(p["privateIPAddress"]):
                        used[address] = c["id"]
    return used


def held_addresses(value: str) -> list[IPAddress]:
    """The addresses a ``privateIPAddress`` holds: one, or a whole prefix (``10.0.0.16/28``,
    an IP configuration with ``privateIPAddressPrefixLength``)."""
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return []
    return list(net) if net.num_addresses <= 65536 else [net.network_address]


def assign_private(
    w: WriteCtx, doc: dict[str, Any], old: dict[str, Any] | None, collection: str
) -> None:
    """Fill ``privateIPAddress`` on every subnet-attached entry of ``doc[collection]``."""
    placed = [
        c for c in doc["properties"].get(collection) or [] if ref_id(c["properties"].get("subnet"))
    ]
    taken: dict[str, dict[IPAddress, str]] = {}  # subnet key → addresses held (store + doc)

    def held(subnet_id: str) -> dict[IPAddress, str]:
        if key(subnet_id) not in taken:
            taken[key(subnet_id)] = used_private(w, subnet_id, key(doc["id"]))
        return taken[key(subnet_id)]

    for c in placed:
        p = c["properties"]
        if p["privateIPAllocationMethod"] == "Static":
            addr = static_address(p.get("privateIPAddress"), c["id"])
            p["privateIPAddress"] = str(addr)
            held(p["subnet"]["id"])[addr] = c["id"]
    for c in placed:
        p = c["properties"]
        if p["privateIPAllocationMethod"] != "Static":
            subnet_id = p["subnet"]["id"]
            old_conf = find_child(old, collection, c["name"]) if old else None
            used = held(subnet_id)
            length = p.get("privateIPAddressPrefixLength")
            if isinstance(length, int) and not isinstance(length, bool):
                block = _block(_network(w, c), used, length, old_conf, c["id"])
                p["privateIPAddress"] = f"{block.network_address}/{length}"
                for addr in block:
                    used[addr] = c["id"]
                continue
            addr = _dynamic(_network(w, c), used, old_conf, subnet_id, c["id"])
            p["privateIPAddress"] = str(addr)
            used[addr] = c["id"]


def _network(w: WriteCtx, conf: dict[str, Any]) -> IPNetwork:
    p = conf["properties"]
    subnet = w.resolve(p["subnet"]["id"])
    net = network_for(
        subnet_networks((subnet or {}).get("properties") or {}), p["privateIPAddressVersion"]
    )
    if net is None:
        raise AllocationError(f"{conf['id']}: no {p['privateIPAddressVersion']} prefix to use")
    return net


def _block(
    net: IPNetwork,
    used: dict[IPAddress, str],
    length: int,
    old_conf: dict[str, Any] | None,
    conf_id: str,
) -> IPNetwork:
    """The prefix an IP configuration asking for ``privateIPAddressPrefixLength`` gets: the one
    it had, else the lowest aligned block of that length clear of Azure's reserved addresses
    and of every address held (the REST example gets 172.20.2.16/28 next to 172.20.2.4)."""
    previous = ((old_conf or {}).get("properties") or {}).get("privateIPAddress")
    candidates = list(net.subnets(new_prefix=length)) if length >= net.prefixlen else []
    if previous:
        try:
            before = ipaddress.ip_network(previous, strict=False)
        except ValueError:
            before = None
        if before in candidates:
            candidates.insert(0, before)  # type: ignore[arg-type]
    for block in candidates:
        first = int(block.network_address) - int(net.network_address)
        reserved = first < RESERVED_HEAD or (net.version == 4 and net.broadcast_address in block)
        if not reserved and not any(a in used and used[a] != conf_id for a in block):
            return block
    raise AllocationError(f"subnet {net} has no free /{length} left for {conf_id}")


def _dynamic(
    net: IPNetwork,
    used: dict[IPAddress, str],
    old_conf: dict[str, Any] | None,
    subnet_id: str,
    conf_id: str,
) -> IPAddress:
    """The address the configuration had, while it is in the same subnet and free; else the
    lowest free one."""
    old_p = (old_conf or {}).get("properties") or {}
    previous = old_p.get("privateIPAddress")
    if previous and same_id(ref_id(old_p.get("subnet")), subnet_id):
        prev = ipaddress.ip_address(previous)
        if prev in net and prev not in used:
            return prev
    return allocate_dynamic(net, set(used), conf_id)
