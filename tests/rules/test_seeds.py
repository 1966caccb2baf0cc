"""The seed pages' scenarios are valid blueprints: nothing the docs show may be rejected."""

from rules_helpers import check, errors, internal, mixed, rule_type_1, rule_type_2

from provisioner.rules import codes


def test_rule_type_1_two_frontends_without_backend_port_reuse_is_valid():
    assert errors(rule_type_1()) == []


def test_rule_type_2_two_floating_ip_rules_may_share_backend_port_80():
    assert errors(rule_type_2()) == []


def test_floating_and_plain_rules_may_share_protocol_and_backend_port_on_one_pool():
    assert errors(mixed()) == []


def test_a_public_and_an_internal_load_balancer_may_share_vms_and_ports():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["rules"] = {
        "web": {"frontend": "fe", "port": 80, "pool": "app", "probe": "health"}
    }
    assert errors(doc) == []


def test_every_code_is_either_azures_or_documented_as_ours():
    assert not set(codes.AZURE) & set(codes.OURS)
    found = {f.code for f in check(rule_type_2())}
    assert found <= set(codes.AZURE) | set(codes.OURS)
