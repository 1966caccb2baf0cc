"""Network security groups through the real azure-mgmt-network client: Azure's shapes (the six
default rules of NetworkSecurityGroupCreate.json, rules as child resources), the back-references
subnets and NICs keep in step, and Azure's refusals with Azure's codes (rules/catalog.py names
the source of each)."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import models as m
from localcloud_scenario import LOC, make_group, net_id, refused

from provisioner.localcloud.wire import Request

#: NetworkSecurityGroupCreate.json (REST spec 2025-07-01): name, priority, direction, access,
#: source, destination of each default rule, in Azure's order
DEFAULTS = [
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*"),
]


def rule(name: str = "http", priority: int = 100, **kw) -> m.SecurityRule:
    fields = {
        "protocol": "Tcp",
        "access": "Allow",
        "direction": "Inbound",
        "priority": priority,
        "source_port_range": "*",
        "destination_port_range": "80",
        "source_address_prefix": "Internet",
        "destination_address_prefix": "*",
        **kw,
    }
    return m.SecurityRule(name=name, **fields)


def make_nsg(net, name: str = "nsg", *rules: m.SecurityRule, location: str = LOC):
    body = m.NetworkSecurityGroup(location=location, security_rules=list(rules))
    return net.network_security_groups.begin_create_or_update("rg", name, body).result()


def vnet_body(subnets: dict[str, dict]) -> m.VirtualNetwork:
    return m.VirtualNetwork(
        location=LOC,
        address_space=m.AddressSpace(address_prefixes=["10.0.0.0/16"]),
        subnets=[m.Subnet(name=n, **kw) for n, kw in subnets.items()],
    )


def make_vnet(net, subnets: dict[str, dict], name: str = "vnet"):
    return net.virtual_networks.begin_create_or_update("rg", name, vnet_body(subnets)).result()


@pytest.fixture
def net(clients):
    make_group(clients, "rg")
    return clients.network


def test_a_new_nsg_carries_azures_six_default_rules(net):
    nsg = make_nsg(net)
    got = [
        (
            r.name,
            r.priority,
            r.direction,
            r.access,
            r.source_address_prefix,
            r.destination_address_prefix,
        )
        for r in nsg.default_security_rules
    ]
    assert got == DEFAULTS
    for r in nsg.default_security_rules:
        assert r.id == f"{nsg.id}/defaultSecurityRules/{r.name}"
        assert r.type == "Microsoft.Network/networkSecurityGroups/defaultSecurityRules"
        assert (r.protocol, r.source_port_range, r.destination_port_range) == ("*", "*", "*")
        assert r.etag == nsg.etag
    assert nsg.security_rules == []
    assert nsg.flush_connection is False


def test_rules_echo_azures_casing_and_empty_lists(net):
    nsg = make_nsg(net, "nsg", rule(protocol="tcp", access="allow", direction="inbound"))
    r = nsg.security_rules[0]
    assert (r.protocol, r.access, r.direction) == ("Tcp", "Allow", "Inbound")
    assert r.type == "Microsoft.Network/networkSecurityGroups/securityRules"
    assert r.source_port_ranges == r.destination_address_prefixes == []


def test_security_rules_are_child_resources_put_get_list_delete(net):
    make_nsg(net, "nsg", rule("http", 100))
    ssh = rule("ssh", 110, destination_port_range="22", source_address_prefix="10.0.0.0/8")
    created = net.security_rules.begin_create_or_update("rg", "nsg", "ssh", ssh).result()
    assert created.id.endswith("/networkSecurityGroups/nsg/securityRules/ssh")
    assert net.security_rules.get("rg", "nsg", "ssh").destination_port_range == "22"
    assert [r.name for r in net.security_rules.list("rg", "nsg")] == ["http", "ssh"]
    net.security_rules.begin_delete("rg", "nsg", "ssh").result()
    assert [r.name for r in net.security_rules.list("rg", "nsg")] == ["http"]
    with pytest.raises(ResourceNotFoundError):
        net.security_rules.get("rg", "nsg", "ssh")


def test_default_rules_are_read_only_child_resources(net, clients):
    make_nsg(net)
    names = [r.name for r in net.default_security_rules.list("rg", "nsg")]
    assert names == [d[0] for d in DEFAULTS]
    assert net.default_security_rules.get("rg", "nsg", "DenyAllInBound").priority == 65500
    path = net_id("rg", "networkSecurityGroups", "nsg") + "/defaultSecurityRules/DenyAllInBound"
    req = Request.build(
        "PUT", path + "?api-version=2024-05-01", {}, b'{"properties": {}}', "https://x", "inprocess"
    )
    assert clients.cloud.engine.handle(req).status == 405


def test_a_child_put_clashing_on_priority_and_direction_names_both_rules(net):
    make_nsg(net, "nsg", rule("http", 100))
    err = refused(
        lambda: net.security_rules.begin_create_or_update("rg", "nsg", "ssh", rule("ssh", 100))
    )
    assert err.error.code == "SecurityRuleConflict"
    assert err.error.message == (
        "Security rule http conflicts with rule ssh. Rules cannot have the same Priority and "
        "Direction."
    )


def test_the_same_priority_in_the_other_direction_is_accepted(net):
    nsg = make_nsg(net, "nsg", rule("in", 100), rule("out", 100, direction="Outbound"))
    assert [r.priority for r in nsg.security_rules] == [100, 100]


INVALID_RULES = {
    "SecurityRuleInvalidPriority": rule(priority=99),
    "SecurityRuleInvalidPortRange": rule(destination_port_range="80,443"),
    "SecurityRuleInvalidAddressPrefix": rule(source_address_prefix="10.1.2.3/16"),
    "SecurityRuleParameterContainsUnsupportedValue": rule(
        source_address_prefix=None, source_address_prefixes=["Internet"]
    ),
    "SecurityRuleInvalidProtocol": rule(protocol="Gre"),
    "SecurityRuleParametersMissing": rule(source_address_prefix=None),
    "LocalCloudSecurityRuleInvalidAccess": rule(access="Permit"),
    "LocalCloudSecurityRuleInvalidDirection": rule(direction="Both"),
}


@pytest.mark.parametrize("code", sorted(INVALID_RULES))
def test_an_invalid_rule_is_refused_with_azures_code(net, code):
    body = m.NetworkSecurityGroup(location=LOC, security_rules=[INVALID_RULES[code]])
    err = refused(lambda: net.network_security_groups.begin_create_or_update("rg", "nsg", body))
    assert err.error.code == code


def test_a_missing_priority_is_reported_as_priority_zero(net):
    body = m.NetworkSecurityGroup(location=LOC, security_rules=[rule(priority=None)])
    err = refused(lambda: net.network_security_groups.begin_create_or_update("rg", "nsg", body))
    assert err.error.message == (
        "Security rule has invalid Priority. Value provided: 0 Allowed range 100-4096."
    )


def test_service_tags_addresses_and_prefix_lists_are_accepted(net):
    nsg = make_nsg(
        net,
        "nsg",
        rule("tag", 100, source_address_prefix="Storage.WestEurope"),
        rule("ip", 110, source_address_prefix="203.0.113.7", destination_port_range="1000-2000"),
        rule(
            "list",
            120,
            source_address_prefix=None,
            source_address_prefixes=["10.0.0.0/8", "2001:db8::/32"],
            destination_port_range=None,
            destination_port_ranges=["80", "443"],
        ),
    )
    assert [r.name for r in nsg.security_rules] == ["tag", "ip", "list"]


def test_a_subnet_and_a_nic_that_attach_an_nsg_are_listed_on_it_and_leave_it(net):
    nsg = make_nsg(net)
    vnet = make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24", "network_security_group": nsg}})
    assert vnet.subnets[0].network_security_group.id == nsg.id
    nic = net.network_interfaces.begin_create_or_update(
        "rg",
        "nic1",
        m.NetworkInterface(
            location=LOC,
            network_security_group=m.NetworkSecurityGroup(id=nsg.id),
            ip_configurations=[
                m.NetworkInterfaceIPConfiguration(
                    name="ip1", subnet=m.Subnet(id=vnet.subnets[0].id)
                )
            ],
        ),
    ).result()
    seen = net.network_security_groups.get("rg", "nsg")
    assert [s.id for s in seen.subnets] == [vnet.subnets[0].id]
    assert [n.id for n in seen.network_interfaces] == [nic.id]
    nic.network_security_group = None
    net.network_interfaces.begin_create_or_update("rg", "nic1", nic).result()
    make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24"}})
    seen = net.network_security_groups.get("rg", "nsg")
    assert seen.subnets is None and seen.network_interfaces is None


def test_a_subnet_child_put_attaches_and_detaches_an_nsg(net):
    nsg = make_nsg(net)
    make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24"}})
    subnet = m.Subnet(address_prefix="10.0.2.0/24", network_security_group=nsg)
    added = net.subnets.begin_create_or_update("rg", "vnet", "fe", subnet).result()
    assert [s.id for s in net.network_security_groups.get("rg", "nsg").subnets] == [added.id]
    net.subnets.begin_delete("rg", "vnet", "fe").result()
    assert net.network_security_groups.get("rg", "nsg").subnets is None


def test_an_nsg_in_use_cannot_be_deleted_until_it_is_detached(net):
    nsg = make_nsg(net)
    vnet = make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24", "network_security_group": nsg}})
    err = refused(lambda: net.network_security_groups.begin_delete("rg", "nsg"))
    assert err.error.code == "InUseNetworkSecurityGroupCannotBeDeleted"
    assert err.error.message == (
        f"Network security group {nsg.id} cannot be deleted because it is in use by the "
        f"following resources: {vnet.subnets[0].id}."
    )
    make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24"}})
    net.network_security_groups.begin_delete("rg", "nsg").result()


def test_a_subnet_naming_a_missing_nsg_is_refused_as_azure_refuses_it(net):
    missing = net_id("rg", "networkSecurityGroups", "nope")
    body = vnet_body(
        {"be": {"address_prefix": "10.0.1.0/24", "network_security_group": {"id": missing}}}
    )
    err = refused(lambda: net.virtual_networks.begin_create_or_update("rg", "vnet", body))
    assert err.error.code == "InvalidResourceReference"
    assert err.error.message.startswith(
        f"Resource {missing} referenced by resource "
        f"{net_id('rg', 'virtualNetworks', 'vnet')}/subnets/be was not found."
    )
    assert [(d.code, d.message) for d in err.error.details] == [
        ("NotFound", f"Resource {missing} not found.")
    ]


def test_a_nic_naming_a_missing_or_foreign_region_nsg_is_refused(net):
    vnet = make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24"}})
    make_nsg(net, "far", location="eastus")
    for name in ("nope", "far"):
        nsg_id = net_id("rg", "networkSecurityGroups", name)
        body = m.NetworkInterface(
            location=LOC,
            network_security_group=m.NetworkSecurityGroup(id=nsg_id),
            ip_configurations=[
                m.NetworkInterfaceIPConfiguration(
                    name="ip1", subnet=m.Subnet(id=vnet.subnets[0].id)
                )
            ],
        )
        err = refused(lambda b=body: net.network_interfaces.begin_create_or_update("rg", "n", b))
        assert err.error.code == "InvalidResourceReference"


def test_the_gateway_subnet_takes_no_nsg(net):
    nsg = make_nsg(net)
    body = vnet_body(
        {"GatewaySubnet": {"address_prefix": "10.0.0.0/27", "network_security_group": nsg}}
    )
    err = refused(lambda: net.virtual_networks.begin_create_or_update("rg", "vnet", body))
    assert err.error.code == "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet"


def test_deleting_a_group_whose_nsg_a_foreign_subnet_uses_is_blocked(clients, net):
    nsg = make_nsg(net)
    make_group(clients, "other")
    clients.network.virtual_networks.begin_create_or_update(
        "other",
        "vnet",
        vnet_body({"be": {"address_prefix": "10.0.1.0/24", "network_security_group": nsg}}),
    ).result()
    poller = clients.resource.resource_groups.begin_delete("rg")
    with pytest.raises(HttpResponseError) as info:
        poller.result()
    assert info.value.error.code == "ResourceGroupDeletionBlocked"
    assert [d.code for d in info.value.error.details] == [
        "InUseNetworkSecurityGroupCannotBeDeleted"
    ]


def test_a_nic_scenario_nsg_reference_echoes_only_its_id(net):
    nsg = make_nsg(net)
    vnet = make_vnet(net, {"be": {"address_prefix": "10.0.1.0/24"}})
    nic = make_nic_with_nsg(net, vnet.subnets[0].id, nsg.id)
    assert nic.network_security_group.id == nsg.id
    assert nic.network_security_group.security_rules is None


def make_nic_with_nsg(net, subnet_id: str, nsg_id: str):
    body = {
        "location": LOC,
        "properties": {
            "networkSecurityGroup": {"id": nsg_id, "location": LOC, "properties": {}},
            "ipConfigurations": [{"name": "ip1", "properties": {"subnet": {"id": subnet_id}}}],
        },
    }
    return net.network_interfaces.begin_create_or_update("rg", "nic1", body).result()


def test_an_nsg_holds_1000_rules_and_the_1001st_is_refused_as_azure_refuses_it(net):
    rules = [rule(f"r{i}", 100 + i, destination_port_range=str(1000 + i)) for i in range(1000)]
    assert len(make_nsg(net, "nsg", *rules).security_rules) == 1000
    one_more = rule("r1000", 1100, destination_port_range="2000")
    err = refused(lambda: make_nsg(net, "nsg", *rules, one_more))
    assert err.error.code == "SecurityRuleCountLimitReached"
    assert err.error.message == "A security group cannot have more than 1000 security rules."
    child = refused(
        lambda: net.security_rules.begin_create_or_update("rg", "nsg", "r1000", one_more).result()
    )
    assert child.error.code == "SecurityRuleCountLimitReached"


def test_a_port_list_of_ports_and_ranges_is_accepted_and_echoed(net):
    ports = ["80-82", "443", "8000-8100"]
    nsg = make_nsg(net, "nsg", rule(destination_port_range=None, destination_port_ranges=ports))
    assert nsg.security_rules[0].destination_port_ranges == ports
