"""When one NSG rule per family would not fit Azure's 1,000, the derived rules fold into port
lists (``blueprint/traffic.fold``, ``compile/security.py``): such a blueprint validates, compiles
to an NSG that fits and still admits every row, and a port more changes one rule, by name.

Whether traffic is admitted is judged by the independent evaluator of
``test_traffic_admitted.py``, not by the code that wrote the rules."""

from __future__ import annotations

import ipaddress
import re

from compile_helpers import context
from nsg_fold_helpers import FIRST_PORT, RULES, port_of, wide, wide_doc
from test_traffic_admitted import (
    INTERNET_CLIENT,
    PROBE_SOURCE,
    Cloud,
    Packet,
    _backends,
    _frontend_address,
    _nic_address,
)

from provisioner.blueprint.model import Blueprint
from provisioner.blueprint.traffic import FOLD_BLOCK, NSG_RULES_MAX, Family, compact_ports, fold
from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import DesiredState, Kind
from provisioner.compile.names import SECURITY_RULE_MAX
from provisioner.compile.security import RULES as RULES_KEY
from provisioner.compile.security import derived_groups, fold_rule_name
from provisioner.plan.merge import merge_unmanaged
from provisioner.rules import codes
from provisioner.rules.security import check_existing_nsgs
from provisioner.rules.validate import validate

ENV = "wide"


def _compiled(bp) -> tuple[DesiredState, Cloud]:
    state = compile_blueprint(bp, context(env=ENV))
    return state, Cloud(state)


def _rules(state: DesiredState, cloud: Cloud) -> list[dict]:
    """The NSG's rules as Azure would hold them (public addresses filled in)."""
    (nsg,) = [r for k, r in state.resources.items() if k.startswith("network_security_group/")]
    return cloud.nsg({"id": nsg.id}) or []


def _by_name(state: DesiredState) -> dict[str, dict]:
    return {r["name"]: r["properties"] for r in _rules(state, Cloud(state))}


def test_compact_ports_sorts_and_joins_adjacent_ports_into_ranges():
    assert compact_ports([443, 80, 81, 82, 8080, 8081, 22]) == ["22", "80-82", "443", "8080-8081"]
    assert compact_ports([5]) == ["5"]
    assert compact_ports([]) == []


def test_a_blueprint_of_1100_rules_on_distinct_ports_validates():
    found = validate(wide())
    assert not [f for f in found if f.severity == "error"], found


def test_its_nsg_folds_into_port_lists_and_fits():
    state, cloud = _compiled(wide())
    rules = _rules(state, cloud)
    assert len(rules) <= NSG_RULES_MAX
    folded = [r for r in rules if r["name"].startswith("lb_")]
    ports: list[int] = []
    for r in folded:
        props = r["properties"]
        assert "destinationPortRange" not in props
        low, high = map(int, re.search(r"_tcp-(\d+)-(\d+)_", r["name"]).groups())
        assert high - low + 1 == FOLD_BLOCK and low % FOLD_BLOCK == 0
        listed = [int(p) for p in props["destinationPortRanges"]]  # none adjacent: no ranges
        assert listed == sorted(listed) and all(low <= p <= high for p in listed)
        assert props["destinationAddressPrefixes"] == ["10.0.1.0/24"]
        assert props["sourceAddressPrefix"] == "Internet" and props["access"] == "Allow"
        assert len(r["name"]) <= SECURITY_RULE_MAX
        ports += listed
    assert sorted(ports) == [port_of(i) for i in range(RULES)]
    assert len(folded) == len({port_of(i) // FOLD_BLOCK for i in range(RULES)}) == 3


def test_every_row_and_every_probe_is_admitted_by_the_folded_nsg():
    bp = wide()
    state, cloud = _compiled(bp)
    assert len(state.mapping) == RULES
    for row in state.mapping:
        frontend = _frontend_address(state, cloud, row.load_balancer, row.frontend)
        for vm, subnet, nic in _backends(state, cloud, row.backends):
            nic_ip = _nic_address(cloud.subnets[subnet]["addressPrefix"])
            packet = Packet(INTERNET_CLIENT[4], nic_ip, "tcp", row.destination_port)
            assert cloud.delivered(subnet, nic, packet), f"{row.rule} to {vm}: {packet}"
            probe = Packet(PROBE_SOURCE[4], nic_ip, "tcp", 8080)
            assert cloud.delivered(subnet, nic, probe), f"probe of {row.rule}"
        assert ipaddress.ip_address(frontend).version == 4


def test_a_port_between_the_folded_ones_is_still_denied():
    state, cloud = _compiled(wide())
    _, subnet, nic = next(_backends(state, cloud, ("vm0",)))
    nic_ip = _nic_address(cloud.subnets[subnet]["addressPrefix"])
    for port in (FIRST_PORT + 1, FIRST_PORT - 2, port_of(RULES)):
        packet = Packet(INTERNET_CLIENT[4], nic_ip, "tcp", port)
        assert not cloud.delivered(subnet, nic, packet), packet


def test_one_port_more_changes_one_rule_and_it_keeps_its_name_and_priority():
    before = _by_name(compile_blueprint(wide(), context(env=ENV)))
    after = _by_name(compile_blueprint(wide(RULES + 1), context(env=ENV)))
    assert before.keys() == after.keys()
    changed = [n for n in before if before[n] != after[n]]
    assert len(changed) == 1
    (name,) = changed
    assert before[name]["priority"] == after[name]["priority"]
    added = set(after[name]["destinationPortRanges"]) - set(before[name]["destinationPortRanges"])
    assert added == {str(port_of(RULES))}


def test_folding_starts_only_past_1000_rules():
    # 998 rules and one probe family: 999 derived rules, one per port, as ever
    state, cloud = _compiled(wide(998))
    rules = _rules(state, cloud)
    assert len(rules) == 999
    assert all("destinationPortRanges" not in r["properties"] for r in rules)
    assert {r["name"] for r in rules} >= {
        f"lb_tcp-{port_of(0)}_ipv4_internet",
        "probe_tcp-8080_ipv4",
    }


def test_a_fold_is_named_for_what_it_folds_never_for_its_ports():
    groups = [g for g in derived_groups(wide()) if not isinstance(g, Family)]
    names = [fold_rule_name(g) for g in groups]
    assert len(set(names)) == len(names)
    smaller = [g for g in fold(g.families[0] for g in groups)]
    assert [fold_rule_name(g) for g in smaller] == names


def test_when_even_folded_the_rules_do_not_fit_validation_says_how_many():
    found = [f for f in validate(wide(sources=True)) if f.code == codes.NSG_RULE_LIMIT]
    assert len(found) == 1
    message = found[0].message
    assert f"{RULES + 1} rules ({RULES + 1} derived" in message
    assert f"{RULES + 1} once folded" in message and "0 of your own" in message


def test_the_plan_time_evaluator_reads_the_folded_port_lists():
    """``rules/nsg.py`` (what ``plan`` and ``up`` judge an existing NSG with) against the folded
    NSG: every row passes; a port taken out of a list blocks exactly that row."""
    state, cloud = _compiled(wide())
    rules = _rules(state, cloud)
    nsg_id = (
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/x"
    )
    doc = wide_doc()
    doc["security"] = {"existing": nsg_id}
    existing = Blueprint.model_validate(doc)
    assert check_existing_nsgs(existing, {nsg_id.lower(): {"properties": {RULES_KEY: rules}}}) == []
    props = next(
        r["properties"]
        for r in rules
        if str(port_of(7)) in r["properties"].get("destinationPortRanges", [])
    )
    props["destinationPortRanges"].remove(str(port_of(7)))
    found = check_existing_nsgs(existing, {nsg_id.lower(): {"properties": {RULES_KEY: rules}}})
    assert [(f.code, f.related) for f in found] == [
        (codes.NSG_DENIES_ROW, (("load_balancers", "lb", "rules", "r7"),))
    ]


def test_a_plan_keeps_the_live_priorities_of_folded_rules():
    desired = {"properties": {RULES_KEY: _rules(*_compiled(wide(RULES + 1)))}}
    live = {"properties": {RULES_KEY: _rules(*_compiled(wide()))}}
    moved = {r["name"]: 4000 - i for i, r in enumerate(live["properties"][RULES_KEY])}
    for r in live["properties"][RULES_KEY]:
        r["properties"]["priority"] = moved[r["name"]]
    body, _ = merge_unmanaged(Kind.NETWORK_SECURITY_GROUP, desired, live)
    got = {r["name"]: r["properties"]["priority"] for r in body["properties"][RULES_KEY]}
    assert got == moved
