"""The VM size list of a location, for a small documented set of sizes.

Ansible's ``azure_rm_virtualmachine`` reads ``GET /subscriptions/{s}/providers/Microsoft.Compute/
locations/{loc}/vmSizes`` before it creates a VM and refuses a size not in the answer; ``az vm
list-sizes`` prints it. The shape is ``VirtualMachineSizeListResult`` (azure-rest-api-specs,
Microsoft.Compute ``virtualMachineSize.json``): ``{"value": [{name, numberOfCores,
osDiskSizeInMB, resourceDiskSizeInMB, memoryInMB, maxDataDiskCount}]}``. Figures are Azure's
published size tables (learn.microsoft.com, "Sizes for virtual machines in Azure"); a size with no
temporary disk has ``resourceDiskSizeInMB`` 0. The list is the same in every location here.

The local cloud does not refuse a VM of a size outside this list (Azure's answer depends on the
region's stock, which nothing here models); the list only answers the clients that ask.
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.context import Call
from provisioner.localcloud.wire import json_response

OS_DISK_MB = 1047552

#: name → (cores, memory MiB, temporary disk MiB, data disks)
SIZES: dict[str, tuple[int, int, int, int]] = {
    "Standard_B1ls": (1, 512, 4096, 2),
    "Standard_B1s": (1, 1024, 4096, 2),
    "Standard_B1ms": (1, 2048, 4096, 2),
    "Standard_B2s": (2, 4096, 8192, 4),
    "Standard_B2ms": (2, 8192, 16384, 4),
    "Standard_B4ms": (4, 16384, 32768, 8),
    "Standard_B2ts_v2": (2, 1024, 0, 4),
    "Standard_B2ats_v2": (2, 1024, 0, 4),
    "Standard_B2s_v2": (2, 8192, 0, 4),
    "Standard_DS1_v2": (1, 3584, 7168, 4),
    "Standard_DS2_v2": (2, 7168, 14336, 8),
    "Standard_D2s_v3": (2, 8192, 16384, 4),
    "Standard_D4s_v3": (4, 16384, 32768, 8),
    "Standard_D2s_v5": (2, 8192, 0, 4),
    "Standard_D4s_v5": (4, 16384, 0, 8),
    "Standard_D2as_v5": (2, 8192, 0, 4),
    "Standard_F2s_v2": (2, 4096, 16384, 4),
    "Standard_F4s_v2": (4, 8192, 32768, 8),
}


def route(call: Call):
    """The handler of ``…/providers/Microsoft.Compute/locations/{loc}/vmSizes`` (GET), or None."""
    if call.req.method != "GET":
        return None
    low = [p.lower() for p in call.req.path.split("/") if p]
    shape = ["subscriptions", low[1] if len(low) > 1 else "", "providers", "microsoft.compute"]
    if len(low) != 7 or low[:4] != shape or low[4] != "locations" or low[6] != "vmsizes":
        return None
    return lambda c: json_response(200, {"value": size_documents()})


def size_documents() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "numberOfCores": cores,
            "osDiskSizeInMB": OS_DISK_MB,
            "resourceDiskSizeInMB": temp,
            "memoryInMB": memory,
            "maxDataDiskCount": disks,
        }
        for name, (cores, memory, temp, disks) in SIZES.items()
    ]
