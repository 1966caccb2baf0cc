"""Subnets inside the VNet and apart; static IPs inside their subnet, unreserved, unshared."""

import pytest
from rules_helpers import LB, errors, internal, only, rule_type_1, rules

from provisioner.rules import codes


def test_a_subnet_must_lie_inside_the_address_space():
    doc = rule_type_1()
    doc["network"]["subnets"]["backend"] = "10.1.1.0/24"
    f = only(doc, codes.SUBNET_OUTSIDE_VNET)
    assert f.path == ("network", "subnets", "backend", "prefix")
    assert f.related == (("network", "address_space"),)


def test_subnets_may_not_overlap():
    doc = rule_type_1()
    doc["network"]["subnets"]["wide"] = "10.0.0.0/23"
    doc["network"]["subnets"]["other"] = "10.0.2.0/24"
    f = only(doc, codes.SUBNETS_OVERLAP)
    assert f.path == ("network", "subnets", "backend", "prefix")
    assert f.related == (("network", "subnets", "wide", "prefix"),)


def test_adjacent_subnets_are_fine():
    doc = rule_type_1()
    doc["network"]["subnets"]["other"] = "10.0.2.0/24"
    doc["network"]["subnets"]["third"] = "10.0.0.0/24"
    assert errors(doc) == []


def test_a_static_vm_ip_must_be_inside_its_subnet():
    doc = rule_type_1()
    doc["vms"]["vm1"]["private_ip"] = "10.0.2.10"
    f = only(doc, codes.IP_NOT_IN_SUBNET)
    assert f.path == ("vms", "vm1", "private_ip")
    assert f.related == (("network", "subnets", "backend"),)


@pytest.mark.parametrize("addr", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"])
def test_azures_five_reserved_addresses_cannot_be_static(addr):
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["frontends"]["fe"]["private_ip"] = addr
    f = only(doc, codes.IP_RESERVED)
    assert f.path == LB("frontends", "fe", "private_ip", lb="ilb")


def test_the_first_assignable_address_is_dot_4():
    doc = rule_type_1()
    doc["vms"]["vm1"]["private_ip"] = "10.0.1.4"
    doc["vms"]["vm2"]["private_ip"] = "10.0.1.254"
    assert errors(doc) == []


def test_a_vm_and_a_frontend_may_not_share_a_static_ip():
    doc = internal(rule_type_1())
    doc["vms"]["vm2"]["private_ip"] = "10.0.1.100"
    f = only(doc, codes.IP_ALLOCATED)
    assert f.path == LB("frontends", "fe", "private_ip", lb="ilb")
    assert f.related == (("vms", "vm2", "private_ip"),)


def test_counted_vms_cannot_share_one_static_ip():
    doc = rule_type_1()
    doc["vms"]["vm1"].update(count=2, private_ip="10.0.1.10")
    doc["load_balancers"]["lb"]["pools"]["app"] = ["vm1", "vm2"]
    f = only(doc, codes.IP_ALLOCATED)
    assert f.path == ("vms", "vm1", "private_ip")
    assert f.related == (("vms", "vm1", "count"),)


def test_an_ipv4_frontend_needs_an_ipv4_address():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["frontends"]["fe"]["private_ip"] = "fd00::10"
    f = only(doc, codes.IP_VERSION_MISMATCH)
    assert f.path == LB("frontends", "fe", "private_ip", lb="ilb")


def _dual_stack(doc):
    doc["network"]["address_space"] = ["10.0.0.0/16", "fd00:db8::/48"]
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "ipv6_prefix": "fd00:db8::/64"}
    for vm in doc["vms"].values():
        vm["ipv6"] = True
    return doc


def test_ipv6_subnets_are_exactly_slash_64():
    doc = _dual_stack(rule_type_1())
    doc["network"]["subnets"]["backend"]["ipv6_prefix"] = "fd00:db8::/56"
    f = only(doc, codes.IPV6_PREFIX_LENGTH)
    assert f.path == ("network", "subnets", "backend", "ipv6_prefix")


def test_an_ipv6_vm_needs_an_ipv6_subnet():
    doc = rule_type_1()
    doc["vms"]["vm1"]["ipv6"] = True
    f = only(doc, codes.SUBNET_WITHOUT_IPV6)
    assert f.path == ("vms", "vm1", "ipv6")


def test_an_internal_ipv6_frontend_needs_an_ipv6_subnet():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["frontends"]["fe"] = {"subnet": "backend", "ip_version": "ipv6"}
    f = only(doc, codes.SUBNET_WITHOUT_IPV6)
    assert f.path == LB("frontends", "fe", "ip_version", lb="ilb")


def test_vms_behind_an_ipv6_rule_need_ipv6():
    doc = _dual_stack(rule_type_1())
    doc["load_balancers"]["lb"]["frontends"]["purple"] = {"ip_version": "ipv6"}
    assert errors(doc) == []
    doc["vms"]["vm2"]["ipv6"] = False
    f = only(doc, codes.VM_WITHOUT_IPV6)
    assert f.path == ("vms", "vm2")
    assert f.related == (LB("rules", "purple", "frontend"),)
    rules(doc)  # the IPv4 rule on the same VMs is untouched
