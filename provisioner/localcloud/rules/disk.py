"""Checks that involve managed disks: a disk is attached to at most one VM, and an attached disk
cannot be deleted (Azure answers 409 in both cases; detach it first)."""

from __future__ import annotations

from . import catalog
from .ids import items, key, props, ref
from .model import VM_TYPE

DISK_TYPE = "Microsoft.Compute/disks"


def attached(vm: dict) -> list[str]:
    """Ids of the managed disks a VM document attaches: its OS disk, then its data disks."""
    storage = props(vm).get("storageProfile")
    if not isinstance(storage, dict):
        return []
    slots = [storage.get("osDisk")] if isinstance(storage.get("osDisk"), dict) else []
    slots += items(storage.get("dataDisks"))
    return [d for d in (ref(s.get("managedDisk")) for s in slots) if d]


def owner(disk_id: str, lookup) -> str | None:
    """The VM a disk is attached to, as the stored VMs say (the one being written excluded)."""
    wanted = key(disk_id)
    for vm in lookup.of_type(VM_TYPE) or ():
        if any(key(d) == wanted for d in attached(vm)):
            return vm.get("id")
    return None


def check_attachments(vm: dict, lookup) -> None:
    """A VM PUT may not attach a disk another VM has attached."""
    vm_id = vm.get("id") or ""
    for disk_id in attached(vm):
        holder = owner(disk_id, lookup)
        if holder and key(holder) != key(vm_id):
            raise catalog.DISK_OWNED_BY_OTHER_VM.violation(disk=disk_id, vm=holder)


def check_delete(doc: dict, lookup) -> None:
    """A disk attached to a VM cannot be deleted."""
    holder = owner(doc.get("id") or "", lookup)
    if holder:
        raise catalog.DISK_ATTACHED.violation(disk=doc.get("name") or "", vm=holder)
