"""HA ports: port 0, protocol all, internal only, alone on their pool and frontend."""

from rules_helpers import LB, errors, internal, only, rule_type_1, rules

from provisioner.rules import codes


def _ha(keep_public=False, **rule):
    """An internal LB with one HA ports rule on vm1 and vm2 (the public LB only if asked)."""
    doc = internal(rule_type_1())
    if not keep_public:
        del doc["load_balancers"]["lb"]
    doc["load_balancers"]["ilb"]["rules"] = {
        "ha": {"frontend": "fe", "protocol": "all", "port": 0, "pool": "app", "probe": "health"}
        | rule
    }
    return doc


def test_an_ha_ports_rule_on_an_internal_load_balancer_is_valid():
    assert errors(_ha()) == []


def test_ha_ports_need_port_zero():
    f = only(_ha(port=443), codes.HA_PORTS_SHAPE)
    assert f.path == LB("rules", "ha", "port", lb="ilb")


def test_ha_ports_need_backend_port_zero_or_absent():
    assert errors(_ha(backend_port=0)) == []
    f = only(_ha(backend_port=80), codes.HA_PORTS_SHAPE)
    assert f.path == LB("rules", "ha", "backend_port", lb="ilb")


def test_port_zero_needs_protocol_all():
    doc = rule_type_1()
    rules(doc)["green"]["port"] = 0
    rules(doc)["green"]["backend_port"] = 80
    f = only(doc, codes.HA_PORTS_SHAPE)
    assert f.path == LB("rules", "green", "port")


def test_ha_ports_are_only_for_internal_load_balancers():
    doc = rule_type_1()
    rules(doc)["green"].update(protocol="all", port=0)
    rules(doc)["purple"]["pool"] = "other"
    doc["load_balancers"]["lb"]["pools"]["other"] = ["vm1"]
    f = only(doc, codes.HA_PORTS_PUBLIC)
    assert f.path == LB("rules", "green", "protocol")
    assert f.related == (LB("type"),)


def test_one_ha_ports_rule_per_frontend():
    doc = _ha()
    ilb = doc["load_balancers"]["ilb"]
    doc["vms"]["vm3"] = {"subnet": "backend"}
    ilb["pools"]["other"] = ["vm3"]
    ilb["rules"]["ha2"] = {"frontend": "fe", "protocol": "all", "port": 0, "pool": "other"}
    ilb["rules"]["ha"]["floating_ip"] = True
    ilb["rules"]["ha2"]["floating_ip"] = True
    f = only(doc, codes.HA_PORTS_PER_FRONTEND)
    assert f.path == LB("rules", "ha2", "protocol", lb="ilb")
    assert f.related == (LB("rules", "ha", "protocol", lb="ilb"),)


def test_floating_ha_rules_on_different_frontends_may_share_a_pool():
    doc = _ha(floating_ip=True)
    ilb = doc["load_balancers"]["ilb"]
    ilb["frontends"]["fe2"] = {"subnet": "backend"}
    ilb["rules"]["ha2"] = ilb["rules"]["ha"] | {"frontend": "fe2"}
    assert errors(doc) == []


def test_ha_and_non_ha_rules_cannot_share_a_pool():
    doc = _ha(floating_ip=True)
    doc["load_balancers"]["ilb"]["rules"]["web"] = {"frontend": "fe", "port": 80, "pool": "app"}
    f = only(doc, codes.HA_PORTS_MIXED_POOL)
    assert f.path == LB("rules", "web", "pool", lb="ilb")
    assert f.related == (LB("rules", "ha", "protocol", lb="ilb"),)


def test_a_vm_behind_a_non_floating_ha_rule_takes_no_other_rule():
    doc = _ha(keep_public=True)
    rules(doc)["green"]["pool"] = "solo"
    del rules(doc)["purple"]
    doc["load_balancers"]["lb"]["pools"] = {"solo": ["vm2"]}
    f = only(doc, codes.HA_PORTS_NOT_ALONE)
    assert f.path == LB("rules", "green", "pool")
    assert f.related == (LB("rules", "ha", "protocol", lb="ilb"), ("vms", "vm2"))
    doc["load_balancers"]["ilb"]["rules"]["ha"]["floating_ip"] = True
    assert not [f for f in errors(doc) if f.code == codes.HA_PORTS_NOT_ALONE]
