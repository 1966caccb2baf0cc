"""The safety rules, decided on plain data: what cleanup may delete and what it must leave."""

from provisioner.arm.listing import ListedResource
from provisioner.envs.discovery import group_environments
from provisioner.envs.ownership import Machine, owner_of, plan_deletion

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
OURS = {"provisioner-env": "pr-1", "provisioner-managed": "true", "provisioner-blueprint": "d"}


def rid(rg, rtype, name):
    return f"{SUB}/resourceGroups/{rg}/providers/{rtype}/{name}"


def res(rg, rtype, name, tags=OURS):
    return ListedResource(rid(rg, rtype, name), name, rtype, rg, dict(tags))


def group(name, tags=OURS):
    return ListedResource(
        f"{SUB}/resourceGroups/{name}", name, "Microsoft.Resources/resourceGroups", name, dict(tags)
    )


RG = group("rg-pr-1")
VNET = res("rg-pr-1", "Microsoft.Network/virtualNetworks", "vnet")
PIP = res("rg-pr-1", "Microsoft.Network/publicIPAddresses", "pip")
LB = res("rg-pr-1", "Microsoft.Network/loadBalancers", "lb")
NIC = res("rg-pr-1", "Microsoft.Network/networkInterfaces", "nic")
VM = res("rg-pr-1", "Microsoft.Compute/virtualMachines", "vm")
ENV = group_environments([RG, VNET, PIP, LB, NIC, VM])[0]


def test_a_group_holding_only_our_resources_goes_whole():
    plan = plan_deletion(ENV, {"rg-pr-1": [VNET, PIP, LB, NIC, VM]}, {})
    assert plan.whole_groups == ("rg-pr-1",)
    assert plan.one_by_one == () and plan.left == ()


def test_a_group_with_someone_elses_resource_is_kept_and_ours_go_one_by_one_dependents_first():
    stranger = res("rg-pr-1", "Microsoft.Network/publicIPAddresses", "their-pip", {"team": "x"})
    plan = plan_deletion(ENV, {"rg-pr-1": [VNET, PIP, LB, NIC, VM, stranger]}, {})
    assert plan.whole_groups == ()
    # public IPs outlive the VNet: the NAT gateway a subnet names holds one
    assert [r.name for r in plan.one_by_one] == ["vm", "nic", "lb", "vnet", "pip"]
    assert [x.id for x in plan.left] == [RG.id]
    assert "does not own" in plan.left[0].reason and "their-pip" in plan.left[0].reason


def test_our_nic_on_someone_elses_vm_is_left_and_so_is_the_vnet_it_sits_in():
    their_vm = rid("rg-other", "Microsoft.Compute/virtualMachines", "their-vm")
    usage = {
        NIC.id.lower(): [their_vm],
        VNET.id.lower(): [NIC.id + "/ipConfigurations/ipconfig1"],
    }
    plan = plan_deletion(ENV, {"rg-pr-1": [VNET, PIP, LB, NIC, VM]}, usage)
    left = {x.id: x.reason for x in plan.left}
    assert "their-vm" in left[NIC.id] and "not in this environment" in left[NIC.id]
    assert "which is left" in left[VNET.id]
    assert RG.id in left  # the group cannot go whole with a pinned NIC inside
    assert [r.name for r in plan.one_by_one] == ["vm", "lb", "pip"]


def test_our_public_ip_on_someone_elses_load_balancer_is_left():
    their_fe = rid("rg-other", "Microsoft.Network/loadBalancers", "their-lb") + (
        "/frontendIPConfigurations/fe"
    )
    plan = plan_deletion(ENV, {"rg-pr-1": [VNET, PIP, LB, NIC, VM]}, {PIP.id.lower(): [their_fe]})
    assert [x.id for x in plan.left][0] == PIP.id
    assert PIP not in plan.one_by_one


def test_links_between_our_own_resources_pin_nothing():
    usage = {
        PIP.id.lower(): [LB.id + "/frontendIPConfigurations/fe"],
        NIC.id.lower(): [VM.id],
        LB.id.lower(): [NIC.id + "/ipConfigurations/ipconfig1"],
    }
    plan = plan_deletion(ENV, {"rg-pr-1": [VNET, PIP, LB, NIC, VM]}, usage)
    assert plan.whole_groups == ("rg-pr-1",) and plan.left == ()


def test_a_group_we_did_not_create_is_never_deleted():
    env = group_environments([PIP, LB])[0]  # their group carries no tags of ours
    plan = plan_deletion(env, {}, {})
    assert plan.whole_groups == ()
    assert [r.name for r in plan.one_by_one] == ["lb", "pip"]


def test_child_ids_resolve_to_their_top_level_resource():
    assert owner_of(LB.id + "/frontendIPConfigurations/fe") == LB.id.lower()
    assert owner_of(NIC.id + "/ipConfigurations/ipconfig1") == NIC.id.lower()


# Disks: Azure sets managedBy on every attached disk, so only the VM's own OS disk is ours ---------

WEB = res("rg-pr-1", "Microsoft.Compute/virtualMachines", "vm-pr-1-web")
WEB_NIC = res("rg-pr-1", "Microsoft.Network/networkInterfaces", "nic-pr-1-web")
DISKS = "Microsoft.Compute/disks"
WEB_ENV = group_environments([RG, VNET, WEB_NIC, WEB])[0]
WEB_USAGE = {WEB_NIC.id.lower(): [WEB.id], VNET.id.lower(): [WEB_NIC.id + "/ipConfigurations/v4"]}


def disk(name, rg="rg-pr-1", managed_by=WEB.id):
    return ListedResource(rid(rg, DISKS, name), name, DISKS, rg, {}, managed_by)


OS_DISK = disk("osdisk-pr-1-web")


def web(os_disk=OS_DISK.id, delete="Delete", data=()):
    return {WEB.id.lower(): Machine(WEB.id, os_disk, delete, tuple(data))}


def test_our_vms_own_os_disk_counts_as_ours_and_the_group_goes_whole():
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, OS_DISK]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web())
    assert plan.whole_groups == ("rg-pr-1",) and plan.left == ()
    assert plan.own_disks == {OS_DISK.id.lower()}


def test_a_data_disk_someone_attached_to_our_vm_keeps_the_vm_and_the_group_and_names_the_disk():
    theirs = disk("payments-data")
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, OS_DISK, theirs]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web(data=[theirs.id]))
    assert plan.whole_groups == ()
    left = {x.id: x.reason for x in plan.left}
    assert "payments-data" in left[WEB.id] and "detach" in left[WEB.id]
    assert "which is left" in left[WEB_NIC.id] and "which is left" in left[VNET.id]
    assert "does not own" in left[RG.id] and "payments-data" in left[RG.id]
    assert plan.one_by_one == ()


def test_a_disk_in_another_group_attached_to_our_vm_keeps_the_vm():
    theirs = disk("payments-data", rg="payments")
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, OS_DISK]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web(data=[theirs.id]))
    left = {x.id: x.reason for x in plan.left}
    assert "payments-data" in left[WEB.id]
    assert "holds resources left" in left[RG.id]


def test_an_os_disk_swapped_in_is_not_ours_even_though_the_vm_manages_it():
    swapped = disk("payments-os")
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, swapped]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web(os_disk=swapped.id))
    left = {x.id: x.reason for x in plan.left}
    assert "payments-os" in left[WEB.id] and "payments-os" in left[RG.id]
    assert plan.whole_groups == () and plan.own_disks == frozenset()


def test_our_os_disk_no_longer_deleted_with_its_vm_stays_and_so_does_the_vm():
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, OS_DISK]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web(delete="Detach"))
    left = {x.id: x.reason for x in plan.left}
    assert "osdisk-pr-1-web" in left[WEB.id]
    assert plan.whole_groups == ()


def test_a_disk_managed_by_our_vm_that_the_vm_does_not_name_is_foreign():
    stray = disk("stray")  # managedBy says our VM; the VM's own body does not list it
    contents = {"rg-pr-1": [VNET, WEB_NIC, WEB, OS_DISK, stray]}
    plan = plan_deletion(WEB_ENV, contents, WEB_USAGE, machines=web())
    assert plan.whole_groups == ()
    assert "stray" in {x.id: x.reason for x in plan.left}[RG.id]


def test_a_user_that_carries_our_tags_but_was_not_listed_is_said_to_be_late():
    racing_vm = rid("rg-pr-1", "Microsoft.Compute/virtualMachines", "vm-pr-1-web")
    env = group_environments([RG, VNET, WEB_NIC])[0]  # listed before the VM was created
    usage = {WEB_NIC.id.lower(): [racing_vm]}
    late = plan_deletion(env, {}, usage, late={racing_vm.lower()})
    reason = {x.id: x.reason for x in late.left}[WEB_NIC.id]
    assert "created after" in reason and "not in this environment" not in reason
    foreign = plan_deletion(env, {}, usage)
    assert "not in this environment" in {x.id: x.reason for x in foreign.left}[WEB_NIC.id]
