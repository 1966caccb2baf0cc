"""Pool membership is written on the NICs: each VM's primary IP configuration joins its pools."""

from __future__ import annotations

from compile_helpers import SUBSCRIPTION, compile_text

from provisioner.compile.desired import Kind, Ownership

RG = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network"

PAIR = """
blueprint: 1
name: pair
location: westeurope
network:
  address_space: [10.0.0.0/16, "fd00:1::/48"]
  subnets:
    app: {prefix: 10.0.2.0/24, ipv6_prefix: "fd00:1:0:2::/64"}
vms:
  app1: {subnet: app, private_ip: 10.0.2.20, ipv6: true}
  app2: {subnet: app}
  lonely: {subnet: app}
load_balancers:
  edge:
    type: public
    frontends: {web: {}, web6: {ip_version: ipv6}}
    pools: {web: [app1, app2], web6: [app1]}
    rules:
      http: {frontend: web, port: 80, pool: web}
      http6: {frontend: web6, port: 80, pool: web6}
  inner:
    type: internal
    frontends: {api: {subnet: app, private_ip: 10.0.2.10}}
    pools: {api: [app1, app2], spare: [app2]}
    rules:
      api: {frontend: api, port: 443, pool: api, floating_ip: true}
"""


def nic(state, vm):
    return state.resources[f"network_interface/nic-test-{vm}"]


def pools_of(ipconfig):
    return [p.id for p in ipconfig.load_balancer_backend_address_pools]


def test_primary_ipconfig_joins_every_ipv4_pool_of_every_load_balancer():
    state = compile_text(PAIR)
    primary = nic(state, "app2").body.ip_configurations[0]
    assert primary.primary is True
    assert primary.private_ip_address_version == "IPv4"
    assert pools_of(primary) == [
        f"{RG}/loadBalancers/lb-test-edge/backendAddressPools/web",
        f"{RG}/loadBalancers/lb-test-inner/backendAddressPools/api",
        f"{RG}/loadBalancers/lb-test-inner/backendAddressPools/spare",
    ]
    assert len(nic(state, "app2").body.ip_configurations) == 1


def test_an_ipv6_vm_joins_ipv6_pools_through_a_second_ipconfig():
    v4, v6 = nic(compile_text(PAIR), "app1").body.ip_configurations
    assert (v6.primary, v6.private_ip_address_version) == (False, "IPv6")
    assert pools_of(v6) == [f"{RG}/loadBalancers/lb-test-edge/backendAddressPools/web6"]
    assert f"{RG}/loadBalancers/lb-test-edge/backendAddressPools/web6" not in pools_of(v4)
    assert v4.subnet.id == v6.subnet.id == f"{RG}/virtualNetworks/vnet-test/subnets/app"


def test_a_fixed_vm_address_is_a_static_ipconfig():
    state = compile_text(PAIR)
    app1 = nic(state, "app1").body.ip_configurations[0]
    app2 = nic(state, "app2").body.ip_configurations[0]
    assert (app1.private_ip_allocation_method, app1.private_ip_address) == ("Static", "10.0.2.20")
    assert app2.private_ip_allocation_method == "Dynamic"


def test_a_vm_in_no_pool_joins_nothing_and_waits_for_no_load_balancer():
    state = compile_text(PAIR)
    lonely = nic(state, "lonely")
    assert pools_of(lonely.body.ip_configurations[0]) == []
    assert not any(d.startswith("load_balancer/") for d in lonely.depends_on)


def test_nic_waits_for_the_load_balancers_it_joins_and_the_vm_for_its_nic():
    state = compile_text(PAIR)
    assert set(nic(state, "app1").depends_on) >= {
        "load_balancer/lb-test-edge",
        "load_balancer/lb-test-inner",
        "virtual_network/vnet-test",
    }
    vm = state.resources["virtual_machine/vm-test-app1"]
    assert "network_interface/nic-test-app1" in vm.depends_on
    (ref,) = vm.body.network_profile.network_interfaces
    assert (ref.id, ref.primary) == (nic(state, "app1").id, True)


def test_counted_vms_each_get_their_own_nic_in_the_pool():
    text = PAIR.replace("app2: {subnet: app}", "app2: {subnet: app, count: 2}").replace(
        "spare: [app2]", "spare: [app2-2]"
    )
    state = compile_text(text)
    assert pools_of(nic(state, "app2-1").body.ip_configurations[0])[-1].endswith("/api")
    assert pools_of(nic(state, "app2-2").body.ip_configurations[0])[-1].endswith("/spare")


def test_an_existing_vm_is_referenced_and_its_primary_nic_adopted():
    vm_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/legacy"
        "/providers/Microsoft.Compute/virtualMachines/old-app"
    )
    text = PAIR.replace("lonely: {subnet: app}", f"old: {{existing_id: {vm_id}}}").replace(
        "spare: [app2]", "spare: [app2, old]"
    )
    state = compile_text(text)
    vm = state.resources["virtual_machine/old-app"]
    assert (vm.ownership, vm.id, vm.body) == (Ownership.REFERENCED, vm_id, None)
    adopted = state.resources["network_interface/old-app"]
    assert adopted.ownership is Ownership.ADOPTED
    assert adopted.kind is Kind.NETWORK_INTERFACE
    assert adopted.id == vm_id  # the executor resolves the VM's primary NIC
    assert adopted.resource_group == "legacy"
    assert adopted.body == [f"{RG}/loadBalancers/lb-test-inner/backendAddressPools/spare"]
    assert set(adopted.depends_on) == {"virtual_machine/old-app", "load_balancer/lb-test-inner"}
    assert not [r for r in state.order() if r.name.endswith("-old")]


def test_an_existing_vm_in_no_pool_adopts_nothing():
    vm_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/legacy"
        "/providers/Microsoft.Compute/virtualMachines/old-app"
    )
    state = compile_text(PAIR.replace("lonely: {subnet: app}", f"old: {{existing_id: {vm_id}}}"))
    assert "network_interface/old-app" not in state.resources
    assert "virtual_machine/old-app" in state.resources
