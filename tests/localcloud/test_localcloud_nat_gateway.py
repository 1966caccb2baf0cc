"""NAT gateways through the real azure-mgmt-network client: Standard SKU, public IPs and
prefixes, idle timeout, zones, the subnets that attach one, and Azure's refusals (sources in
rules/catalog.py). A subnet holds a single ``natGateway`` reference, so "a second NAT gateway on
a subnet" cannot be sent at all; the refusal Azure does make is one NAT gateway serving two
virtual networks."""

from __future__ import annotations

import pytest
from azure.mgmt.network import models as m
from localcloud_scenario import LOC, lb_body, make_group, make_pip, net_id, refused


def nat_body(*pips, prefixes=(), zones=None, **kw) -> m.NatGateway:
    return m.NatGateway(
        location=LOC,
        sku=m.NatGatewaySku(name="Standard"),
        public_ip_addresses=[m.SubResource(id=p.id) for p in pips],
        public_ip_prefixes=[m.SubResource(id=p.id) for p in prefixes] or None,
        zones=zones,
        **kw,
    )


def make_nat(net, *pips, name: str = "nat", **kw):
    return net.nat_gateways.begin_create_or_update("rg", name, nat_body(*pips, **kw)).result()


def vnet_body(nat_id: str | None, prefix: str = "10.0.0.0/16") -> m.VirtualNetwork:
    subnet = m.Subnet(
        name="be",
        address_prefix=prefix.replace("0.0/16", "1.0/24"),
        nat_gateway=m.SubResource(id=nat_id) if nat_id else None,
    )
    return m.VirtualNetwork(
        location=LOC, address_space=m.AddressSpace(address_prefixes=[prefix]), subnets=[subnet]
    )


@pytest.fixture
def c(clients):
    make_group(clients, "rg")
    return clients


def test_a_nat_gateway_echoes_sku_timeout_and_public_ips_and_the_ip_names_it_back(c):
    pip = make_pip(c, name="out")
    nat = make_nat(c.network, pip)
    assert (nat.sku.name, nat.idle_timeout_in_minutes) == ("Standard", 4)
    assert [p.id for p in nat.public_ip_addresses] == [pip.id]
    assert nat.subnets is None
    assert c.network.public_ip_addresses.get("rg", "out").nat_gateway.id == nat.id


def test_a_subnet_attaching_a_nat_gateway_is_listed_on_it(c):
    nat = make_nat(c.network, make_pip(c, name="out"))
    vnet = c.network.virtual_networks.begin_create_or_update(
        "rg", "vnet", vnet_body(nat.id)
    ).result()
    assert vnet.subnets[0].nat_gateway.id == nat.id
    assert [s.id for s in c.network.nat_gateways.get("rg", "nat").subnets] == [vnet.subnets[0].id]
    c.network.virtual_networks.begin_create_or_update("rg", "vnet", vnet_body(None)).result()
    assert c.network.nat_gateways.get("rg", "nat").subnets is None


def test_a_nat_gateway_in_use_cannot_be_deleted_nor_its_public_ip(c):
    pip = make_pip(c, name="out")
    nat = make_nat(c.network, pip)
    vnet = c.network.virtual_networks.begin_create_or_update(
        "rg", "vnet", vnet_body(nat.id)
    ).result()
    err = refused(lambda: c.network.nat_gateways.begin_delete("rg", "nat"))
    assert err.error.code == "InUseNatGatewayCannotBeDeleted"
    assert vnet.subnets[0].id in err.error.message
    err = refused(lambda: c.network.public_ip_addresses.begin_delete("rg", "out"))
    assert err.error.code == "PublicIPAddressCannotBeDeleted"
    assert nat.id in err.error.message
    c.network.virtual_networks.begin_create_or_update("rg", "vnet", vnet_body(None)).result()
    c.network.nat_gateways.begin_delete("rg", "nat").result()
    c.network.public_ip_addresses.begin_delete("rg", "out").result()


def test_one_nat_gateway_cannot_serve_two_virtual_networks(c):
    nat = make_nat(c.network, make_pip(c, name="out"))
    first = c.network.virtual_networks.begin_create_or_update("rg", "a", vnet_body(nat.id)).result()
    second = vnet_body(nat.id, "10.1.0.0/16")
    err = refused(lambda: c.network.virtual_networks.begin_create_or_update("rg", "b", second))
    assert err.error.code == "NatGatewayCannotBeUsedBySubnetsBelongingToDifferentVirtualNetworks"
    assert first.id in err.error.message
    assert err.error.message.endswith(f"virtual network{net_id('rg', 'virtualNetworks', 'b')}.")


def test_a_subnet_naming_a_missing_nat_gateway_is_refused(c):
    missing = net_id("rg", "natGateways", "nope")
    err = refused(
        lambda: c.network.virtual_networks.begin_create_or_update("rg", "v", vnet_body(missing))
    )
    assert err.error.code == "InvalidResourceReference"
    assert [d.code for d in err.error.details] == ["NotFound"]


def test_a_basic_public_ip_is_refused(c):
    c.cloud.set_basic_public_ip_quota(1)  # a subscription that kept one since Basic's retirement
    basic_body = {"location": LOC, "sku": {"name": "Basic"}, "properties": {}}
    basic = c.network.public_ip_addresses.begin_create_or_update("rg", "basic", basic_body).result()
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "n", nat_body(basic)))
    assert err.error.code == "LocalCloudNatGatewayCannotUseBasicSkuPublicIPAddress"


def test_a_public_ip_a_load_balancer_holds_is_in_use(c):
    pip = make_pip(c, name="fe")
    c.network.load_balancers.begin_create_or_update("rg", "lb", lb_body(pip.id)).result()
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "n", nat_body(pip)))
    assert err.error.code == "PublicIPAddressInUse"


def test_a_public_ip_a_nat_gateway_holds_cannot_go_to_a_load_balancer(c):
    pip = make_pip(c, name="out")
    make_nat(c.network, pip)
    err = refused(
        lambda: c.network.load_balancers.begin_create_or_update("rg", "lb", lb_body(pip.id))
    )
    assert err.error.code == "PublicIPAddressInUse"


@pytest.mark.parametrize("minutes", [3, 121])
def test_an_idle_timeout_outside_4_to_120_minutes_is_refused(c, minutes):
    pip = make_pip(c, name="out")
    body = nat_body(pip, idle_timeout_in_minutes=minutes)
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "n", body))
    assert err.error.code == "LocalCloudNatGatewayInvalidIdleTimeout"


def test_a_zonal_nat_gateway_takes_public_ips_of_its_zone_or_zone_redundant_ones(c):
    same = c.network.public_ip_addresses.begin_create_or_update(
        "rg", "z1", {"location": LOC, "sku": {"name": "Standard"}, "zones": ["1"], "properties": {}}
    ).result()
    redundant = c.network.public_ip_addresses.begin_create_or_update(
        "rg",
        "zr",
        {"location": LOC, "sku": {"name": "Standard"}, "zones": ["1", "2", "3"], "properties": {}},
    ).result()
    nat = make_nat(c.network, same, redundant, zones=["1"])
    assert nat.zones == ["1"]
    other = c.network.public_ip_addresses.begin_create_or_update(
        "rg", "z2", {"location": LOC, "sku": {"name": "Standard"}, "zones": ["2"], "properties": {}}
    ).result()
    body = nat_body(other, zones=["1"])
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "n2", body))
    assert err.error.code == "LocalCloudNatGatewayZoneNotValid"
    spread = nat_body(make_pip(c, name="p"), zones=["1", "2"])
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "n3", spread))
    assert err.error.code == "LocalCloudNatGatewayZoneNotValid"


def test_public_ip_prefixes_count_towards_sixteen_addresses_and_name_it_back(c):
    prefix = c.network.public_ip_prefixes.begin_create_or_update(
        "rg", "px", m.PublicIPPrefix(location=LOC, prefix_length=28)
    ).result()
    assert (prefix.sku.name, prefix.public_ip_address_version) == ("Standard", "IPv4")
    nat = make_nat(c.network, prefixes=[prefix])
    assert c.network.public_ip_prefixes.get("rg", "px").nat_gateway.id == nat.id
    body = nat_body(make_pip(c, name="one-more"), prefixes=[prefix])
    err = refused(lambda: c.network.nat_gateways.begin_create_or_update("rg", "nat", body))
    assert err.error.code == "LocalCloudNatGatewayPublicIPAddressLimitReached"
    err = refused(lambda: c.network.public_ip_prefixes.begin_delete("rg", "px"))
    assert err.error.code == "LocalCloudPublicIPPrefixInUse"
