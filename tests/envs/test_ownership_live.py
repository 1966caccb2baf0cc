"""Ownership safety against the local cloud: what is not ours, or is used by what is not ours,
stays, and the report says why (exit 1)."""

from __future__ import annotations

from . import world
from .world import NOW, hours, stamp

LATER = stamp(NOW + hours(1))


def test_a_group_we_created_holding_someone_elses_resources_is_kept(target, provision):
    ours = world.environment(target, "pr-1", NOW - hours(1), octet=1)
    stranger = world.public_ip(target, "rg-pr-1", "stranger")
    neighbour = world.public_ip(target, "rg-pr-1", "neighbour", world.env_tags("pr-3", None))

    result = provision("cleanup", "--expired", "--yes", "--now", LATER, "--output", "json")

    assert result.exit_code == 1  # something was left: the nightly job goes red
    live = world.live_ids(target)
    assert {stranger.lower(), neighbour.lower()} <= live
    group_id = ours[0].lower()
    assert group_id in live
    assert not {i.lower() for i in ours[1:]} & live  # our own resources in it are gone
    (env,) = [e for e in result.json()["environments"] if e["name"] == "pr-1"]
    assert env["status"] == "incomplete"
    (left,) = env["left"]
    assert left["id"].lower() == group_id
    assert "does not own" in left["reason"] and "stranger" in left["reason"]


def test_our_nic_on_someone_elses_vm_is_left_and_reported_never_detached(target, provision):
    ours = world.environment(target, "pr-1", NOW - hours(1), octet=1)
    nic_id = ours[-1]
    world.group(target, "theirs")
    their_vm = world.vm(target, "theirs", "their-vm", nic_id, {"team": "payments"})

    result = provision("cleanup", "--expired", "--yes", "--now", LATER, "--output", "json")

    assert result.exit_code == 1
    vm = target.compute.virtual_machines.get("theirs", "their-vm")
    assert vm.network_profile.network_interfaces[0].id.lower() == nic_id.lower()
    (env,) = result.json()["environments"]
    reasons = {x["id"].lower(): x["reason"] for x in env["left"]}
    assert "their-vm" in reasons[nic_id.lower()]
    assert "not in this environment" in reasons[nic_id.lower()]
    vnet_id = ours[1].lower()
    assert vnet_id in reasons  # the VNet holds the NIC that stays
    live = world.live_ids(target)
    assert their_vm.lower() in live
    # The NIC stays in the load balancer's pool, so the LB (and its public IP) stay too: Azure
    # would refuse them anyway, and the report says which leftover holds each.
    assert "which is left" in reasons[ours[3].lower()]
    assert "which is left" in reasons[ours[2].lower()]


def test_our_public_ip_on_someone_elses_load_balancer_is_left(target, provision):
    ours = world.environment(target, "pr-1", NOW - hours(1), octet=1, steps=3)  # group, VNet, IP
    pip_id = ours[-1]
    world.group(target, "theirs")
    their_lb = world.load_balancer(target, "theirs", "their-lb", pip_id, None)

    result = provision("cleanup", "--expired", "--yes", "--now", LATER)

    assert result.exit_code == 1
    assert "their-lb" in result.stdout
    live = world.live_ids(target)
    assert {pip_id.lower(), their_lb.lower()} <= live
    fe = target.network.load_balancers.get("theirs", "their-lb").frontend_ip_configurations[0]
    assert fe.public_ip_address.id.lower() == pip_id.lower()
    assert ours[1].lower() not in live  # the VNet was free to go


def test_down_style_deletion_never_touches_another_environments_resources(target, provision):
    world.environment(target, "pr-1", NOW - hours(1), octet=1)
    other = world.environment(target, "pr-1-b", NOW + hours(4), octet=2)
    assert provision("cleanup", "--expired", "--yes", "--now", LATER).exit_code == 0
    assert {i.lower() for i in other} <= world.live_ids(target)


def test_a_vm_an_up_creates_after_the_teardown_listed_the_environment_is_named_late(target):
    """`down` racing `up`: the listing is taken, then `up` creates a VM on our NIC. The NIC stays
    (its VM is not in the listing, so it is not being deleted), and the reason says why in
    words a user can act on, instead of calling the environment's own VM a stranger."""
    from provisioner.arm.listing import list_environment
    from provisioner.arm.retry import direct
    from provisioner.envs.destroy import destroy
    from provisioner.envs.discovery import environment_of

    ours = world.environment(target, "pr-1", NOW + hours(1), octet=1)
    listed = environment_of("pr-1", list_environment(target, "pr-1", direct))
    racing = world.vm(target, "rg-pr-1", "vm-pr-1-web", ours[-1], world.env_tags("pr-1", None))

    report = destroy(target, listed)

    reasons = {x.id.lower(): x.reason for x in report.left}
    nic = reasons[ours[-1].lower()]
    assert "vm-pr-1-web" in nic and "created after" in nic
    assert "not in this environment" not in nic
    assert racing.lower() in world.live_ids(target)
