"""Managed disks: stored documents, and who they are attached to as Azure reports it.

Azure sets a disk's ``managedBy`` (read-only) to the VM that has it attached, as OS disk or as
data disk, and clears it when the VM lets it go; ``diskState`` says ``Attached`` or
``Unattached``. Here both are back-references, recomputed from the VMs that reference the disk
(``storageProfile.osDisk.managedDisk.id``, ``storageProfile.dataDisks[].managedDisk.id``), so
they can never disagree with the VMs.

A VM created with ``osDisk.createOption: FromImage`` gets its OS disk as a resource of its own,
in the VM's resource group, named ``osDisk.name`` (an implicit disk carries no tags: Azure does
not copy the VM's). A disk attached with ``deleteOption: Delete`` goes when its VM is deleted;
with ``Detach`` (Azure's default) it stays, unattached. Refusals (deleting an attached disk,
attaching one another VM owns, an OS disk name that is taken) are rules in
``localcloud/rules/disk.py``.
"""

from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from provisioner.localcloud.ids import key
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    norm_choice,
    parent_key,
    ref_id,
    top_level_shell,
)
from provisioner.localcloud.store import Row

TYPE = "Microsoft.Compute/disks"
VM_TYPE = "Microsoft.Compute/virtualMachines"
#: Azure's size of a marketplace Linux image's OS disk when none is asked for.
IMAGE_DISK_GB = 30
_READ_ONLY = ("diskState", "timeCreated", "uniqueId", "provisioningState", "diskSizeBytes")


class Disks(Handler):
    type = TYPE
    provider = "Microsoft.Compute"
    creating_state = "Updating"

    def status(self, created: bool) -> int:
        """Disks answer a PUT 200 or 202 (the SDK refuses a 201)."""
        return 202 if created else 200

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        doc.pop("etag", None)  # disks carry none
        doc.pop("managedBy", None)  # read-only: set by the VM that attaches it
        doc["sku"] = _sku(body.get("sku") or (old or {}).get("sku"))
        old_p = (old or {}).get("properties") or {}
        p = {k: v for k, v in (body.get("properties") or {}).items() if k not in _READ_ONLY}
        p.setdefault("creationData", {"createOption": "Empty"})
        p["provisioningState"] = "Succeeded"
        p["timeCreated"] = old_p.get("timeCreated") or _iso(w.now)
        p["uniqueId"] = old_p.get("uniqueId") or str(uuid.uuid4())
        if isinstance(p.get("diskSizeGB"), int):
            p["diskSizeBytes"] = p["diskSizeGB"] * 1024**3
        doc["properties"] = p
        return doc

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """``managedBy`` and ``diskState`` from the VMs that reference this disk now."""
        doc.pop("managedBy", None)
        p = doc.setdefault("properties", {})
        p["diskState"] = "Unattached"
        for vm in w.referrers(key(doc["id"])):
            if str(vm.get("type", "")).lower() != VM_TYPE.lower():
                continue
            if key(doc["id"]) in {key(d) for d in attached_ids(vm)}:
                doc["managedBy"] = vm["id"]
                p["diskState"] = "Attached"


def _sku(sku: Any) -> dict[str, str]:
    name = sku.get("name") if isinstance(sku, dict) else None
    name = norm_choice(
        name,
        ("Standard_LRS", "Premium_LRS", "StandardSSD_LRS", "UltraSSD_LRS", "Premium_ZRS"),
        "Standard_LRS",
    )
    tier = "Premium" if str(name).startswith("Premium") else "Standard"
    return {"name": name, "tier": tier}


# what a VM document says about its disks ----------------------------------------------------


def _storage(vm: dict[str, Any]) -> dict[str, Any]:
    storage = (vm.get("properties") or {}).get("storageProfile")
    return storage if isinstance(storage, dict) else {}


def _slots(vm: dict[str, Any]) -> list[dict[str, Any]]:
    """The OS disk and data disk entries of a VM document."""
    storage = _storage(vm)
    os_disk = storage.get("osDisk")
    slots = [os_disk] if isinstance(os_disk, dict) else []
    return slots + [d for d in storage.get("dataDisks") or [] if isinstance(d, dict)]


def attached_ids(vm: dict[str, Any]) -> list[str]:
    """Ids of the managed disks a VM has attached (OS disk first)."""
    return [i for s in _slots(vm) if (i := ref_id(s.get("managedDisk")))]


def attached_keys(vm: dict[str, Any]) -> set[str]:
    """Store keys of the disks a VM references (for the back-reference index)."""
    return {k for i in attached_ids(vm) if (k := parent_key(i))}


def deleted_with(vm: dict[str, Any]) -> set[str]:
    """Store keys of the disks that go when the VM goes (``deleteOption: Delete``)."""
    out = set()
    for slot in _slots(vm):
        disk = ref_id(slot.get("managedDisk"))
        if disk and str(slot.get("deleteOption", "")).lower() == "delete":
            out.add(key(disk))
    return out


def os_disk_id(vm_id: str, name: str) -> str:
    """The id of an implicit OS disk: named ``name``, in the VM's resource group."""
    group = vm_id.split("/providers/", 1)[0]
    return f"{group}/providers/{TYPE}/{name}"


def shape_disks(doc: dict[str, Any], old: dict[str, Any] | None) -> None:
    """The VM's disk entries as Azure echoes them: the implicit OS disk's id, data disk names
    and defaults (``caching``, ``deleteOption: Detach``, ``toBeDetached``)."""
    storage = doc["properties"]["storageProfile"]
    os_disk = storage["osDisk"]
    managed = dict(os_disk.get("managedDisk") or {})
    if not managed.get("id"):
        old_os = _storage(old or {}).get("osDisk") or {}
        managed["id"] = ref_id(old_os.get("managedDisk")) or os_disk_id(doc["id"], os_disk["name"])
    os_disk["managedDisk"] = managed
    disks = []
    for entry in storage.get("dataDisks") or []:
        if not isinstance(entry, dict):
            continue
        entry = dict(entry)
        disk = ref_id(entry.get("managedDisk"))
        if disk:
            entry.setdefault("name", disk.rsplit("/", 1)[-1])
        entry["createOption"] = norm_choice(entry.get("createOption"), ("Attach", "Empty"))
        entry.setdefault("caching", "None")
        entry.setdefault("deleteOption", "Detach")
        entry.setdefault("toBeDetached", False)
        disks.append(entry)
    storage["dataDisks"] = disks


def create_os_disk(vm: dict[str, Any], w: WriteCtx) -> None:
    """Store the implicit OS disk of a VM created ``FromImage``, unless it exists already (a
    VM update keeps its disk)."""
    os_disk = _storage(vm).get("osDisk") or {}
    if str(os_disk.get("createOption", "")).lower() != "fromimage":
        return
    disk_id = ref_id(os_disk.get("managedDisk"))
    if not disk_id or w.tx.get(key(disk_id)) is not None:
        return
    image = _storage(vm).get("imageReference") or {}
    sku = (os_disk.get("managedDisk") or {}).get("storageAccountType")
    doc = {
        "name": disk_id.rsplit("/", 1)[-1],
        "id": disk_id,
        "type": TYPE,
        "location": vm.get("location") or "westeurope",
        "sku": _sku({"name": sku}),
        "properties": {
            "osType": os_disk.get("osType"),
            "hyperVGeneration": "V2",
            "creationData": {"createOption": "FromImage", "imageReference": {"id": _image(image)}},
            "diskSizeGB": os_disk.get("diskSizeGB") or IMAGE_DISK_GB,
            "diskSizeBytes": (os_disk.get("diskSizeGB") or IMAGE_DISK_GB) * 1024**3,
            "provisioningState": "Succeeded",
            "timeCreated": _iso(w.now),
            "uniqueId": str(uuid.uuid4()),
            "diskState": "Unattached",
        },
    }
    group = disk_id.split("/")[4].lower()
    w.tx.put(
        Row(key(disk_id), w.sub.lower(), group, TYPE.lower(), "", json.dumps(doc), "", 0.0, "")
    )


def _image(image: dict[str, Any]) -> str:
    """The platform image id Azure records as the disk's source."""
    publisher, offer, sku, version = (
        str(image.get(f) or "") for f in ("publisher", "offer", "sku", "version")
    )
    return (
        f"/Providers/Microsoft.Compute/Publishers/{publisher}/ArtifactTypes/VMImage/"
        f"Offers/{offer}/Skus/{sku}/Versions/{version}"
    )


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat().replace("+00:00", "Z")


__all__ = [
    "Disks",
    "attached_ids",
    "attached_keys",
    "create_os_disk",
    "deleted_with",
    "shape_disks",
]
