"""Virtual machine bodies: size, image, managed OS disk, admin access, the NIC.

Credentials are placeholders (``secrets.py``): the executor puts a generated SSH key or password
in at create time. The VM agent is provisioned explicitly because run-command, which delivers the
guest setup for Floating IP, needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from provisioner.blueprint.model import Vm
from provisioner.compile import names, wire
from provisioner.compile.scope import Scope
from provisioner.compile.secrets import GENERATED_PASSWORD, GENERATED_SSH_KEY
from provisioner.errors import UserInputError

if TYPE_CHECKING:  # imported where a body is built: ``validate`` compiles without the SDK
    from azure.mgmt.compute import models as compute

LINUX_IMAGE = "Canonical:ubuntu-24_04-lts:server:latest"
WINDOWS_IMAGE = "MicrosoftWindowsServer:WindowsServer:2022-datacenter-azure-edition:latest"

#: Standard SSD: the cheapest managed disk every size accepts that boots in reasonable time.
OS_DISK_TYPE = "StandardSSD_LRS"
#: The OS disk goes with its VM. Teardown counts on it: an OS disk that is attached with any
#: other option, or is not named by ``names.os_disk``, is not one the tool created
#: (``envs/ownership.py``), and its VM and group stay.
OS_DISK_DELETE_OPTION = "Delete"


class InvalidImage(UserInputError):
    """An ``image`` that is not ``publisher:offer:sku:version``."""


@dataclass(frozen=True)
class Image:
    publisher: str
    offer: str
    sku: str
    version: str


def parse_image(value: str) -> Image:
    """``publisher:offer:sku:version`` (a missing version means ``latest``)."""
    parts = [p.strip() for p in value.split(":")]
    if len(parts) == 3:
        parts.append("latest")
    if len(parts) != 4 or not all(parts):
        raise InvalidImage(f"image {value!r} is not publisher:offer:sku:version")
    return Image(*parts)


def image_of(vm: Vm) -> Image:
    default = WINDOWS_IMAGE if vm.os == "windows" else LINUX_IMAGE
    return parse_image(vm.image or default)


def _os_profile(vm_name: str, vm: Vm) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "computerName": names.computer_name(vm_name, vm.os),
        "adminUsername": vm.admin_username,
    }
    if vm.os == "windows":
        profile["adminPassword"] = GENERATED_PASSWORD
        profile["windowsConfiguration"] = {"provisionVMAgent": True}
    else:
        key = vm.ssh_public_key or GENERATED_SSH_KEY
        profile["linuxConfiguration"] = {
            "disablePasswordAuthentication": True,
            "provisionVMAgent": True,
            "ssh": {
                "publicKeys": [
                    {"path": f"/home/{vm.admin_username}/.ssh/authorized_keys", "keyData": key}
                ]
            },
        }
    return profile


def virtual_machine_body(scope: Scope, vm_name: str, vm: Vm, nic_id: str) -> compute.VirtualMachine:
    """``vm_name`` is the concrete blueprint name (``web-2``); it becomes the computer name.

    The OS disk is deleted with the VM (it is not a resource of the graph, so nothing else would
    delete it); the NIC is detached, because the executor deletes it as its own resource.
    """
    image = image_of(vm)
    raw = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "properties": {
            "hardwareProfile": {"vmSize": vm.size},
            "storageProfile": {
                "imageReference": {
                    "publisher": image.publisher,
                    "offer": image.offer,
                    "sku": image.sku,
                    "version": image.version,
                },
                "osDisk": {
                    "name": names.os_disk(scope.env, vm_name),
                    "createOption": "FromImage",
                    "caching": "ReadWrite",
                    "deleteOption": OS_DISK_DELETE_OPTION,
                    "managedDisk": {"storageAccountType": OS_DISK_TYPE},
                },
            },
            "osProfile": _os_profile(vm_name, vm),
            "networkProfile": {
                "networkInterfaces": [{"id": nic_id, "properties": {"primary": True}}]
            },
        },
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.compute import models as compute

    return wire.model(compute.VirtualMachine, raw)
