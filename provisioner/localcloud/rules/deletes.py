"""In-use checks before a DELETE: Azure refuses to delete what something still references."""

from __future__ import annotations

from . import catalog, disk
from .ids import key, parent, under
from .model import LB_TYPE, NIC_TYPE, PIP_TYPE, SUBNET_TYPE, VNET_TYPE, parse_ipconfigs
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
