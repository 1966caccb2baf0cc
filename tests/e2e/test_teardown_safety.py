"""`down` and `cleanup` share one deletion path with one safety analysis: what something outside
the environment still uses stays, is reported, and `down` exits 1."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import BLUEPRINTS

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)


def _their_vm(target: Any, nic_id: str) -> str:
    """Someone else's VM, in someone else's group, using ``nic_id`` as its NIC."""
    from tests.envs import world

    world.group(target, "theirs")
    return world.vm(target, "theirs", "their-vm", nic_id, {"team": "payments"})


def test_down_leaves_our_nic_that_a_foreign_vm_uses_and_exits_1(cloud, cli):
    from provisioner.arm.target import open_target

    env = "lent"
    assert cli("up", str(BLUEPRINT), "--env", env, "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    try:
        # Our vm1 goes away outside the tool and another team puts its NIC on their VM.
        target.compute.virtual_machines.begin_delete(f"rg-{env}", f"vm-{env}-vm1").result()
        nic = target.network.network_interfaces.get(f"rg-{env}", f"nic-{env}-vm1")
        _their_vm(target, nic.id)

        down = cli("down", "--env", env, "--yes", "--output", "json")

        assert down.exit_code == 1, down.stdout + down.stderr
        doc = down.json()
        reasons = {x["id"].lower(): x["reason"] for x in doc["left"]}
        assert "their-vm" in reasons[nic.id.lower()]
        vm = target.compute.virtual_machines.get("theirs", "their-vm")
        (ref,) = vm.network_profile.network_interfaces
        assert ref.id.lower() == nic.id.lower()
        still = target.network.network_interfaces.get(f"rg-{env}", f"nic-{env}-vm1")
        assert still.virtual_machine.id.lower() == vm.id.lower()
        # Everything not pinned by the lent NIC is gone: the other VM and its NIC.
        deleted = {d.lower() for d in doc["deleted"]}
        assert any(d.endswith(f"/virtualmachines/vm-{env}-vm2") for d in deleted)
        assert any(d.endswith(f"/networkinterfaces/nic-{env}-vm2") for d in deleted)
        group_id = f"/subscriptions/{target.subscription_id}/resourcegroups/rg-{env}"
        assert group_id in reasons, "the group holding the NIC is kept and reported"
    finally:
        target.close()

    text = cli("down", "--env", env, "--yes")
    assert text.exit_code == 1
    assert "their-vm" in text.stderr


def test_down_without_a_blueprint_never_rewrites_a_foreign_nic_in_our_pool(cloud, cli):
    """A NIC we do not own joined our pool by hand: without a blueprint declaring it adopted,
    `down` must not edit it, so the load balancer stays and is reported."""
    from provisioner.arm.target import open_target
    from tests.envs import world

    env = "joined"
    assert cli("up", str(BLUEPRINT), "--env", env, "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    try:
        lb = target.network.load_balancers.get(f"rg-{env}", f"lb-{env}-lb")
        vnet = target.network.virtual_networks.get(f"rg-{env}", f"vnet-{env}")
        world.group(target, "theirs")
        subnet_id = vnet.subnets[0].id
        foreign = world.nic(
            target, "theirs", "their-nic", subnet_id, lb.backend_address_pools[0].id, None
        )
        cloud.clear_request_log()

        down = cli("down", "--env", env, "--yes", "--output", "json")

        assert down.exit_code == 1
        puts = [r for r in cloud.request_log() if r.method.upper() in ("PUT", "PATCH")]
        assert not [r for r in puts if "their-nic" in r.path], "a foreign NIC was rewritten"
        nic = target.network.network_interfaces.get("theirs", "their-nic")
        pools = nic.ip_configurations[0].load_balancer_backend_address_pools or []
        assert [p.id.lower() for p in pools] == [lb.backend_address_pools[0].id.lower()]
        reasons = {x["id"].lower(): x["reason"] for x in down.json()["left"]}
        assert "their-nic" in reasons[lb.id.lower()]
        assert foreign.lower() not in {d.lower() for d in down.json()["deleted"]}
    finally:
        target.close()
