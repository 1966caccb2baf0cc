"""Azure's Standard limits: 600 frontends and 1,500 rules per LB, 300 rules per NIC."""

from rules_helpers import LB, errors, only, rule_type_1

from provisioner.rules import codes


def _many(frontends: int, rule_count: int, vms: str = "vm1"):
    doc = rule_type_1()
    lb = doc["load_balancers"]["lb"]
    lb["frontends"] = {f"f{i}": {} for i in range(frontends)}
    lb["pools"] = {"app": [vms]}
    lb["rules"] = {
        f"r{i}": {"frontend": f"f{i % frontends}", "port": 1000 + i, "pool": "app"}
        for i in range(rule_count)
    }
    return doc


def test_600_frontends_are_allowed_601_are_not():
    assert errors(_many(600, 300)) == []
    f = only(_many(601, 300), codes.FRONTEND_LIMIT)
    assert f.path == LB("frontends", "f600")


def test_300_rules_may_reach_one_nic_301_may_not():
    assert errors(_many(10, 300)) == []
    f = only(_many(10, 301), codes.NIC_RULE_LIMIT)
    assert f.path == ("vms", "vm1")
    assert f.related == (LB("pools", "app"),)


def test_1500_rules_per_load_balancer_are_allowed_1501_are_not():
    doc = _many(600, 1500)
    # 1,500 backend ports need 1,500 NSG rules, over the 1,000 an NSG holds
    # (test_security.py): the load balancer's own limit, without the managed NSG.
    doc["security"] = {"mode": "none", "acknowledge_no_nsg": True}
    pools = doc["load_balancers"]["lb"]["pools"]
    doc["vms"] = {f"v{i}": {"subnet": "backend"} for i in range(6)}
    for i in range(6):
        pools[f"p{i}"] = [f"v{i}"]
    for i, rule in enumerate(doc["load_balancers"]["lb"]["rules"].values()):
        rule["pool"] = f"p{i % 6}"
    del pools["app"]
    assert errors(doc) == []
    doc["load_balancers"]["lb"]["rules"]["r1500"] = {"frontend": "f0", "port": 9999, "pool": "p0"}
    codes_found = [f.code for f in errors(doc)]
    assert codes_found == [codes.RULE_LIMIT]
    assert errors(doc)[0].path == LB("rules", "r1500")


def test_counted_vms_over_the_nic_limit_are_reported_once_by_their_key():
    doc = _many(10, 301, vms="web")
    doc["vms"] = {"web": {"subnet": "backend", "count": 3}}
    f = only(doc, codes.NIC_RULE_LIMIT)
    assert f.path == ("vms", "web")
