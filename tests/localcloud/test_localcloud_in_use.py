"""In-use refusals, through the real SDK clients: a load balancer PUT may not drop a pool or an
inbound NAT rule a NIC still references, and deleting a resource group never silently deletes
what a resource in another group still uses."""

from __future__ import annotations

import copy
import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network.models import BackendAddressPool, InboundNatRule
from localcloud_scenario import lb_body, make_group, make_nic, make_vm, scenario


def _without(body: dict, collection: str, name: str) -> dict:
    body = copy.deepcopy(body)
    items = body["properties"][collection]
    body["properties"][collection] = [i for i in items if i["name"] != name]
    return body


def _lb_with_extra_pool_and_nat(pip_id: str) -> dict:
    body = lb_body(pip_id)
    lid = body["properties"]["loadBalancingRules"][0]["properties"]["frontendIPConfiguration"]
    body["properties"]["backendAddressPools"].append({"name": "extra"})
    body["properties"]["inboundNatRules"] = [
        {
            "name": "ssh",
            "properties": {
                "protocol": "Tcp",
                "frontendPort": 50022,
                "backendPort": 22,
                "frontendIPConfiguration": lid,
            },
        }
    ]
    return body


def test_lb_put_dropping_a_pool_a_nic_uses_is_refused(clients):
    s = scenario(clients)
    net = clients.network
    body = _lb_with_extra_pool_and_nat(s["pip"].id)
    lb = net.load_balancers.begin_create_or_update("rg", "lb", body).result()
    pools = {p.name: p.id for p in lb.backend_address_pools}
    nat_id = lb.inbound_nat_rules[0].id
    nic = make_nic(clients, "nic2", s["vnet"].subnets[0].id, [pools["app"], pools["extra"]])
    stored = net.network_interfaces.get("rg", "nic2")
    stored.ip_configurations[0].load_balancer_inbound_nat_rules = [InboundNatRule(id=nat_id)]
    net.network_interfaces.begin_create_or_update("rg", "nic2", stored).result()
    ipconfig = nic.ip_configurations[0].id

    for collection, name, missing in (
        ("backendAddressPools", "extra", pools["extra"]),
        ("inboundNatRules", "ssh", nat_id),
    ):
        with pytest.raises(HttpResponseError) as err:
            net.load_balancers.begin_create_or_update(
                "rg", "lb", _without(body, collection, name)
            ).result()
        assert err.value.status_code == 400
        assert err.value.error.code == "InvalidResourceReference"
        assert missing in err.value.error.message
        assert ipconfig.lower() in err.value.error.message.lower()

    # The child DELETE is the same write, and is refused the same way.
    with pytest.raises(HttpResponseError) as err:
        net.load_balancer_backend_address_pools.begin_delete("rg", "lb", "extra").result()
    assert err.value.error.code == "InvalidResourceReference"
    stored = net.load_balancers.get("rg", "lb")
    assert {p.name for p in stored.backend_address_pools} == {"app", "extra"}

    # Once the NIC has left, the pool and the NAT rule can go.
    stored = net.network_interfaces.get("rg", "nic2")
    ip = stored.ip_configurations[0]
    ip.load_balancer_backend_address_pools = [BackendAddressPool(id=pools["app"])]
    ip.load_balancer_inbound_nat_rules = []
    net.network_interfaces.begin_create_or_update("rg", "nic2", stored).result()
    slim = _without(_without(body, "backendAddressPools", "extra"), "inboundNatRules", "ssh")
    after = net.load_balancers.begin_create_or_update("rg", "lb", slim).result()
    assert [p.name for p in after.backend_address_pools] == ["app"]
    assert not after.inbound_nat_rules


def _blocked(clients, rg: str) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as err:
        clients.resource.resource_groups.begin_delete(rg).result()
    return err.value


def _detail_codes(error) -> dict[str, str]:
    return {
        d.target.rsplit("/", 1)[-1]: json.loads(d.message)["error"]["code"] for d in error.details
    }


def test_group_delete_keeps_a_nic_a_vm_in_another_group_uses(clients):
    s = scenario(clients, "ours")
    make_group(clients, "theirs")
    # Our vm1 goes; another group's VM takes over our NIC.
    clients.compute.virtual_machines.begin_delete("ours", "vm1").result()
    make_vm(clients, "their-vm", s["nic"].id, rg="theirs")

    err = _blocked(clients, "ours")

    assert err.status_code == 409
    assert err.error.code == "ResourceGroupDeletionBlocked"
    assert "Microsoft.Network/networkInterfaces/nic1" in err.error.message
    codes = _detail_codes(err.error)
    # The NIC is in use by the foreign VM; what the NIC itself uses stays with it.
    assert codes["nic1"] == "NicInUse"
    assert codes["vnet"] == "InUseSubnetCannotBeDeleted"
    assert codes["lb"] == "InUseLoadBalancerCannotBeDeleted"
    assert set(codes) == {"nic1", "vnet", "lb", "pip"}
    assert codes["pip"] == "PublicIPAddressCannotBeDeleted"
    # The group stays, with what could not be deleted; their VM still has its NIC.
    group = clients.resource.resource_groups.get("ours")
    assert group.properties.provisioning_state == "Succeeded"
    left = {r.name for r in clients.resource.resources.list_by_resource_group("ours")}
    assert left == {"nic1", "vnet", "lb", "pip"}
    nic = clients.network.network_interfaces.get("ours", "nic1")
    assert nic.virtual_machine.id.lower().endswith(
        "/resourcegroups/theirs/providers/microsoft.compute/virtualmachines/their-vm"
    )


def test_group_delete_keeps_a_public_ip_and_subnet_a_foreign_nic_uses(clients):
    make_group(clients, "shared")
    vnet = clients.network.virtual_networks.begin_create_or_update(
        "shared",
        "vnet",
        {
            "location": "westeurope",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.1.0.0/16"]},
                "subnets": [{"name": "a", "properties": {"addressPrefix": "10.1.0.0/24"}}],
            },
        },
    ).result()
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        "shared",
        "pip",
        {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {}},
    ).result()
    clients.network.public_ip_addresses.begin_create_or_update(
        "shared", "spare", {"location": "westeurope", "sku": {"name": "Standard"}, "properties": {}}
    ).result()
    make_group(clients, "theirs")
    make_nic(clients, "their-nic", vnet.subnets[0].id, rg="theirs", publicIPAddress={"id": pip.id})

    err = _blocked(clients, "shared")

    codes = _detail_codes(err.error)
    assert codes == {"vnet": "InUseSubnetCannotBeDeleted", "pip": "PublicIPAddressCannotBeDeleted"}
    # What nothing outside used went; the foreign NIC is untouched.
    with pytest.raises(ResourceNotFoundError):
        clients.network.public_ip_addresses.get("shared", "spare")
    nic = clients.network.network_interfaces.get("theirs", "their-nic")
    assert nic.ip_configurations[0].public_ip_address.id.lower() == pip.id.lower()

    # Once the foreign NIC is gone the group deletes.
    clients.network.network_interfaces.begin_delete("theirs", "their-nic").result()
    clients.resource.resource_groups.begin_delete("shared").result()
    assert not clients.resource.resource_groups.check_existence("shared")


def test_group_delete_with_everything_inside_still_cascades(clients):
    scenario(clients, "self")
    clients.resource.resource_groups.begin_delete("self").result()
    assert not clients.resource.resource_groups.check_existence("self")
    assert not [r for r in clients.cloud.resources() if "/resourcegroups/self" in r["id"].lower()]
