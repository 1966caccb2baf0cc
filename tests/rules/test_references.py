"""Names that must resolve, and frontends that must match their load balancer's type."""

import pytest
from rules_helpers import LB, errors, internal, only, rule_type_1, rules

from provisioner.rules import codes


@pytest.mark.parametrize("attr", ["frontend", "pool", "probe"])
def test_a_rule_must_name_a_defined_frontend_pool_and_probe(attr):
    doc = rule_type_1()
    rules(doc)["purple"][attr] = "nope"
    f = only(doc, codes.INVALID_REFERENCE)
    assert f.path == LB("rules", "purple", attr)
    assert f.hint


def test_a_misspelt_name_gets_a_suggestion():
    doc = rule_type_1()
    rules(doc)["purple"]["probe"] = "helth"
    assert "'health'" in only(doc, codes.INVALID_REFERENCE).hint


def test_a_pool_must_name_defined_vms():
    doc = rule_type_1()
    doc["load_balancers"]["lb"]["pools"]["app"] = ["vm1", "vm3"]
    f = only(doc, codes.INVALID_REFERENCE)
    assert f.path == LB("pools", "app", "vms", 1)


def test_a_pool_may_name_a_counted_vm_or_one_of_its_instances():
    doc = rule_type_1()
    doc["vms"]["web"] = {"subnet": "backend", "count": 2}
    doc["load_balancers"]["lb"]["pools"]["app"] = ["web", "vm1"]
    doc["load_balancers"]["lb"]["pools"]["two"] = ["web-2"]
    assert errors(doc) == []
    doc["load_balancers"]["lb"]["pools"]["two"] = ["web-3"]
    assert only(doc, codes.INVALID_REFERENCE).path == LB("pools", "two", "vms", 0)


def test_a_vm_must_be_in_a_defined_subnet():
    doc = rule_type_1()
    doc["vms"]["vm2"]["subnet"] = "front"
    assert only(doc, codes.INVALID_REFERENCE).path == ("vms", "vm2", "subnet")


def test_an_internal_frontend_needs_a_subnet_that_exists():
    doc = internal(rule_type_1())
    fe = doc["load_balancers"]["ilb"]["frontends"]["fe"]
    fe["subnet"] = "front"
    assert only(doc, codes.INVALID_REFERENCE).path == LB("frontends", "fe", "subnet", lb="ilb")
    del fe["subnet"], fe["private_ip"]
    f = only(doc, codes.INTERNAL_FRONTEND_WITHOUT_SUBNET)
    assert f.path == LB("frontends", "fe", lb="ilb")


def test_a_public_frontend_takes_no_subnet_or_private_ip():
    doc = rule_type_1()
    doc["load_balancers"]["lb"]["frontends"]["green"] = {"private_ip": "10.0.1.10"}
    f = only(doc, codes.PUBLIC_FRONTEND_WITH_PRIVATE_ADDRESS)
    assert f.path == LB("frontends", "green", "private_ip")
    assert f.related == (LB("type"),)


def test_an_internal_frontend_takes_no_public_ip():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["frontends"]["fe"]["public_ip_id"] = (
        "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/publicIPAddresses/p"
    )
    f = only(doc, codes.INTERNAL_FRONTEND_WITH_PUBLIC_IP)
    assert f.path == LB("frontends", "fe", "public_ip_id", lb="ilb")


def test_counted_names_may_not_collide_with_another_vm():
    doc = rule_type_1()
    doc["vms"]["vm"] = {"subnet": "backend", "count": 2}
    doc["vms"]["vm-2"] = {"subnet": "backend"}
    f = only(doc, codes.DUPLICATE_VM_NAME)
    assert f.path == ("vms", "vm-2")
    assert f.related == (("vms", "vm", "count"),)


def test_a_vm_named_twice_in_a_pool_is_a_warning():
    doc = rule_type_1()
    doc["load_balancers"]["lb"]["pools"]["app"] = ["vm1", "vm2", "vm1"]
    f = only(doc, codes.DUPLICATE_POOL_MEMBER)
    assert f.severity == "warning"
    assert f.path == LB("pools", "app", "vms", 2)
    assert f.related == (LB("pools", "app", "vms", 0),)
    assert errors(doc) == []
