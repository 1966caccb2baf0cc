"""Addresses through the wire: the rules refuse what Azure refuses, the allocator never does."""

from __future__ import annotations

import ipaddress

import pytest
from azure.core.exceptions import HttpResponseError
from localcloud_scenario import LOC, make_group

from provisioner.localcloud import ipam
from provisioner.localcloud.rules.public_ip import PUBLIC_IP_LIMIT


def small_vnet(c, prefix: str = "10.0.1.0/29"):
    return c.network.virtual_networks.begin_create_or_update(
        "rg",
        "vnet",
        {
            "location": LOC,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "backend", "properties": {"addressPrefix": prefix}}],
            },
        },
    ).result()


def put_nic(c, name: str, subnet_id: str, *ipconfigs: dict):
    confs = [
        {"name": f"ipconfig{i + 1}", "properties": {"subnet": {"id": subnet_id}, **props}}
        for i, props in enumerate(ipconfigs or ({},))
    ]
    return c.network.network_interfaces.begin_create_or_update(
        "rg", name, {"location": LOC, "properties": {"ipConfigurations": confs}}
    ).result()


def addresses(nic) -> list[str]:
    return [conf.private_ip_address for conf in nic.ip_configurations]


def test_a_static_address_wins_over_a_dynamic_one_asked_in_the_same_request(clients):
    make_group(clients)
    subnet = small_vnet(clients, "10.0.1.0/24").subnets[0].id
    static = {"privateIPAllocationMethod": "Static", "privateIPAddress": "10.0.1.4"}
    nic = put_nic(clients, "nic1", subnet, {"primary": True}, static)
    assert addresses(nic) == ["10.0.1.5", "10.0.1.4"]


def test_a_full_subnet_refuses_the_next_address_with_azures_code(clients):
    make_group(clients)
    subnet = small_vnet(clients).subnets[0].id  # a /29: .4, .5 and .6
    assert [addresses(put_nic(clients, f"nic{i}", subnet))[0] for i in range(3)] == [
        "10.0.1.4",
        "10.0.1.5",
        "10.0.1.6",
    ]
    with pytest.raises(HttpResponseError) as err:
        put_nic(clients, "nic4", subnet)
    assert err.value.status_code == 400
    assert err.value.error.code == "SubnetIsFull"
    clients.network.network_interfaces.begin_delete("rg", "nic1").result()
    assert addresses(put_nic(clients, "nic4", subnet)) == ["10.0.1.5"]


def test_a_static_address_missing_or_of_the_wrong_version_is_refused_by_the_rules(clients):
    make_group(clients)
    subnet = small_vnet(clients, "10.0.1.0/24").subnets[0].id
    with pytest.raises(HttpResponseError) as err:
        put_nic(clients, "nic1", subnet, {"privateIPAllocationMethod": "Static"})
    assert err.value.error.code == "PrivateIPAddressMissing"
    with pytest.raises(HttpResponseError) as err:
        put_nic(clients, "nic1", subnet, {"privateIPAddressVersion": "IPv6"})
    assert err.value.error.code == "LocalCloudSubnetDoesNotHaveAddressPrefixForIpVersion"
    assert not any(r["name"] == "nic1" for r in clients.cloud.resources())


def test_the_public_ip_quota_is_the_size_of_the_address_pool():
    pool = sum(
        1
        for net in ipam.PUBLIC_V4
        for value in range(
            int(net.network_address) + ipam.RESERVED_HEAD, int(net.broadcast_address)
        )
    )
    assert pool == PUBLIC_IP_LIMIT


def test_the_allocator_reports_a_request_it_cannot_place_as_a_bug_not_a_refusal():
    net = ipaddress.ip_network("10.0.1.0/29")
    used = {ipaddress.ip_address(f"10.0.1.{i}") for i in (4, 5, 6)}
    with pytest.raises(ipam.AllocationError):
        ipam.allocate_dynamic(net, used, "nic4")
    with pytest.raises(ipam.AllocationError):
        ipam.static_address("not-an-address", "nic4")
