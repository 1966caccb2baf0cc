"""Another writer changes the load balancer between plan and apply: 412, re-read, re-plan, win."""

from __future__ import annotations

from provisioner.apply.lifecycle import (
    apply_plan,
    desired_state,
    load_and_validate,
    plan_environment,
)
from provisioner.arm.target import open_target
from provisioner.compile.desired import Kind
from provisioner.plan.model import Action
from tests.e2e.conftest import BLUEPRINTS

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)


def _bump_idle_timeout(target, lb, minutes: int) -> None:
    body = target.network.load_balancers.get(lb.resource_group, lb.name)
    for rule in body.load_balancing_rules:
        rule.idle_timeout_in_minutes = minutes
    target.network.load_balancers.begin_create_or_update(lb.resource_group, lb.name, body).result()


def test_a_concurrent_load_balancer_write_is_detected_and_overwritten(cloud):
    target = open_target("local", local_cloud=cloud)
    loaded = load_and_validate(BLUEPRINT)
    state = desired_state(target, loaded, "race")
    apply_plan(target, state, plan_environment(target, state))
    lb = next(r for r in state.order() if r.kind is Kind.LOAD_BALANCER)

    _bump_idle_timeout(target, lb, 10)  # drift: the plan will want to undo it
    plan = plan_environment(target, state)
    assert plan.change(lb.key).action is Action.UPDATE
    _bump_idle_timeout(target, lb, 20)  # and another writer gets in before our apply

    cloud.clear_request_log()
    report, _ = apply_plan(target, state, plan)
    lb_puts = [
        r.status
        for r in cloud.request_log()
        if r.method == "PUT" and "/loadbalancers/" in r.path.lower() and "/operations" not in r.path
    ]
    assert lb_puts[0] == 412 and lb_puts[-1] in (200, 201)
    assert not plan_environment(target, state).has_changes
    rules = target.network.load_balancers.get(lb.resource_group, lb.name).load_balancing_rules
    assert {r.idle_timeout_in_minutes for r in rules} == {4}
    target.close()
