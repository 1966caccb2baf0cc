"""Subnets' ``defaultOutboundAccess`` follows the api-version the request names.

Network API 2025-07-01 and later create the subnets of a new virtual network private
(``defaultOutboundAccess: false``) when the request leaves the field out; older versions leave
it out, which still allows default outbound (Azure Networking blog "Private subnets by default
in Azure virtual networks"; learn.microsoft.com/azure/virtual-network/ip-services/
default-outbound-access). Existing virtual networks are unchanged. azure-mgmt-network 33.1
sends 2026-03-01, so the tool's own virtual networks are private.
"""

from __future__ import annotations

import pytest
from azure.mgmt.network import models as m
from localcloud_scenario import LOC, make_group


def vnet(*subnets: m.Subnet) -> m.VirtualNetwork:
    return m.VirtualNetwork(
        location=LOC,
        address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=list(subnets),
    )


def put(net, body, **kw):
    return net.virtual_networks.begin_create_or_update("rg", "vnet", body, **kw).result()


@pytest.fixture
def net(clients):
    make_group(clients, "rg")
    return clients.network


@pytest.mark.parametrize(
    ("api_version", "expected"),
    [("2026-03-01", False), ("2025-07-01", False), ("2025-05-01", None), ("2024-05-01", None)],
)
def test_a_new_vnets_subnet_is_private_from_api_2025_07_01(net, api_version, expected):
    created = put(
        net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")), api_version=api_version
    )
    assert created.subnets[0].default_outbound_access is expected
    got = net.virtual_networks.get("rg", "vnet", api_version=api_version)
    assert got.subnets[0].default_outbound_access is expected


def test_the_sdks_own_api_version_makes_the_tools_subnets_private(net):
    created = put(net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")))
    assert created.subnets[0].default_outbound_access is False


def test_an_explicit_value_is_kept_whatever_the_api_version(net):
    subnet = m.Subnet(name="be", address_prefix="10.0.1.0/24", default_outbound_access=True)
    assert put(net, vnet(subnet)).subnets[0].default_outbound_access is True


def test_a_later_put_that_leaves_the_field_out_keeps_what_the_subnet_had(net):
    put(net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")), api_version="2024-05-01")
    again = put(net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")))
    assert again.subnets[0].default_outbound_access is None


def test_a_private_subnet_stays_private_across_updates(net):
    put(net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")))
    body = vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24"))
    assert put(net, body, api_version="2024-05-01").subnets[0].default_outbound_access is False


def test_a_subnet_added_to_an_existing_vnet_gets_no_default(net):
    put(net, vnet(m.Subnet(name="be", address_prefix="10.0.1.0/24")))
    added = net.subnets.begin_create_or_update(
        "rg", "vnet", "fe", m.Subnet(address_prefix="10.0.2.0/24")
    ).result()
    assert added.default_outbound_access is None
    both = vnet(
        m.Subnet(name="be", address_prefix="10.0.1.0/24"),
        m.Subnet(name="fe", address_prefix="10.0.2.0/24"),
        m.Subnet(name="new", address_prefix="10.0.3.0/24"),
    )
    got = {s.name: s.default_outbound_access for s in put(net, both).subnets}
    assert got == {"be": False, "fe": None, "new": None}
