"""Names are deterministic, carry the environment, and fit Azure's length limits."""

from __future__ import annotations

from compile_helpers import TWO_FRONTENDS, compile_text

from provisioner.compile import names
from provisioner.compile.desired import Kind

LIMITS = {
    Kind.RESOURCE_GROUP: names.RESOURCE_GROUP_MAX,
    Kind.VIRTUAL_NETWORK: names.VIRTUAL_NETWORK_MAX,
    Kind.PUBLIC_IP: names.PUBLIC_IP_MAX,
    Kind.NAT_GATEWAY: names.NAT_GATEWAY_MAX,
    Kind.NETWORK_SECURITY_GROUP: names.NETWORK_SECURITY_GROUP_MAX,
    Kind.LOAD_BALANCER: names.LOAD_BALANCER_MAX,
    Kind.NETWORK_INTERFACE: names.NETWORK_INTERFACE_MAX,
    Kind.VIRTUAL_MACHINE: names.VIRTUAL_MACHINE_MAX,
}

LONG = "a" + "b" * 39  # the longest blueprint name the model allows


def test_the_same_blueprint_compiles_to_the_same_state():
    assert compile_text(TWO_FRONTENDS) == compile_text(TWO_FRONTENDS)


def test_names_follow_the_documented_scheme():
    assert list(compile_text(TWO_FRONTENDS, env="ci-42").resources) == [
        "resource_group/rg-ci-42",
        "public_ip/pip-ci-42-lb-green",
        "public_ip/pip-ci-42-lb-purple",
        "public_ip/pip-ci-42-natgw",
        "nat_gateway/ng-ci-42",
        "network_security_group/nsg-ci-42",
        "load_balancer/lb-ci-42-lb",
        "virtual_network/vnet-ci-42",
        "network_interface/nic-ci-42-vm1",
        "network_interface/nic-ci-42-vm2",
        "virtual_machine/vm-ci-42-vm1",
        "virtual_machine/vm-ci-42-vm2",
    ]


def test_two_environments_of_one_blueprint_never_share_a_name():
    a = {r.name for r in compile_text(TWO_FRONTENDS, env="a").order()}
    b = {r.name for r in compile_text(TWO_FRONTENDS, env="b").order()}
    assert not a & b


def test_longest_names_fit_azures_limits_and_stay_distinct():
    text = (
        TWO_FRONTENDS.replace("lb:\n", f"{LONG}:\n")
        .replace("green", LONG[:-1] + "g")
        .replace("purple", LONG[:-1] + "p")
        .replace("vm1", LONG[:-1] + "1")
        .replace("vm2", LONG[:-1] + "2")
    )
    env = "e" * 40
    state = compile_text(text, env=env)
    resources = state.order()
    for res in resources:
        assert len(res.name) <= LIMITS[res.kind], res.name
        assert res.name[-1].isalnum()
    assert len({r.name for r in resources}) == len(resources)
    assert compile_text(text, env=env) == state
    for res in resources:
        if res.kind is Kind.VIRTUAL_MACHINE:
            assert len(res.body.os_profile.computer_name) <= names.LINUX_COMPUTER_NAME_MAX
            assert len(res.body.storage_profile.os_disk.name) <= names.DISK_MAX


def test_windows_computer_names_fit_in_15_characters_and_differ():
    a = names.computer_name("webfrontend-0001", "windows")
    b = names.computer_name("webfrontend-0002", "windows")
    assert len(a) <= 15 and len(b) <= 15 and a != b
    assert names.computer_name("win-1", "windows") == "win-1"
    assert names.computer_name("webfrontend-0001", "linux") == "webfrontend-0001"


def test_ids_are_full_arm_ids_in_the_context_subscription():
    state = compile_text(TWO_FRONTENDS)
    lb = state.resources["load_balancer/lb-test-lb"]
    assert lb.id == (
        "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test"
        "/providers/Microsoft.Network/loadBalancers/lb-test-lb"
    )
    vm = state.resources["virtual_machine/vm-test-vm1"]
    assert vm.id.endswith("/providers/Microsoft.Compute/virtualMachines/vm-test-vm1")
    assert all(r.resource_group == "rg-test" for r in state.order())
