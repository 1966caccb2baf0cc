"""The real azure-mgmt clients, unmodified, drive every resource type and operation of the
local cloud — in-process, over HTTP and over HTTPS."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from localcloud_scenario import (
    LOC,
    lb_body,
    make_group,
    make_nic,
    make_pip,
    make_vnet,
    manifest,
    net_id,
    scenario,
)


def test_resource_group_lifecycle(any_clients):
    c = any_clients
    rg = c.resource.resource_groups.create_or_update(
        "Demo-RG", {"location": LOC, "tags": {"provisioner-env": "x"}}
    )
    assert rg.properties.provisioning_state == "Succeeded"
    assert c.resource.resource_groups.check_existence("demo-rg") is True
    assert c.resource.resource_groups.check_existence("other") is False
    assert c.resource.resource_groups.get("DEMO-RG").name == "Demo-RG"
    tagged = c.resource.resource_groups.list(
        filter="tagName eq 'provisioner-env' and tagValue eq 'x'"
    )
    assert [g.name for g in tagged] == ["Demo-RG"]
    assert list(c.resource.resource_groups.list(filter="tagName eq 'nope'")) == []
    c.resource.resource_groups.begin_delete("Demo-RG").result()
    assert c.resource.resource_groups.check_existence("demo-rg") is False


def test_full_scenario_with_back_references(any_clients):
    c = any_clients
    s = scenario(c)
    lb = c.network.load_balancers.get("rg", "lb")
    rule, fe, pool, probe = (
        lb.load_balancing_rules[0],
        lb.frontend_ip_configurations[0],
        lb.backend_address_pools[0],
        lb.probes[0],
    )
    assert rule.protocol == "Tcp" and rule.enable_floating_ip is True
    assert rule.idle_timeout_in_minutes == 4 and rule.enable_tcp_reset is False
    assert fe.load_balancing_rules[0].id == rule.id
    assert pool.load_balancing_rules[0].id == rule.id
    assert probe.load_balancing_rules[0].id == rule.id
    ipc_id = s["nic"].ip_configurations[0].id
    assert [x.id for x in pool.backend_ip_configurations] == [ipc_id]
    assert {fe.etag, pool.etag, rule.etag} == {lb.etag}
    pip = c.network.public_ip_addresses.get("rg", "pip")
    assert pip.ip_address == "203.0.113.4"
    assert pip.ip_configuration.id == fe.id
    nic = c.network.network_interfaces.get("rg", "nic1")
    assert nic.ip_configurations[0].private_ip_address == "10.0.1.4"
    assert nic.ip_configurations[0].primary is True
    assert nic.virtual_machine.id == s["vm"].id
    vnet = c.network.virtual_networks.get("rg", "vnet")
    assert [x.id for x in vnet.subnets[0].ip_configurations] == [ipc_id]


def test_load_balancer_child_resources(any_clients):
    c = any_clients
    s = scenario(c)
    net = c.network
    assert [f.name for f in net.load_balancer_frontend_ip_configurations.list("rg", "lb")] == [
        "green"
    ]
    assert (
        net.load_balancer_frontend_ip_configurations.get("rg", "lb", "green").id
        == s["lb"].frontend_ip_configurations[0].id
    )
    assert [p.name for p in net.load_balancer_backend_address_pools.list("rg", "lb")] == ["app"]
    assert net.load_balancer_probes.get("rg", "lb", "health").port == 8080
    assert net.load_balancer_load_balancing_rules.get("rg", "lb", "green-80").frontend_port == 80
    assert [r.name for r in net.load_balancer_load_balancing_rules.list("rg", "lb")] == ["green-80"]
    with pytest.raises(ResourceNotFoundError) as err:
        net.load_balancer_probes.get("rg", "lb", "missing")
    assert err.value.error.code == "NotFound"
    pool = net.load_balancer_backend_address_pools.begin_create_or_update(
        "rg", "lb", "second", {"properties": {}}
    ).result()
    assert pool.name == "second"
    assert len(net.load_balancers.get("rg", "lb").backend_address_pools) == 2


def test_subnet_child_lifecycle(any_clients):
    c = any_clients
    make_group(c)
    make_vnet(c)
    sn = c.network.subnets.begin_create_or_update(
        "rg", "vnet", "front", {"properties": {"addressPrefix": "10.0.2.0/24"}}
    ).result()
    assert sn.address_prefix == "10.0.2.0/24"
    assert sn.id.endswith("/virtualNetworks/vnet/subnets/front")
    assert {s.name for s in c.network.subnets.list("rg", "vnet")} == {"backend", "front"}
    c.network.subnets.begin_delete("rg", "vnet", "front").result()
    with pytest.raises(ResourceNotFoundError):
        c.network.subnets.get("rg", "vnet", "front")


def test_public_ip_kinds(any_clients):
    c = any_clients
    make_group(c)
    v4 = make_pip(c, name="v4")
    v6 = make_pip(c, name="v6", publicIPAddressVersion="IPv6")
    c.cloud.set_basic_public_ip_quota(1)  # a subscription that kept one since Basic's retirement
    basic = c.network.public_ip_addresses.begin_create_or_update(
        "rg",
        "basic",
        {
            "location": LOC,
            "sku": {"name": "Basic"},
            "properties": {"publicIPAllocationMethod": "dynamic"},
        },
    ).result()
    assert v4.ip_address == "203.0.113.4"
    assert v6.ip_address.startswith("2001:db8::")
    assert basic.public_ip_allocation_method == "Dynamic" and basic.ip_address is None
    assert v4.idle_timeout_in_minutes == 4 and v4.ip_tags == []


def test_internal_frontend_and_dynamic_allocation(any_clients):
    c = any_clients
    make_group(c)
    vnet = make_vnet(c)
    subnet = vnet.subnets[0].id
    ilb = c.network.load_balancers.begin_create_or_update(
        "rg",
        "ilb",
        {
            "location": LOC,
            "sku": {"name": "Standard"},
            "properties": {
                "frontendIPConfigurations": [
                    {"name": "fe", "properties": {"subnet": {"id": subnet}}}
                ]
            },
        },
    ).result()
    assert ilb.frontend_ip_configurations[0].private_ip_address == "10.0.1.4"
    static = make_nic(
        c, "static", subnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.10"
    )
    dyn = make_nic(c, "dyn", subnet)
    assert static.ip_configurations[0].private_ip_address == "10.0.1.10"
    assert dyn.ip_configurations[0].private_ip_address == "10.0.1.5"
    with pytest.raises(HttpResponseError) as err:
        make_nic(
            c, "clash", subnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.10"
        )
    assert err.value.error.code == "PrivateIPAddressIsAllocated"
    with pytest.raises(HttpResponseError) as err:
        make_nic(
            c, "reserved", subnet, privateIPAllocationMethod="Static", privateIPAddress="10.0.1.2"
        )
    assert err.value.error.code == "PrivateIPAddressInReservedRange"


def test_virtual_machine_run_command_and_delete(any_clients):
    c = any_clients
    s = scenario(c)
    vm = c.compute.virtual_machines.get("rg", "vm1", expand="instanceView")
    assert vm.instance_view.statuses[-1].code == "PowerState/running"
    assert "adminPassword" not in (vm.os_profile or {})
    assert (
        c.compute.virtual_machines.instance_view("rg", "vm1").statuses[-1].code
        == "PowerState/running"
    )
    script = [
        "#!/bin/sh",
        manifest(
            "apply", ["203.0.113.4"], [{"address": "203.0.113.4", "protocol": "tcp", "port": 80}]
        ),
    ]
    result = c.compute.virtual_machines.begin_run_command(
        "rg", "vm1", {"commandId": "RunShellScript", "script": script}
    ).result()
    assert result.value[0].code == "ProvisioningState/succeeded"
    assert result.value[0].message.startswith("Enable succeeded: \n[stdout]\n")
    history = c.cloud.run_command_history(s["vm"].id)
    assert [h.script for h in history] == [script]
    c.compute.virtual_machines.begin_delete("rg", "vm1").result()
    assert c.network.network_interfaces.get("rg", "nic1").virtual_machine is None


def test_managed_run_commands(any_clients):
    c = any_clients
    s = scenario(c)
    cmd = c.compute.virtual_machine_run_commands.begin_create_or_update(
        "rg",
        "vm1",
        "setup",
        {"location": LOC, "properties": {"source": {"script": manifest("check")}}},
    ).result()
    assert cmd.provisioning_state == "Succeeded"
    got = c.compute.virtual_machine_run_commands.get_by_virtual_machine(
        "rg", "vm1", "setup", expand="instanceView"
    )
    assert got.instance_view.execution_state == "Succeeded"
    assert "PROVISIONER-CHECK" in got.instance_view.output
    listed = c.compute.virtual_machine_run_commands.list_by_virtual_machine("rg", "vm1")
    assert [x.name for x in listed] == ["setup"]
    c.compute.virtual_machine_run_commands.begin_delete("rg", "vm1", "setup").result()
    assert list(c.compute.virtual_machine_run_commands.list_by_virtual_machine("rg", "vm1")) == []
    assert len(c.cloud.run_command_history(s["vm"].id)) == 1


def test_generic_resource_list_by_tag_and_paging(any_clients):
    c = any_clients
    make_group(c)
    c.cloud.set_page_size(2)
    for i in range(5):
        c.network.public_ip_addresses.begin_create_or_update(
            "rg",
            f"pip{i}",
            {
                "location": LOC,
                "sku": {"name": "Standard"},
                "tags": {"provisioner-env": "blue" if i % 2 else "green"},
                "properties": {"publicIPAllocationMethod": "Static"},
            },
        ).result()
    assert len(list(c.network.public_ip_addresses.list("rg"))) == 5
    assert len(list(c.network.public_ip_addresses.list_all())) == 5
    blue = c.resource.resources.list(filter="tagName eq 'provisioner-env' and tagValue eq 'blue'")
    assert sorted(r.name for r in blue) == ["pip1", "pip3"]
    in_group = c.resource.resources.list_by_resource_group(
        "rg", filter="tagName eq 'provisioner-env'"
    )
    assert len(list(in_group)) == 5


def test_delete_group_cascades(any_clients):
    c = any_clients
    scenario(c)
    c.resource.resource_groups.begin_delete("rg").result()
    assert c.cloud.resources() == []
    with pytest.raises(ResourceNotFoundError) as err:
        c.network.load_balancers.get("rg", "lb")
    assert err.value.error.code == "ResourceGroupNotFound"


def test_delete_of_absent_resource_is_quiet(any_clients):
    c = any_clients
    make_group(c)
    c.network.load_balancers.begin_delete("rg", "never-existed").result()
    with pytest.raises(ResourceNotFoundError) as err:
        c.network.load_balancers.get("rg", "never-existed")
    assert err.value.error.code == "ResourceNotFound"


def test_update_tags_changes_etag(any_clients):
    c = any_clients
    make_group(c)
    pip = make_pip(c)
    updated = c.network.public_ip_addresses.update_tags("rg", "pip", {"tags": {"a": "b"}})
    assert updated.tags == {"a": "b"} and updated.etag != pip.etag


def test_lb_reference_to_missing_public_ip_is_rejected(any_clients):
    c = any_clients
    make_group(c)
    with pytest.raises(HttpResponseError) as err:
        c.network.load_balancers.begin_create_or_update(
            "rg", "lb", lb_body(net_id("rg", "publicIPAddresses", "ghost"))
        ).result()
    assert err.value.status_code == 400
    assert err.value.error.code == "InvalidResourceReference"


def test_a_type_the_cloud_does_not_model_is_refused_not_stored(clients):
    """Never succeed silently: a storage account (nothing behind it here) is refused with
    Azure's unknown-type answer and nothing is stored; the documented side types (route tables)
    are still stored and echoed."""
    c = clients
    make_group(c)
    base = f"/subscriptions/{c.network._config.subscription_id}/resourceGroups/rg/providers"
    with pytest.raises(HttpResponseError) as caught:
        c.resource.resources.begin_create_or_update_by_id(
            f"{base}/Microsoft.Storage/storageAccounts/sa1",
            api_version="2023-05-01",
            parameters={"location": LOC, "kind": "StorageV2", "sku": {"name": "Standard_LRS"}},
        ).result()
    assert caught.value.status_code == 404
    assert caught.value.error.code == "InvalidResourceType"
    assert "storageAccounts" in caught.value.error.message
    assert [r.name for r in c.resource.resources.list_by_resource_group("rg")] == []
    table = c.resource.resources.begin_create_or_update_by_id(
        f"{base}/Microsoft.Network/routeTables/rt1",
        api_version="2024-05-01",
        parameters={"location": LOC},
    ).result()
    assert table.name == "rt1"
