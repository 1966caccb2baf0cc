"""Load balancer outbound rules through the real azure-mgmt-network client, checked as Azure
checks them (codes and sources in rules/catalog.py): a load balancing rule sharing a frontend
with an outbound rule must disable SNAT, one outbound rule per frontend and protocol, ports in
blocks of 8 and within what the frontends offer each pool member."""

from __future__ import annotations

import copy

import pytest
from localcloud_scenario import lb_body, make_group, make_pip, make_vnet, net_id, refused

LB = net_id("rg", "loadBalancers", "lb")


def outbound(name: str = "out", frontends=("green",), protocol: str = "All", ports=None) -> dict:
    props = {
        "protocol": protocol,
        "frontendIPConfigurations": [
            {"id": f"{LB}/frontendIPConfigurations/{f}"} for f in frontends
        ],
        "backendAddressPool": {"id": f"{LB}/backendAddressPools/app"},
    }
    if ports is not None:
        props["allocatedOutboundPorts"] = ports
    return {"name": name, "properties": props}


def body(pip_id: str, *rules: dict, snat_disabled: bool = True, extra_pip: str | None = None):
    doc = copy.deepcopy(lb_body(pip_id))
    doc["properties"]["loadBalancingRules"][0]["properties"]["disableOutboundSnat"] = snat_disabled
    if extra_pip:
        doc["properties"]["frontendIPConfigurations"].append(
            {"name": "blue", "properties": {"publicIPAddress": {"id": extra_pip}}}
        )
    doc["properties"]["outboundRules"] = list(rules)
    return doc


@pytest.fixture
def c(clients):
    make_group(clients, "rg")
    clients.pip = make_pip(clients, name="fe")
    return clients


def put_lb(c, doc):
    return lambda: c.network.load_balancers.begin_create_or_update("rg", "lb", doc)


def test_an_outbound_rule_with_snat_disabled_on_the_shared_rule_is_accepted(c):
    lb = put_lb(c, body(c.pip.id, outbound(ports=1024)))().result()
    assert lb.outbound_rules[0].allocated_outbound_ports == 1024
    assert [o.id for o in lb.frontend_ip_configurations[0].outbound_rules] == [
        lb.outbound_rules[0].id
    ]


def test_a_rule_sharing_the_outbound_frontend_must_disable_snat(c):
    err = refused(put_lb(c, body(c.pip.id, outbound(), snat_disabled=False)))
    assert err.error.code == (
        "LoadBalancingRuleMustDisableSNATSinceSameFrontendIPConfigurationIsReferencedByOutboundRule"
    )
    assert err.error.message == (
        f"Load Balancing Rules {LB}/loadBalancingRules/green-80 must have disableOutboundSNAT set "
        f"to true when same FrontendIPConfiguration {LB}/frontendIPConfigurations/green is "
        f"referenced by Outbound Rules {LB}/outboundRules/out."
    )


def test_a_rule_on_another_frontend_keeps_its_snat(c):
    blue = make_pip(c, name="blue")
    doc = body(c.pip.id, outbound(frontends=("blue",)), snat_disabled=False, extra_pip=blue.id)
    put_lb(c, doc)().result()


def test_two_outbound_rules_on_one_frontend_with_overlapping_protocols_are_refused(c):
    doc = body(c.pip.id, outbound("tcp", protocol="Tcp"), outbound("all", protocol="All"))
    err = refused(put_lb(c, doc))
    assert err.error.code == (
        "MoreThanOneOutboundRuleUsingSameFrontendIPConfigurationAndProtocolIsNotSupported"
    )


def test_tcp_and_udp_outbound_rules_may_share_a_frontend(c):
    doc = body(c.pip.id, outbound("tcp", protocol="Tcp"), outbound("udp", protocol="Udp"))
    assert len(put_lb(c, doc)().result().outbound_rules) == 2


@pytest.mark.parametrize(
    ("ports", "code"),
    [
        (1020, "SpecifiedAllocatedOutboundPortsForOutboundRuleIsNotAMultipleOfEight"),
        (
            64008,
            "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAllowedPortsPerRule",
        ),
    ],
)
def test_allocated_ports_come_in_blocks_of_eight_up_to_64000(c, ports, code):
    assert refused(put_lb(c, body(c.pip.id, outbound(ports=ports)))).error.code == code


def test_a_nic_joining_the_pool_beyond_the_frontends_ports_is_refused(c):
    vnet = make_vnet(c)
    lb = put_lb(c, body(c.pip.id, outbound(ports=32000)))().result()
    pool = lb.backend_address_pools[0].id
    subnet = vnet.subnets[0].id
    for name in ("nic1", "nic2"):  # 2 members × 32,000 ports fill one frontend's 64,000
        c.network.network_interfaces.begin_create_or_update(
            "rg", name, nic_body(subnet, pool)
        ).result()
    err = refused(
        lambda: c.network.network_interfaces.begin_create_or_update(
            "rg", "nic3", nic_body(subnet, pool)
        )
    )
    assert err.error.code == (
        "SpecifiedAllocatedOutboundPortsForOutboundRuleExceedsTotalNumberOfAvailablePorts"
    )
    assert "exceeds total number of available ports 21328." in err.error.message
    raised = body(c.pip.id, outbound(ports=32008))
    assert refused(put_lb(c, raised)).error.code == err.error.code


def test_a_secondary_ipconfig_cannot_join_a_pool_an_outbound_rule_uses(c):
    vnet = make_vnet(c)
    doc = body(c.pip.id, outbound())
    doc["properties"]["loadBalancingRules"][0]["properties"]["enableFloatingIP"] = False
    pool = put_lb(c, doc)().result().backend_address_pools[0].id
    subnet = vnet.subnets[0].id
    doc = nic_body(subnet, None)
    doc["properties"]["ipConfigurations"].append(
        {
            "name": "second",
            "properties": {
                "subnet": {"id": subnet},
                "primary": False,
                "loadBalancerBackendAddressPools": [{"id": pool}],
            },
        }
    )
    err = refused(lambda: c.network.network_interfaces.begin_create_or_update("rg", "n", doc))
    assert err.error.code == (
        "OutboundRuleCannotBeUsedWithBackendAddressPoolThatIsReferencedBySecondaryIpConfigs"
    )


def test_an_outbound_rule_needs_a_public_frontend_on_a_standard_load_balancer(c):
    c.cloud.set_basic_public_ip_quota(1)  # a subscription that kept one since Basic's retirement
    basic = body(c.pip.id, outbound())
    basic["sku"] = {"name": "Basic"}
    basic_pip = {"location": "westeurope", "sku": {"name": "Basic"}, "properties": {}}
    pip = c.network.public_ip_addresses.begin_create_or_update("rg", "b", basic_pip).result()
    basic["properties"]["frontendIPConfigurations"][0]["properties"]["publicIPAddress"]["id"] = (
        pip.id
    )
    assert refused(put_lb(c, basic)).error.code == "LocalCloudOutboundRuleNotValid"


def nic_body(subnet: str, pool: str | None) -> dict:
    props: dict = {"subnet": {"id": subnet}}
    if pool:
        props["loadBalancerBackendAddressPools"] = [{"id": pool}]
    return {
        "location": "westeurope",
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": props}]},
    }
