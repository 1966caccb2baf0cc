"""A load balancer PUT is refused exactly when Azure refuses it, with Azure's code."""

from __future__ import annotations

import pytest
from lc_rules_docs import Store, child, frontend, lb, nat, pip, rule, vnet

from provisioner.localcloud.rules import RuleViolation, check_load_balancer_put


def base_store(*extra) -> Store:
    return Store(
        vnet(), pip("pip1"), pip("pip2"), pip("basicpip", sku="Basic", method="Dynamic"), *extra
    )


def refused(doc, store=None) -> RuleViolation:
    with pytest.raises(RuleViolation) as info:
        check_load_balancer_put(doc, store or base_store())
    assert info.value.status == 400
    assert info.value.details == []
    return info.value


def accepted(doc, store=None) -> None:
    check_load_balancer_put(doc, store or base_store())


def public_lb(*rules_, frontends=("fe1",), pools=("pool1",), nats=()):
    fes = [frontend(name=f, pip_name=f"pip{i + 1}") for i, f in enumerate(frontends)]
    return lb(frontends=fes, pools=pools, rules=rules_, nats=nats)


def internal_lb(*rules_, frontends=("fe1",), pools=("pool1",), sku="Standard"):
    fes = [frontend(name=f, ip=f"10.0.1.{4 + i}") for i, f in enumerate(frontends)]
    return lb(frontends=fes, pools=pools, rules=rules_, sku=sku)


# --- schema ---------------------------------------------------------------------------------


def test_unknown_protocol_is_a_malformed_request():
    assert refused(internal_lb(rule(proto="Icmp"))).code == "InvalidRequestFormat"


def test_frontend_port_65535_is_refused_and_65534_accepted():
    assert refused(internal_lb(rule(fp=65535))).code == "LocalCloudInvalidRulePort"
    accepted(internal_lb(rule(fp=65534)))


def test_port_0_is_only_for_ha_ports():
    assert refused(internal_lb(rule(fp=0, bp=80))).code == "LocalCloudInvalidRulePort"
    assert refused(internal_lb(rule(proto="All", fp=80, bp=80))).code == "LocalCloudInvalidRulePort"
    accepted(internal_lb(rule(proto="All", fp=0, bp=0)))


def test_idle_timeout_must_be_4_to_100_minutes():
    assert refused(internal_lb(rule(idleTimeoutInMinutes=3))).code == "LocalCloudInvalidIdleTimeout"
    accepted(internal_lb(rule(idleTimeoutInMinutes=100)))


# --- structure and references ---------------------------------------------------------------


def test_lb_without_frontend_cannot_have_pools():
    doc = lb(frontends=[], pools=("pool1",))
    assert refused(doc).code == "LoadBalancerWithoutFrontendIPCantHaveChildResources"
    accepted(lb(frontends=[], pools=()))


def test_rule_referencing_a_missing_probe_names_both_ids():
    err = refused(internal_lb(rule(probe="nope")))
    assert err.code == "InvalidResourceReference"
    assert err.message.startswith(f"Resource {child('lb', 'probes', 'nope')} referenced by ")
    assert child("lb", "loadBalancingRules", "r1") in err.message


def test_frontend_referencing_a_missing_public_ip_is_refused():
    doc = lb(frontends=[frontend(pip_name="ghost")], rules=[rule()])
    assert refused(doc).code == "InvalidResourceReference"


def test_rule_referencing_a_missing_pool_is_refused():
    assert refused(internal_lb(rule(pool="other"))).code == "InvalidResourceReference"


def test_frontend_must_reference_exactly_one_of_subnet_and_public_ip():
    both = frontend(pip_name="pip1")
    both["properties"]["subnet"] = {"id": frontend()["properties"]["subnet"]["id"]}
    assert refused(lb(frontends=[both])).code == "FrontendIPConfigHasBothSubnetAndPublicIP"
    neither = frontend(subnet=None)
    assert refused(lb(frontends=[neither])).code == "FrontendIPConfigHasNoSubnetOrPublicIP"


def test_public_and_private_frontends_cannot_mix():
    doc = lb(frontends=[frontend(name="fe1", pip_name="pip1"), frontend(name="fe2")])
    assert refused(doc).code == "LocalCloudLoadBalancerFrontendTypesMixed"


def test_standard_lb_cannot_use_a_basic_public_ip():
    doc = lb(frontends=[frontend(pip_name="basicpip")])
    err = refused(doc)
    assert err.code == "PublicIPAndLBSkuDoNotMatch"
    assert err.message.startswith("Standard sku load balancer ")
    accepted(lb(frontends=[frontend(pip_name="pip1")]))


def test_one_public_ip_cannot_back_two_frontends():
    doc = lb(frontends=[frontend(name="a", pip_name="pip1"), frontend(name="b", pip_name="pip1")])
    assert refused(doc).code == "PublicIPReferencedByMultipleIPConfigs"


def test_public_ip_of_another_load_balancer_is_in_use():
    other = lb("other", frontends=[frontend("other", pip_name="pip1")])
    doc = lb(frontends=[frontend(pip_name="pip1")])
    assert refused(doc, base_store(other)).code == "PublicIPAddressInUse"
    accepted(lb(frontends=[frontend(pip_name="pip2")]), base_store(other))


def test_updating_an_lb_keeps_its_own_public_ip():
    doc = lb(frontends=[frontend(pip_name="pip1")])
    accepted(doc, base_store(doc))  # the engine passes the store without the doc; be lenient


def test_static_frontend_ip_in_azure_reserved_range_is_refused():
    doc = lb(frontends=[frontend(ip="10.0.1.3", static=True)])
    assert refused(doc).code == "PrivateIPAddressInReservedRange"
    doc = lb(frontends=[frontend(ip="10.0.9.9", static=True)])
    assert refused(doc).code == "PrivateIPAddressNotInSubnet"
    accepted(lb(frontends=[frontend(ip="10.0.1.10", static=True)]))


# --- U1: frontend (IP, protocol, port) unique -------------------------------------------------


def test_two_rules_on_the_same_frontend_protocol_and_port_are_refused():
    doc = public_lb(rule(name="a", bp=80), rule(name="b", bp=81))
    assert refused(doc).code == "LocalCloudRulesUseSameFrontendIPProtocolAndPort"


def test_same_port_with_another_protocol_or_frontend_is_fine():
    accepted(public_lb(rule(name="a"), rule(name="b", proto="Udp")))
    accepted(public_lb(rule(name="a"), rule(name="b", fe="fe2", bp=81), frontends=("fe1", "fe2")))


def test_nat_rule_cannot_reuse_a_load_balancing_rules_frontend_port():
    doc = public_lb(rule(fp=50001, bp=80), nats=[nat(fp=50001)])
    assert refused(doc).code == "LocalCloudRulesUseSameFrontendIPProtocolAndPort"


def test_nat_port_range_overlapping_a_rule_port_is_refused():
    ranged = nat(fp=None, frontendPortRangeStart=50000, frontendPortRangeEnd=50100)
    ranged["properties"]["backendAddressPool"] = {"id": child("lb", "backendAddressPools", "pool1")}
    assert refused(public_lb(rule(fp=50050), nats=[ranged])).code == (
        "LocalCloudRulesUseSameFrontendIPProtocolAndPort"
    )
    accepted(public_lb(rule(fp=443), nats=[ranged]))


# --- U2/U3: backend port per pool ------------------------------------------------------------


def test_rule_type_1_needs_distinct_backend_ports_on_one_pool():
    doc = public_lb(rule(name="a", fp=80, bp=80), rule(name="b", fp=8080, bp=80))
    err = refused(doc)
    assert err.code == "RulesUseSameBackendPortProtocolAndPool"
    assert "with floating IP disabled use the same protocol Tcp and backend port 80" in err.message


def test_rule_type_1_80_to_80_and_80_to_81_on_the_same_pool_is_fine():
    doc = public_lb(
        rule(name="green", fe="fe1", bp=80),
        rule(name="purple", fe="fe2", bp=81),
        frontends=("fe1", "fe2"),
    )
    accepted(doc)


def test_same_backend_port_on_different_pools_is_fine():
    doc = public_lb(
        rule(name="a", fp=80, bp=80, pool="p1"),
        rule(name="b", fp=81, bp=80, pool="p2"),
        pools=("p1", "p2"),
    )
    accepted(doc)


def test_two_floating_ip_rules_may_share_backend_port_80_when_their_frontends_differ():
    doc = public_lb(
        rule(name="green", fe="fe1", floating=True),
        rule(name="purple", fe="fe2", floating=True),
        frontends=("fe1", "fe2"),
    )
    accepted(doc)


def test_floating_ip_rules_on_one_frontend_and_pool_cannot_share_a_backend_port():
    doc = public_lb(rule(name="a", fp=80, floating=True), rule(name="b", fp=81, floating=True))
    assert refused(doc).code == (
        "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled"
    )


def test_floating_and_non_floating_rules_may_share_a_backend_port():
    accepted(public_lb(rule(name="a", fp=80), rule(name="b", fp=81, floating=True)))


# --- HA ports --------------------------------------------------------------------------------


def ha(name="ha", fe="fe1", pool="pool1", floating=False):
    return rule(name=name, fe=fe, pool=pool, proto="All", fp=0, bp=0, floating=floating)


def test_ha_ports_need_a_standard_internal_load_balancer():
    code = "LocalCloudHaPortsRuleRequiresStandardInternalLoadBalancer"
    assert refused(public_lb(ha())).code == code
    assert refused(internal_lb(ha(), sku="Basic")).code == code
    accepted(internal_lb(ha()))


def test_two_non_floating_ha_rules_on_one_pool_report_azures_pool_code():
    doc = internal_lb(ha("a", fe="fe1"), ha("b", fe="fe2"), frontends=("fe1", "fe2"))
    err = refused(doc)
    assert err.code == "RulesUseSameBackendPortProtocolAndPool"
    assert "protocol All and backend port 0" in err.message


def test_two_floating_ha_rules_on_one_frontend_and_pool_report_azures_floating_code():
    doc = internal_lb(ha("a", floating=True), ha("b", floating=True))
    assert refused(doc).code == (
        "RulesUseSameBackendPortProtocolAndPoolAndFrontendIPWithFloatingIPEnabled"
    )


def test_floating_ha_rules_on_different_frontends_share_a_pool():
    doc = internal_lb(
        ha("a", fe="fe1", floating=True),
        ha("b", fe="fe2", floating=True),
        frontends=("fe1", "fe2"),
    )
    accepted(doc)


def test_a_frontend_has_one_ha_ports_rule():
    doc = internal_lb(ha("a", pool="p1"), ha("b", pool="p2"), pools=("p1", "p2"))
    assert refused(doc).code == "LocalCloudMoreThanOneHaPortsRuleOnFrontend"


def test_ha_and_non_ha_rules_cannot_share_a_pool():
    doc = internal_lb(ha("a", fe="fe1"), rule(name="b", fe="fe2"), frontends=("fe1", "fe2"))
    assert refused(doc).code == "LocalCloudHaPortsAndOtherRulesOnSamePool"


def test_ipv6_floating_ip_on_an_internal_load_balancer_is_refused():
    dual_stack = base_store(
        vnet(space=("10.0.0.0/16", "fd00::/48"), subnets={"fe": ("10.0.1.0/24", "fd00::/64")})
    )
    doc = lb(frontends=[frontend(ip="fd00::4", v6=True)], rules=[rule(floating=True)])
    assert refused(doc, dual_stack).code == (
        "LocalCloudFloatingIPNotSupportedForIPv6OnInternalLoadBalancer"
    )
    accepted(lb(frontends=[frontend(ip="fd00::4", v6=True)], rules=[rule()]), dual_stack)


# --- limits ----------------------------------------------------------------------------------


def many_frontends(n: int) -> list[dict]:
    return [frontend(name=f"fe{i}", ip=f"10.0.{1 + i // 250}.{4 + i % 250}") for i in range(n)]


def roomy_store() -> Store:
    """A frontend subnet that holds 600 addresses (a /24 holds 251)."""
    return base_store(vnet(subnets={"fe": "10.0.0.0/22", "be": "10.0.8.0/24"}))


def test_a_standard_lb_has_at_most_600_frontends():
    err = refused(lb(frontends=many_frontends(601), pools=()))
    assert err.code == "LoadBalancerFrontendIPConfigurationCountLimitReached"
    assert err.message == "A load balancer cannot have more than 600 FrontendIPConfigurations."
    accepted(lb(frontends=many_frontends(600), pools=()), roomy_store())


def test_a_standard_lb_has_at_most_1500_rules_including_nat_rules():
    rules_ = [rule(name=f"r{i}", fp=1000 + i, bp=1000 + i) for i in range(1400)]
    nats = [nat(name=f"n{i}", fp=20000 + i) for i in range(101)]
    err = refused(lb(rules=rules_, nats=nats))
    assert err.code == "LocalCloudLoadBalancerRuleCountLimitReached"


def test_600_frontends_and_1500_rules_are_checked_in_one_pass():
    frontends = many_frontends(600)
    rules_ = [
        rule(name=f"r{i}", fe=f"fe{i % 600}", fp=80 + i // 600, bp=80 + i // 600, floating=True)
        for i in range(1500)
    ]
    accepted(lb(frontends=frontends, rules=rules_), roomy_store())
