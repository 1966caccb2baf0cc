"""In-use checks before a DELETE: Azure refuses to delete what something still references
(public IPs, subnets, NICs, load balancers, NSGs, NAT gateways and public IP prefixes)."""

from __future__ import annotations

from . import catalog, disk, nat_gateway
from .ids import items, key, parent, props, ref, refs, under
from .model import (
    LB_TYPE,
    NAT_TYPE,
    NIC_TYPE,
    NSG_TYPE,
    PIP_TYPE,
    PREFIX_TYPE,
    SUBNET_TYPE,
    VNET_TYPE,
    parse_ipconfigs,
)
from .usage import build_usage
from .virtual_machine import owning_vm


def check(doc: dict, lookup) -> None:
    """Dispatch on the document's type; other types delete freely."""
    arm_type = (doc.get("type") or "").lower()
    resource_id = doc.get("id") or ""
    if arm_type == PIP_TYPE.lower():
        owner = build_usage(lookup, resource_id).public_ips.get(key(resource_id))
        if owner:
            raise catalog.PIP_CANNOT_BE_DELETED.violation(pip=resource_id, owner=owner)
    elif arm_type in (VNET_TYPE.lower(), SUBNET_TYPE.lower()):
        for subnet_key, holder in build_usage(lookup, resource_id).subnets.items():
            if under(subnet_key, resource_id):
                name = subnet_key.rsplit("/", 1)[-1]
                raise catalog.SUBNET_IN_USE.violation(subnet=name, ipconfig=holder)
    elif arm_type == NIC_TYPE.lower():
        vm = owning_vm(doc, lookup)
        if vm:
            raise catalog.NIC_IN_USE.violation(nic=resource_id, vm=vm)
    elif arm_type == disk.DISK_TYPE.lower():
        disk.check_delete(doc, lookup)
    elif arm_type == LB_TYPE.lower():
        for nic in lookup.of_type(NIC_TYPE) or ():
            for ic in parse_ipconfigs(nic):
                if any(key(parent(r)) == key(resource_id) for r in (*ic.pools, *ic.nat_rules)):
                    raise catalog.LB_IN_USE.violation(lb=resource_id, ipconfig=ic.id)
    elif arm_type == NSG_TYPE.lower():
        users = nsg_users(resource_id, lookup)
        if users:
            raise catalog.NSG_IN_USE.violation(nsg=resource_id, users=", ".join(users))
    elif arm_type == NAT_TYPE.lower():
        users = nat_gateway.users(resource_id, lookup)
        if users:
            raise catalog.NAT_IN_USE.violation(nat=resource_id, users=", ".join(users))
    elif arm_type == PREFIX_TYPE.lower():
        for nat in lookup.of_type(NAT_TYPE) or ():
            p = props(nat)
            used = refs(p.get("publicIpPrefixes")) + refs(p.get("publicIpPrefixesV6"))
            if any(key(u) == key(resource_id) for u in used):
                raise catalog.PREFIX_IN_USE.violation(prefix=resource_id, owner=nat.get("id"))


def nsg_users(nsg_id: str, lookup) -> list[str]:
    """The subnets and NICs that name this NSG (what keeps it from being deleted)."""
    out = []
    for vnet in lookup.of_type(VNET_TYPE) or ():
        for subnet in items(props(vnet).get("subnets")):
            if key(ref(props(subnet).get("networkSecurityGroup"))) == key(nsg_id):
                out.append(str(subnet.get("id") or ""))
    for nic in lookup.of_type(NIC_TYPE) or ():
        if key(ref(props(nic).get("networkSecurityGroup"))) == key(nsg_id):
            out.append(str(nic.get("id") or ""))
    return out
