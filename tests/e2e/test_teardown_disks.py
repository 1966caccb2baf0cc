"""Disks and teardown: only the OS disk the tool created through its VM counts as ours.

Azure sets ``managedBy`` on every disk attached to a VM, the data disk another team attached to
our VM as much as our VM's own OS disk. The teardown keeps such a disk, the VM it is attached to
(deleting the VM would detach the disk from under its owner, or delete it with
``deleteOption: Delete``) and the group, reports all three with the disk named, and exits 1.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import BLUEPRINTS

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)


def _their_disk(target: Any, rg: str, name: str) -> str:
    body = {
        "location": "westeurope",
        "sku": {"name": "Standard_LRS"},
        "tags": {"team": "payments"},
        "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 4},
    }
    return target.compute.disks.begin_create_or_update(rg, name, body).result().id


def _attach(target: Any, rg: str, vm: str, disk_id: str) -> None:
    """Attach as Azure documents it: ``dataDisks[].managedDisk.id``, ``createOption: Attach``."""
    body = target.compute.virtual_machines.get(rg, vm).as_dict()
    body["properties"]["storageProfile"]["dataDisks"] = [
        {"lun": 0, "createOption": "Attach", "managedDisk": {"id": disk_id}}
    ]
    target.compute.virtual_machines.begin_create_or_update(rg, vm, body).result()


def _target(cloud):
    from provisioner.arm.target import open_target

    return open_target("local", local_cloud=cloud)


def test_up_then_down_deletes_the_os_disks_the_vms_were_created_with(cloud, cli):
    env = "disks"
    assert cli("up", str(BLUEPRINT), "--env", env, "--yes").exit_code == 0
    target = _target(cloud)
    try:
        os_disks = sorted(d.name for d in target.compute.disks.list_by_resource_group(f"rg-{env}"))
        assert os_disks == [f"osdisk-{env}-vm1", f"osdisk-{env}-vm2"]
        down = cli("down", "--env", env, "--yes", "--output", "json")
        assert down.exit_code == 0, down.stdout
        assert down.json()["left"] == []
        assert not list(target.compute.disks.list())
    finally:
        target.close()


@pytest.mark.parametrize("where", ["our group", "their group"])
@pytest.mark.parametrize("command", ["down", "cleanup"])
def test_a_disk_another_team_attached_to_our_vm_is_never_deleted(cloud, cli, command, where):
    env = "lent"
    assert cli("up", str(BLUEPRINT), "--env", env, "--yes").exit_code == 0
    target = _target(cloud)
    try:
        rg = f"rg-{env}"
        if where == "their group":
            from tests.envs import world

            world.group(target, "payments")
        disk_rg = rg if where == "our group" else "payments"
        disk_id = _their_disk(target, disk_rg, "payments-data")
        _attach(target, rg, f"vm-{env}-vm1", disk_id)

        if command == "down":
            run = cli("down", "--env", env, "--yes", "--output", "json")
            doc = run.json()
            left, deleted = doc["left"], doc["deleted"]
        else:
            run = cli("cleanup", "--env-prefix", env, "--yes", "--output", "json")
            (doc,) = run.json()["environments"]
            left, deleted = doc["left"], doc["deleted"]

        assert run.exit_code == 1, run.stdout + run.stderr
        disk = target.compute.disks.get(disk_rg, "payments-data")
        assert disk.managed_by.lower().endswith(f"/virtualmachines/vm-{env}-vm1")
        reasons = {x["id"].lower(): x["reason"] for x in left}
        vm1 = target.compute.virtual_machines.get(rg, f"vm-{env}-vm1")
        assert "payments-data" in reasons[vm1.id.lower()]
        group_id = f"/subscriptions/{target.subscription_id}/resourcegroups/{rg}"
        assert group_id in reasons
        if where == "our group":
            assert "payments-data" in reasons[group_id]
        # What the lent disk does not hold on to is gone: the other VM, its NIC and OS disk.
        gone = {d.lower() for d in deleted}
        assert any(d.endswith(f"/virtualmachines/vm-{env}-vm2") for d in gone)
        assert not [d for d in target.compute.disks.list() if d.name == f"osdisk-{env}-vm2"]
        assert target.compute.disks.get(rg, f"osdisk-{env}-vm1").managed_by
    finally:
        target.close()


def test_a_disk_attached_between_the_plan_and_the_teardown_keeps_its_vm(cloud, cli):
    """The teardown lists a group again before deleting it whole; a disk attached to our VM
    since the plan was made keeps the group, and the VM it is attached to, reported."""
    from provisioner.arm.listing import list_environment
    from provisioner.arm.retry import direct
    from provisioner.envs.discovery import environment_of
    from provisioner.envs.ownership import plan_deletion, read_deletion_inputs
    from provisioner.envs.teardown import execute_deletion

    env = "late-disk"
    rg = f"rg-{env}"
    assert cli("up", str(BLUEPRINT), "--env", env, "--yes").exit_code == 0
    target = _target(cloud)
    try:
        listed = environment_of(env, list_environment(target, env, direct))
        inputs = read_deletion_inputs(target, listed)
        plan = plan_deletion(
            listed, inputs.group_contents, inputs.used_by, machines=inputs.machines
        )
        assert plan.whole_groups == (rg,)
        _attach(target, rg, f"vm-{env}-vm1", _their_disk(target, rg, "payments-data"))

        report = execute_deletion(target, listed, plan)

        reasons = {x.id.lower(): x.reason for x in report.left}
        vm1 = target.compute.virtual_machines.get(rg, f"vm-{env}-vm1")
        assert "payments-data" in reasons[vm1.id.lower()]
        assert target.compute.disks.get(rg, "payments-data").managed_by.lower() == vm1.id.lower()
        assert rg not in report.resource_groups_deleted
        assert any(d.lower().endswith(f"/virtualmachines/vm-{env}-vm2") for d in report.deleted)
    finally:
        target.close()
