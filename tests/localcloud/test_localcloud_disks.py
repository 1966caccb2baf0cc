"""Managed disks through the real azure-mgmt-compute client: the implicit OS disk a VM is created
with, data disks attached by id, ``managedBy`` set and cleared by the platform, and Azure's 409s
for deleting an attached disk or attaching one another VM owns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from localcloud_scenario import LOC, make_group, make_nic, make_vnet, scenario, vm_body

from provisioner.localcloud.rules.catalog import DISK_ATTACHED, DISK_OWNED_BY_OTHER_VM


def make_disk(clients, name: str, rg: str = "rg", **extra: Any):
    body = {
        "location": LOC,
        "sku": {"name": "Standard_LRS"},
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4},
        **extra,
    }
    return clients.compute.disks.begin_create_or_update(rg, name, body).result()


def attach(clients, vm: str, disk_id: str, rg: str = "rg", delete_option: str | None = None):
    """Attach ``disk_id`` as data disk LUN 0 the way Azure documents it: a VM PUT whose
    ``storageProfile.dataDisks`` names the disk by id with ``createOption: Attach``."""
    body = clients.compute.virtual_machines.get(rg, vm).as_dict()
    entry: dict[str, Any] = {"lun": 0, "createOption": "Attach", "managedDisk": {"id": disk_id}}
    if delete_option:
        entry["deleteOption"] = delete_option
    body["properties"]["storageProfile"]["dataDisks"] = [entry]
    return clients.compute.virtual_machines.begin_create_or_update(rg, vm, body).result()


def detach(clients, vm: str, rg: str = "rg"):
    body = clients.compute.virtual_machines.get(rg, vm).as_dict()
    body["properties"]["storageProfile"]["dataDisks"] = []
    return clients.compute.virtual_machines.begin_create_or_update(rg, vm, body).result()


def test_a_vm_created_from_an_image_gets_its_os_disk_as_a_resource_managed_by_it(clients):
    make_group(clients)
    vnet = make_vnet(clients)
    nic = make_nic(clients, "nic1", vnet.subnets[0].id)
    body = vm_body(nic.id)
    body["tags"] = {"team": "ours"}
    body["properties"]["storageProfile"]["osDisk"] = {
        "name": "osdisk-vm1",
        "createOption": "FromImage",
        "deleteOption": "Delete",
        "managedDisk": {"storageAccountType": "StandardSSD_LRS"},
    }
    vm = clients.compute.virtual_machines.begin_create_or_update("rg", "vm1", body).result()

    disk = clients.compute.disks.get("rg", "osdisk-vm1")
    assert vm.storage_profile.os_disk.managed_disk.id.lower() == disk.id.lower()
    assert disk.managed_by.lower() == vm.id.lower()
    assert disk.disk_state == "Attached"
    assert disk.sku.name == "StandardSSD_LRS"
    assert disk.creation_data.create_option == "FromImage"
    assert not disk.tags  # Azure does not copy the VM's tags onto its implicit OS disk
    listed = {r.name: r.managed_by for r in clients.resource.resources.list_by_resource_group("rg")}
    assert listed["osdisk-vm1"].lower() == vm.id.lower()


def test_attaching_a_data_disk_sets_managed_by_and_detaching_clears_it(clients):
    s = scenario(clients)
    disk = make_disk(clients, "data1")
    assert disk.managed_by is None and disk.disk_state == "Unattached"

    vm = attach(clients, "vm1", disk.id)

    (entry,) = vm.storage_profile.data_disks
    assert (entry.name, entry.create_option, entry.delete_option) == ("data1", "Attach", "Detach")
    attached = clients.compute.disks.get("rg", "data1")
    assert attached.managed_by.lower() == s["vm"].id.lower()
    assert attached.disk_state == "Attached"

    detach(clients, "vm1")

    free = clients.compute.disks.get("rg", "data1")
    assert free.managed_by is None and free.disk_state == "Unattached"
    clients.compute.disks.begin_delete("rg", "data1").result()


def test_managed_by_is_read_only(clients):
    s = scenario(clients)
    disk = make_disk(clients, "data1", managedBy=s["vm"].id)
    assert disk.managed_by is None


def test_deleting_an_attached_disk_is_refused_with_azures_409(clients):
    s = scenario(clients)
    disk = make_disk(clients, "data1")
    attach(clients, "vm1", disk.id)

    with pytest.raises(HttpResponseError) as err:
        clients.compute.disks.begin_delete("rg", "data1").result()

    assert err.value.status_code == 409
    assert err.value.error.code == "OperationNotAllowed"
    assert err.value.error.message == DISK_ATTACHED.template.format(disk="data1", vm=s["vm"].id)
    assert clients.compute.disks.get("rg", "data1").managed_by


def test_a_disk_another_vm_has_attached_cannot_be_attached_again(clients):
    s = scenario(clients)
    disk = make_disk(clients, "data1")
    attach(clients, "vm1", disk.id)
    nic2 = make_nic(clients, "nic2", s["vnet"].subnets[0].id)
    clients.compute.virtual_machines.begin_create_or_update("rg", "vm2", vm_body(nic2.id)).result()

    with pytest.raises(HttpResponseError) as err:
        attach(clients, "vm2", disk.id)

    assert err.value.status_code == 409
    assert err.value.error.code == "ConflictingUserInput"
    assert err.value.error.message == DISK_OWNED_BY_OTHER_VM.template.format(
        disk=disk.id, vm=s["vm"].id
    )


def test_deleting_a_vm_takes_the_disks_attached_with_delete_and_frees_the_others(clients):
    make_group(clients)
    vnet = make_vnet(clients)
    nic = make_nic(clients, "nic1", vnet.subnets[0].id)
    body = vm_body(nic.id)
    body["properties"]["storageProfile"]["osDisk"] = {
        "name": "os1",
        "createOption": "FromImage",
        "deleteOption": "Delete",
    }
    clients.compute.virtual_machines.begin_create_or_update("rg", "vm1", body).result()
    kept = make_disk(clients, "kept")
    attach(clients, "vm1", kept.id)
    gone = make_disk(clients, "gone", "rg")
    body = clients.compute.virtual_machines.get("rg", "vm1").as_dict()
    entry = {"lun": 1, "createOption": "Attach", "managedDisk": {"id": gone.id}}
    body["properties"]["storageProfile"]["dataDisks"].append({**entry, "deleteOption": "Delete"})
    clients.compute.virtual_machines.begin_create_or_update("rg", "vm1", body).result()

    clients.compute.virtual_machines.begin_delete("rg", "vm1").result()

    left = {d.name: d for d in clients.compute.disks.list_by_resource_group("rg")}
    assert set(left) == {"kept"}
    assert left["kept"].managed_by is None and left["kept"].disk_state == "Unattached"


def test_an_os_disk_without_delete_option_stays_when_its_vm_goes(clients):
    s = scenario(clients)  # no osDisk in the body: Azure's default deleteOption is Detach
    os_disk = s["vm"].storage_profile.os_disk
    assert os_disk.delete_option == "Detach"

    clients.compute.virtual_machines.begin_delete("rg", "vm1").result()

    disk = clients.compute.disks.get("rg", os_disk.name)
    assert disk.managed_by is None


def test_a_group_delete_keeps_a_disk_a_vm_in_another_group_has_attached(clients):
    scenario(clients, "theirs")
    make_group(clients, "ours")
    disk = make_disk(clients, "data1", "ours")
    attach(clients, "vm1", disk.id, rg="theirs")

    with pytest.raises(HttpResponseError) as err:
        clients.resource.resource_groups.begin_delete("ours").result()

    assert err.value.error.code == "ResourceGroupDeletionBlocked"
    (detail,) = err.value.error.details
    assert json.loads(detail.message)["error"]["code"] == "OperationNotAllowed"
    assert clients.compute.disks.get("ours", "data1").managed_by
