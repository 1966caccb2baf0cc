"""Warnings: shown, never fatal."""

from rules_helpers import LB, check, errors, only, rule_type_1, rule_type_2, rules

from provisioner.rules import codes


def test_a_probe_on_a_floating_rules_backend_port_warns_that_probes_hit_the_nic_ip():
    doc = rule_type_2()
    doc["load_balancers"]["lb"]["probes"]["health"]["port"] = 80
    f = only(doc, codes.PROBE_ON_FLOATING_PORT)
    assert f.severity == "warning"
    assert f.path == LB("probes", "health", "port")
    assert f.related == (LB("rules", "green", "port"),)
    assert "NIC IP" in f.message
    assert errors(doc) == []


def test_a_probe_on_a_separate_health_port_does_not_warn():
    assert codes.PROBE_ON_FLOATING_PORT not in {f.code for f in check(rule_type_2())}


def test_floating_rules_with_outbound_snat_warn_about_outbound_from_the_floating_ip():
    doc = rule_type_2()
    del rules(doc)["purple"]["disable_outbound_snat"]
    f = only(doc, codes.FIP_OUTBOUND)
    assert f.path == LB("rules", "purple", "floating_ip")
    assert "disable_outbound_snat" in f.hint


def test_public_frontends_warn_about_public_ip_cost():
    f = only(rule_type_1(), codes.PUBLIC_IP_COST)
    assert f.path == LB("frontends")
    assert "2 Standard" in f.message


def test_a_rule_without_a_probe_warns():
    doc = rule_type_1()
    del rules(doc)["purple"]["probe"]
    assert only(doc, codes.RULE_WITHOUT_PROBE).path == LB("rules", "purple")


def test_an_empty_pool_and_unused_items_warn():
    doc = rule_type_1()
    lb = doc["load_balancers"]["lb"]
    lb["pools"]["spare"] = []
    lb["probes"]["spare"] = {"port": 22}
    lb["frontends"]["spare"] = {}
    assert only(doc, codes.EMPTY_POOL).path == LB("pools", "spare")
    assert only(doc, codes.UNUSED_POOL).path == LB("pools", "spare")
    assert only(doc, codes.UNUSED_PROBE).path == LB("probes", "spare")
    assert only(doc, codes.UNUSED_FRONTEND).path == LB("frontends", "spare")
    assert errors(doc) == []


def test_warnings_come_after_errors():
    doc = rule_type_1()
    del rules(doc)["purple"]["backend_port"]
    severities = [f.severity for f in check(doc)]
    assert severities == sorted(severities, key=lambda s: s != "error")
    assert severities[0] == "error"
