"""Private address assignment for anything that sits in a subnet (NIC ipconfigs, ILB frontends)."""

from __future__ import annotations

import ipaddress
from typing import Any

from provisioner.localcloud.errors import bad_request
from provisioner.localcloud.ids import key
from provisioner.localcloud.ipam import (
    IPAddress,
    allocate_dynamic,
    check_static,
    network_for,
    subnet_networks,
)
from provisioner.localcloud.resources.base import WriteCtx, norm_choice, parent_key, ref_id, same_id

#: inline collections whose entries hold a subnet reference and a private address
_SUBNET_HOLDERS = ("ipConfigurations", "frontendIPConfigurations")


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
                    try:
                        used[ipaddress.ip_address(p["privateIPAddress"])] = c["id"]
                    except ValueError:
                        continue
    return used


def assign_private(
    w: WriteCtx,
    conf: dict[str, Any],
    old_conf: dict[str, Any] | None,
    own_used: dict[IPAddress, str],
    skip_key: str,
) -> None:
    """Fill ``privateIPAddress`` and its defaults on one subnet-attached configuration."""
    p = conf["properties"]
    subnet_id = ref_id(p.get("subnet"))
    if subnet_id is None:
        return
    subnet = w.require(subnet_id, conf["id"])
    version = norm_choice(p.get("privateIPAddressVersion"), ("IPv4", "IPv6"), "IPv4")
    method = norm_choice(p.get("privateIPAllocationMethod"), ("Dynamic", "Static"), "Dynamic")
    p["privateIPAddressVersion"], p["privateIPAllocationMethod"] = version, method
    net = network_for(subnet_networks(subnet.get("properties") or {}), version)
    if net is None:
        raise bad_request(
            "SubnetDoesNotHaveAddressPrefixForIpVersion",
            f"IP configuration {conf['id']} requests an {version} address but subnet "
            f"{subnet_id} has no {version} address prefix.",
        )
    used = used_private(w, subnet_id, skip_key)
    used.update(own_used)
    if method == "Static":
        requested = p.get("privateIPAddress")
        if not requested:
            raise bad_request(
                "PrivateIPAddressIsRequired",
                f"IP configuration {conf['id']} uses static allocation but has no address.",
            )
        addr = check_static(net, str(requested), used, conf["id"], subnet_id)
    else:
        addr = ""
        old_p = (old_conf or {}).get("properties") or {}
        previous = old_p.get("privateIPAddress")
        if previous and same_id(ref_id(old_p.get("subnet")), subnet_id):
            prev = ipaddress.ip_address(previous)
            if prev in net and prev not in used:
                addr = str(prev)
        if not addr:
            addr = allocate_dynamic(net, set(used), conf["id"])
    p["privateIPAddress"] = addr
    own_used[ipaddress.ip_address(addr)] = conf["id"]
