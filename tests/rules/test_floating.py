"""Floating IP for IPv6 does not work on internal load balancers (secondary IP configuration)."""

from rules_helpers import LB, errors, internal, only, rule_type_1

from provisioner.rules import codes


def _v6(doc, lb_type):
    doc["network"]["address_space"] = ["10.0.0.0/16", "fd00:db8::/48"]
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "ipv6_prefix": "fd00:db8::/64"}
    for vm in doc["vms"].values():
        vm["ipv6"] = True
    fe = {"ip_version": "ipv6"} | ({"subnet": "backend"} if lb_type == "internal" else {})
    lb = doc["load_balancers"]["ilb" if lb_type == "internal" else "lb"]
    lb["frontends"]["v6"] = fe
    lb["rules"]["v6"] = {
        "frontend": "v6",
        "port": 443,
        "pool": "app",
        "probe": "health",
        "floating_ip": True,
        "disable_outbound_snat": True,
    }
    return doc


def test_ipv6_floating_ip_on_an_internal_load_balancer_is_rejected():
    doc = _v6(internal(rule_type_1()), "internal")
    f = only(doc, codes.FIP_IPV6_INTERNAL)
    assert f.path == LB("rules", "v6", "floating_ip", lb="ilb")
    assert f.related == (LB("frontends", "v6", lb="ilb"),)


def test_ipv6_floating_ip_on_a_public_load_balancer_is_allowed():
    assert errors(_v6(rule_type_1(), "public")) == []


def test_ipv6_without_floating_ip_on_an_internal_load_balancer_is_allowed():
    doc = _v6(internal(rule_type_1()), "internal")
    doc["load_balancers"]["ilb"]["rules"]["v6"]["floating_ip"] = False
    assert errors(doc) == []
