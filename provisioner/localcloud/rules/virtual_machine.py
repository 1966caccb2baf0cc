"""Checks on a virtual machine PUT: its NICs exist and belong to no other VM, and so do its
disks (``disk.py``)."""

from __future__ import annotations

from . import catalog, disk
from .ids import key, others, props, ref, refs
from .model import VM_TYPE


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this VM document."""
    _check_nics(doc, lookup)
    disk.check_attachments(doc, lookup)


def _check_nics(doc: dict, lookup) -> None:
    profile = props(doc).get("networkProfile")
    nic_ids = refs(profile.get("networkInterfaces")) if isinstance(profile, dict) else []
    if not nic_ids:
        return
    vm_id = doc.get("id") or ""
    for nic_id in nic_ids:
        nic = lookup.get(nic_id)
        if nic is None:
            raise catalog.INVALID_RESOURCE_REFERENCE.violation(missing=nic_id, referrer=vm_id)
        owner = ref(props(nic).get("virtualMachine"))
        if owner and key(owner) != key(vm_id):
            raise catalog.NIC_IN_USE.violation(nic=nic_id, vm=owner)
    wanted = {key(n) for n in nic_ids}
    for other in others(lookup.of_type(VM_TYPE) or (), vm_id):
        other_profile = props(other).get("networkProfile")
        other_nics = (
            refs(other_profile.get("networkInterfaces")) if isinstance(other_profile, dict) else []
        )
        clash = next((n for n in other_nics if key(n) in wanted), None)
        if clash:
            raise catalog.NIC_IN_USE.violation(nic=clash, vm=other.get("id"))


def owning_vm(nic_doc: dict, lookup) -> str | None:
    """The VM a NIC is attached to: its back-reference, else a scan of stored VMs."""
    owner = ref(props(nic_doc).get("virtualMachine"))
    if owner and lookup.get(owner) is not None:
        return owner
    nic_key = key(nic_doc.get("id"))
    for vm in lookup.of_type(VM_TYPE) or ():
        profile = props(vm).get("networkProfile")
        nics = refs(profile.get("networkInterfaces")) if isinstance(profile, dict) else []
        if any(key(n) == nic_key for n in nics):
            return vm.get("id")
    return None
