"""A NIC PUT is refused when the rules reaching one of its IP configurations clash."""

from __future__ import annotations

import pytest
from lc_rules_docs import (
    Store,
    child,
    frontend,
    ipconfig,
    lb,
    nat,
    nic,
    pip,
    rule,
    subnet_id,
    vnet,
    with_users,
)

from provisioner.localcloud.rules import (
    RuleViolation,
    check_load_balancer_put,
    check_network_interface_put,
)

POOL = child("lb", "backendAddressPools", "pool1")


def refused(doc, store) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        check_network_interface_put(doc, store)
    assert info.value.status == 400
    return info.value


def internal(name, *rules_, fe_ip="10.0.1.4", nats=()):
    return lb(name, frontends=[frontend(name, ip=fe_ip)], rules=rules_, nats=nats)


def member(*pools, nats=(), name="nic1", primary=True, second=False):
    configs = [ipconfig(name, pools=pools, nats=nats, primary=primary)]
    if second:
        configs.insert(0, ipconfig(name, "main", ip="10.0.2.9", primary=True))
    return nic(name, configs)


def test_joining_a_pool_that_does_not_exist_is_refused():
    err = refused(member(POOL), Store(vnet()))
    assert err.code == "InvalidResourceReference"
    assert f"Resource {POOL} referenced by resource" in err.message


def test_two_nat_rules_on_one_ipconfig_cannot_share_a_backend_port():
    balancer = internal("lb", nats=[nat(name="rdp0", fp=50001), nat(name="rdp1", fp=50002)])
    nats = (child("lb", "inboundNatRules", "rdp0"), child("lb", "inboundNatRules", "rdp1"))
    err = refused(member(nats=nats), Store(vnet(), balancer))
    assert err.code == "RulesUseSameBackendPortProtocolAndIPConfig"
    assert (
        "with floating IP disabled use the same backend port 3389 and protocol Tcp" in err.message
    )
    assert err.message.endswith(f"backend IP {nic('nic1')['id']}/ipConfigurations/ipconfig1.")


def test_a_pool_rule_and_a_nat_rule_on_different_backend_ports_are_fine():
    balancer = internal("lb", rule(bp=80), nats=[nat(fp=50001, bp=22)])
    check_network_interface_put(
        member(POOL, nats=(child("lb", "inboundNatRules", "nat1"),)), Store(vnet(), balancer)
    )


def test_two_internal_load_balancers_cannot_reach_one_ipconfig_on_the_same_port():
    a, b = internal("a", rule("a"), fe_ip="10.0.1.4"), internal("b", rule("b"), fe_ip="10.0.1.5")
    pools = (child("a", "backendAddressPools", "pool1"), child("b", "backendAddressPools", "pool1"))
    err = refused(member(*pools), Store(vnet(), a, b))
    assert err.code == "RulesOfSameLoadBalancerTypeUseSameBackendPortProtocolAndIPConfig"


def test_a_public_and_an_internal_load_balancer_may_share_a_backend_port():
    public = lb("pub", frontends=[frontend("pub", pip_name="pip1")], rules=[rule("pub")])
    private = internal("int", rule("int"))
    pools = (
        child("pub", "backendAddressPools", "pool1"),
        child("int", "backendAddressPools", "pool1"),
    )
    check_network_interface_put(member(*pools), Store(vnet(), pip("pip1"), public, private))


def test_floating_ip_rules_of_two_load_balancers_may_share_backend_port_80():
    a = internal("a", rule("a", floating=True), fe_ip="10.0.1.4")
    b = internal("b", rule("b", floating=True), fe_ip="10.0.1.5")
    pools = (child("a", "backendAddressPools", "pool1"), child("b", "backendAddressPools", "pool1"))
    check_network_interface_put(member(*pools), Store(vnet(), a, b))


def test_floating_ip_on_a_secondary_ipconfig_is_refused():
    balancer = internal("lb", rule(floating=True))
    doc = member(POOL, primary=False, second=True)
    err = refused(doc, Store(vnet(), balancer))
    assert err.code == "LocalCloudFloatingIPNotSupportedOnSecondaryIPConfig"
    check_network_interface_put(member(POOL), Store(vnet(), balancer))


def test_non_floating_ha_ports_rule_must_be_alone_on_its_ipconfig():
    ha = internal("ha", rule("ha", proto="All", fp=0, bp=0), fe_ip="10.0.1.4")
    web = internal("web", rule("web", bp=443), fe_ip="10.0.1.5")
    pools = (
        child("ha", "backendAddressPools", "pool1"),
        child("web", "backendAddressPools", "pool1"),
    )
    err = refused(member(*pools), Store(vnet(), ha, web))
    assert err.code == "LocalCloudHaPortsRuleWithFloatingIPDisabledMustBeOnlyRule"


def test_a_nic_reaches_at_most_300_rules():
    def balancer(count):
        rules_ = [rule(name=f"r{i}", fp=1000 + i, bp=1000 + i) for i in range(count)]
        return lb(frontends=[frontend()], rules=rules_)

    err = refused(member(POOL), Store(vnet(), balancer(301)))
    assert err.code == "LoadBalancerRuleCountLimitReachedForNic"
    assert "cannot have more than 300 NAT or load balancing rules combined" in err.message
    check_network_interface_put(member(POOL), Store(vnet(), balancer(300)))


def test_static_private_ip_must_be_inside_the_subnet_and_not_reserved_or_taken():
    store = Store(vnet(), nic("other", [ipconfig("other", ip="10.0.2.10", static=True)]))

    def with_ip(ip):
        return nic("nic1", [ipconfig("nic1", ip=ip, static=True)])

    assert refused(with_ip("10.0.3.10"), store).code == "PrivateIPAddressNotInSubnet"
    assert refused(with_ip("10.0.2.1"), store).code == "PrivateIPAddressInReservedRange"
    assert refused(with_ip("10.0.2.255"), store).code == "PrivateIPAddressInReservedRange"
    err = refused(with_ip("10.0.2.10"), store)
    assert err.code == "PrivateIPAddressIsAllocated"
    assert err.message.endswith(
        f"already allocated to resource {nic('other')['id']}/ipConfigurations/ipconfig1."
    )
    check_network_interface_put(with_ip("10.0.2.11"), store)


DUAL_STACK = {"be": ("10.0.2.0/24", "fd00:0:0:2::/64")}


def test_a_static_ip_configuration_names_its_address():
    doc = nic("nic1", [ipconfig("nic1", static=True)])
    del doc["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    err = refused(doc, Store(vnet()))
    assert err.code == "PrivateIPAddressMissing"
    assert err.message == (
        "Private IP address is required when privateIPAllocationMethod is Static in IP "
        f"configuration {nic('nic1')['id']}/ipConfigurations/ipconfig1."
    )


def test_an_ipv6_configuration_needs_an_ipv6_prefix_on_its_subnet():
    doc = nic("nic1", [ipconfig("nic1", v6=True)])
    err = refused(doc, Store(vnet()))
    assert err.code == "LocalCloudSubnetDoesNotHaveAddressPrefixForIpVersion"
    check_network_interface_put(doc, Store(vnet(subnets=DUAL_STACK)))


def test_a_static_address_belongs_to_the_prefix_of_its_own_version():
    doc = nic("nic1", [ipconfig("nic1", ip="10.0.2.10", static=True, v6=True)])
    err = refused(doc, Store(vnet(subnets=DUAL_STACK)))
    assert err.code == "PrivateIPAddressNotInSubnet"
    assert err.message == (
        "Private static IP address 10.0.2.10 does not belong to the range of subnet prefix "
        "fd00:0:0:2::/64."
    )


def test_a_subnet_is_full_when_it_cannot_hold_every_address_a_request_takes():
    # a /29 hands out three addresses: .4, .5 and .6
    holders = [nic(f"n{i}", [ipconfig(f"n{i}", ip=f"10.0.2.{4 + i}")]) for i in range(2)]
    store = Store(with_users(vnet(subnets={"be": "10.0.2.0/29"}), *holders), *holders)
    check_network_interface_put(nic("nic1"), store)
    two = nic("nic1", [ipconfig("nic1"), ipconfig("nic1", "ipconfig2", primary=False)])
    err = refused(two, store)
    assert err.code == "SubnetIsFull"
    assert err.message == (
        f"Subnet {subnet_id('be')} with address prefix 10.0.2.0/29 does not have enough capacity "
        "for 2 IP addresses."
    )


def test_a_public_ip_held_by_a_load_balancer_cannot_join_a_nic():
    public = lb("pub", frontends=[frontend("pub", pip_name="pip1")])
    doc = nic("nic1", [ipconfig("nic1", pip_name="pip1")])
    assert refused(doc, Store(vnet(), pip("pip1"), public)).code == "PublicIPAddressInUse"


def test_lb_put_that_creates_a_clash_on_a_member_nic_is_refused():
    balancer = internal("lb", rule(bp=80))
    member_nic = member(POOL, nats=(child("lb", "inboundNatRules", "nat1"),))
    store = Store(vnet(), member_nic)
    with pytest.raises(RuleViolation) as info:
        check_load_balancer_put(internal("lb", rule(bp=80), nats=[nat(bp=80)]), store)
    assert info.value.code == "RulesUseSameBackendPortProtocolAndIPConfig"
    check_load_balancer_put(balancer, Store(vnet(), member(POOL)))
