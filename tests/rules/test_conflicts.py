"""Rules that collide at the backend or at the frontend, with Azure's codes."""

import copy

from rules_helpers import LB, codes_of, errors, internal, only, rule_type_1, rule_type_2, rules

from provisioner.rules import codes


def test_two_plain_rules_on_one_pool_may_not_share_backend_port():
    doc = rule_type_1()
    del rules(doc)["purple"]["backend_port"]
    f = only(doc, codes.SAME_BACKEND_PORT_POOL)
    assert f.path == LB("rules", "purple", "port")
    assert f.related == (LB("rules", "green", "port"),)
    assert "floating_ip" in f.hint and "backend_port 81" in f.hint


def test_the_conflict_points_at_backend_port_when_the_rule_sets_it():
    doc = rule_type_1()
    rules(doc)["purple"]["backend_port"] = 80
    f = only(doc, codes.SAME_BACKEND_PORT_POOL)
    assert f.path == LB("rules", "purple", "backend_port")


def test_two_floating_rules_on_one_frontend_and_pool_may_not_share_backend_port():
    doc = rule_type_2()
    rules(doc)["purple"].update(frontend="green", port=81, backend_port=80)
    f = only(doc, codes.SAME_BACKEND_PORT_POOL_FIP)
    assert f.path == LB("rules", "purple", "backend_port")
    assert f.related == (LB("rules", "green", "port"),)


def test_tcp_and_udp_rules_may_share_a_backend_port():
    doc = rule_type_1()
    rules(doc)["purple"].update(protocol="udp", backend_port=80)
    assert errors(doc) == []


def test_protocol_all_overlaps_tcp_and_udp_two_ha_rules_on_one_pool_collide():
    doc = internal(rule_type_1())
    ilb = doc["load_balancers"]["ilb"]
    ilb["frontends"]["fe2"] = {"subnet": "backend"}
    ilb["rules"] = {
        "ha1": {"frontend": "fe", "protocol": "all", "port": 0, "pool": "app"},
        "ha2": {"frontend": "fe2", "protocol": "all", "port": 0, "pool": "app"},
    }
    f = only(doc, codes.SAME_BACKEND_PORT_POOL)
    assert f.path == LB("rules", "ha2", "port", lb="ilb")
    assert f.related == (LB("rules", "ha1", "port", lb="ilb"),)


def _two_pools(doc):
    lb = doc["load_balancers"]["lb"]
    lb["pools"]["other"] = ["vm2"]
    rules(doc)["purple"].update(pool="other")
    return doc


def test_one_vm_reached_through_two_pools_may_not_get_the_same_backend_port():
    doc = _two_pools(rule_type_1())
    del rules(doc)["purple"]["backend_port"]
    f = only(doc, codes.SAME_BACKEND_PORT_IPCONFIG)
    assert f.path == LB("rules", "purple", "port")
    assert f.related == (LB("rules", "green", "port"), ("vms", "vm2"))
    assert "'vm2'" in f.message


def test_one_vm_in_two_pools_is_fine_when_one_rule_uses_floating_ip():
    doc = _two_pools(rule_type_1())
    del rules(doc)["purple"]["backend_port"]
    rules(doc)["purple"]["floating_ip"] = True
    assert errors(doc) == []


def test_count_expanded_vms_are_matched_by_their_concrete_names():
    doc = rule_type_1()
    doc["vms"] = {"web": {"subnet": "backend", "count": 3}}
    lb = doc["load_balancers"]["lb"]
    lb["pools"] = {"app": ["web"], "other": ["web-2"]}
    rules(doc)["purple"].update(pool="other", backend_port=80)
    f = only(doc, codes.SAME_BACKEND_PORT_IPCONFIG)
    assert f.path == LB("rules", "purple", "backend_port")
    assert f.related[1] == ("vms", "web-2")


def test_two_public_load_balancers_may_not_deliver_the_same_port_to_one_vm():
    doc = rule_type_1()
    doc["load_balancers"]["lb2"] = copy.deepcopy(doc["load_balancers"]["lb"])
    rules(doc, "lb2").pop("purple")
    f = only(doc, codes.SAME_TYPE_BACKEND_PORT_IPCONFIG)
    assert f.path == LB("rules", "green", "port", lb="lb2")
    assert f.related[0] == LB("rules", "green", "port")
    assert "VMs 'vm1', 'vm2'" in f.message


def test_two_load_balancers_of_different_types_may_deliver_the_same_port():
    doc = internal(rule_type_1())
    doc["load_balancers"]["ilb"]["rules"] = {
        "green": {"frontend": "fe", "port": 80, "pool": "app", "probe": "health"}
    }
    assert errors(doc) == []


def test_one_frontend_may_not_listen_twice_on_the_same_protocol_and_port():
    doc = rule_type_1()
    rules(doc)["purple"]["frontend"] = "green"
    f = only(doc, codes.DUPLICATE_FRONTEND_PORT)
    assert f.path == LB("rules", "purple", "port")
    assert f.related == (LB("rules", "green", "port"),)
    assert "own code" in f.message


def test_one_frontend_may_listen_on_the_same_port_with_tcp_and_udp():
    doc = rule_type_1()
    rules(doc)["purple"].update(frontend="green", protocol="udp")
    assert errors(doc) == []


def test_each_colliding_rule_is_reported_once():
    doc = rule_type_1()
    for name in ("blue", "red"):
        doc["load_balancers"]["lb"]["frontends"][name] = {}
        rules(doc)[name] = {"frontend": name, "port": 80, "pool": "app", "probe": "health"}
    assert codes_of(doc) == [codes.SAME_BACKEND_PORT_POOL] * 2


def test_ipv4_and_ipv6_rules_may_share_a_backend_port_on_one_pool():
    doc = rule_type_1()
    doc["network"]["address_space"] = ["10.0.0.0/16", "fd00:db8::/48"]
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "ipv6_prefix": "fd00:db8::/64"}
    for vm in doc["vms"].values():
        vm["ipv6"] = True
    doc["load_balancers"]["lb"]["frontends"]["purple"] = {"ip_version": "ipv6"}
    del rules(doc)["purple"]["backend_port"]
    assert errors(doc) == []
