"""Virtual machines: network profile → NICs (which get ``virtualMachine`` back), storage profile
→ managed disks (which get ``managedBy`` back; the implicit OS disk is created with the VM, see
``disks.py``), instance view, power state. The guest itself is simulated (see ``guest.py``)."""

from __future__ import annotations

import uuid
from typing import Any

from provisioner.localcloud.resources import disks
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    parent_key,
    ref_id,
    top_level_shell,
)
from provisioner.localcloud.rules import check_virtual_machine_put

TYPE = "Microsoft.Compute/virtualMachines"


def os_type(doc: dict[str, Any]) -> str:
    """``Windows`` or ``Linux``, as Azure infers it from the OS disk, profile or image."""
    p = doc.get("properties") or {}
    storage = p.get("storageProfile") or {}
    declared = (storage.get("osDisk") or {}).get("osType")
    if declared:
        return "Windows" if str(declared).lower() == "windows" else "Linux"
    os_profile = p.get("osProfile") or {}
    if "windowsConfiguration" in os_profile:
        return "Windows"
    image = storage.get("imageReference") or {}
    text = f"{image.get('publisher', '')} {image.get('offer', '')}".lower()
    return "Windows" if "windows" in text else "Linux"


class VirtualMachines(Handler):
    type = TYPE
    provider = "Microsoft.Compute"
    rules_check = staticmethod(check_virtual_machine_put)
    creating_state = "Creating"

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        old_p = (old or {}).get("properties") or {}
        p = {k: v for k, v in (body.get("properties") or {}).items() if k != "instanceView"}
        p["provisioningState"] = "Succeeded"
        p["vmId"] = old_p.get("vmId") or str(uuid.uuid4())
        p["timeCreated"] = old_p.get("timeCreated") or _iso(w.now)
        os_profile = dict(p.get("osProfile") or {})
        os_profile.pop("adminPassword", None)  # Azure never echoes secrets
        if os_profile:
            os_profile.setdefault("allowExtensionOperations", True)
            os_profile.setdefault("requireGuestProvisionSignal", True)
            p["osProfile"] = os_profile
        storage = dict(p.get("storageProfile") or {})
        os_disk = dict(storage.get("osDisk") or {})
        old_disk = (old_p.get("storageProfile") or {}).get("osDisk") or {}
        os_disk.setdefault("osType", os_type({"properties": p}))
        os_disk.setdefault("createOption", "FromImage")
        os_disk.setdefault("caching", "ReadWrite")
        os_disk.setdefault(
            "name", old_disk.get("name") or f"{doc['name']}_OsDisk_1_{uuid.uuid4().hex}"
        )
        os_disk.setdefault("deleteOption", "Detach")
        storage["osDisk"] = os_disk
        storage.setdefault("dataDisks", [])
        p["storageProfile"] = storage
        doc["properties"] = p
        disks.shape_disks(doc, old)
        return doc

    def allocate(self, doc: dict[str, Any], old: dict[str, Any] | None, w: WriteCtx) -> None:
        disks.create_os_disk(doc, w)

    def refs(self, doc: dict[str, Any]) -> set[str]:
        nics = ((doc["properties"].get("networkProfile") or {}).get("networkInterfaces")) or []
        nic_keys = {k for n in nics if (i := ref_id(n)) and (k := parent_key(i))}
        return nic_keys | disks.attached_keys(doc)

    def removed_with(self, doc: dict[str, Any]) -> set[str]:
        return disks.deleted_with(doc)


def instance_view(doc: dict[str, Any], power: str, pending: bool) -> dict[str, Any]:
    """What ``virtual_machines.instance_view`` returns: provisioning and power state."""
    prov = "creating" if pending else "succeeded"
    display = {
        "running": "VM running",
        "stopped": "VM stopped",
        "deallocated": "VM deallocated",
        "starting": "VM starting",
    }.get(power, f"VM {power}")
    return {
        "computerName": ((doc.get("properties") or {}).get("osProfile") or {}).get(
            "computerName", doc.get("name")
        ),
        "osName": "Windows Server" if os_type(doc) == "Windows" else "ubuntu",
        "vmAgent": {
            "vmAgentVersion": "2.13.1.1",
            "statuses": [
                {
                    "code": "ProvisioningState/succeeded",
                    "level": "Info",
                    "displayStatus": "Ready",
                    "message": "Guest Agent is running",
                }
            ],
        },
        "statuses": [
            {
                "code": f"ProvisioningState/{prov}",
                "level": "Info",
                "displayStatus": f"Provisioning {prov}",
            },
            {"code": f"PowerState/{power}", "level": "Info", "displayStatus": display},
        ],
    }


def _iso(ts: float) -> str:
    import datetime

    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat().replace("+00:00", "Z")
