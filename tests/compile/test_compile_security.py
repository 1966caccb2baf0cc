"""The environment's NSG (``compile/security.py``): derived rules are named for what they admit
and keep their priority whatever else the blueprint gains, so one more rule in the blueprint is
one more NSG rule and no renumbering (issue 10, "Done when")."""

from __future__ import annotations

from compile_helpers import BLUEPRINTS, context, load

from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import Kind
from provisioner.compile.security import DERIVED_HIGH, DERIVED_LOW, assign_priorities
from provisioner.plan.merge import merge_unmanaged


def _nsg_rules(bp) -> dict[str, dict]:
    state = compile_blueprint(bp, context(env=bp.name))
    (nsg,) = [r for r in state.order() if r.kind is Kind.NETWORK_SECURITY_GROUP]
    body = nsg.body.as_dict() if hasattr(nsg.body, "as_dict") else nsg.body
    return {r["name"]: r for r in body["properties"]["securityRules"]}


def test_adding_a_blueprint_rule_adds_its_nsg_rule_and_leaves_the_others_as_they_were():
    for path in sorted(BLUEPRINTS.glob("*.yaml")):
        bp = load(path)
        before = _nsg_rules(bp)
        lb_name, lb = next(iter(bp.load_balancers.items()))
        rule = next(iter(lb.rules.values()))
        if rule.protocol == "all":
            continue  # HA ports take every port: no other rule fits beside them
        lb.rules["added"] = rule.model_copy(
            update={"port": 4444, "backend_port": 4444, "floating_ip": False}
        )
        after = _nsg_rules(bp)
        assert {k: v for k, v in after.items() if k in before} == before, path.name
        (new,) = set(after) - set(before)
        assert f"{lb_name}/added" in after[new]["properties"]["description"], path.name


def test_priorities_are_the_same_in_any_order_and_step_past_taken_ones():
    names = [f"lb_tcp-{p}_ipv4_internet" for p in range(80, 120)]
    first = assign_priorities(names, taken=[])
    assert assign_priorities(list(reversed(names)), taken=[]) == first
    assert all(DERIVED_LOW <= p <= DERIVED_HIGH for p in first.values())
    assert len(set(first.values())) == len(names)
    # the user's rule sits on one derived slot: only that rule moves
    some = names[3]
    moved = assign_priorities(names, taken=[first[some]])
    assert moved[some] != first[some]
    assert {n: p for n, p in moved.items() if n != some} == {
        n: p for n, p in first.items() if n != some
    }


def test_a_rule_keeps_the_priority_it_has_live_when_it_is_free():
    got = assign_priorities(["lb_a", "lb_b"], taken=[], keep={"lb_a": 4000})
    assert got["lb_a"] == 4000
    assert assign_priorities(["lb_a"], taken=[4000], keep={"lb_a": 4000})["lb_a"] != 4000


def test_a_plan_keeps_live_priorities_of_derived_rules_and_the_users_as_written():
    def rule(name, priority):
        return {"name": name, "properties": {"priority": priority, "direction": "Inbound"}}

    desired = {"properties": {"securityRules": [rule("ssh", 200), rule("lb_tcp-80_x", 1234)]}}
    live = {"properties": {"securityRules": [rule("ssh", 300), rule("lb_tcp-80_x", 2000)]}}
    body, _ = merge_unmanaged(Kind.NETWORK_SECURITY_GROUP, desired, live)
    got = {r["name"]: r["properties"]["priority"] for r in body["properties"]["securityRules"]}
    assert got == {"ssh": 200, "lb_tcp-80_x": 2000}
