"""Destroy one discovered environment for cleanup: the safety check, then ``down``'s teardown.

``provisioner.apply.teardown.destroy_environment`` deletes in dependency order and deletes a
group whole only when it holds nothing unowned. It does not know about resources *used* by
something unowned (our NIC on someone else's VM, our public IP on someone else's load balancer):
a whole-group delete would take them from under their user. So cleanup first reads who uses
what (:mod:`provisioner.envs.ownership`). When nothing is pinned, the environment goes through
``destroy_environment`` unchanged; when something is, the unpinned resources are deleted one by
one with the same operations and retry policy, the pinned ones and their groups are kept and
reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from provisioner.apply import operations
from provisioner.apply.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
)
from provisioner.apply.teardown import IN_USE_POLICY, destroy_environment, in_use
from provisioner.envs.cleanup import EnvOutcome, LeftResource
from provisioner.envs.discovery import Environment, FoundResource
from provisioner.envs.ownership import (
    DeletionPlan,
    plan_deletion,
    read_group_contents,
    read_usage,
)
from provisioner.plan.live import KIND_OF_TYPE


def safety_plan(
    target: Any, env: Environment, policy: RetryPolicy = DEFAULT_POLICY
) -> DeletionPlan:
    """Read group contents and usage links, and decide what may go (reads only)."""

    def call(fn: Callable[[], Any]) -> Any:
        return call_with_retry(fn, sleep=target.sleep, policy=policy)

    contents = read_group_contents(target.resources, env, call)
    usage = read_usage(target.network, env, call)
    return plan_deletion(env, contents, usage)


def _delete_one(target: Any, res: FoundResource, policy: RetryPolicy) -> str | None:
    """Delete one resource; None when done, else the reason it is still there."""
    kind = KIND_OF_TYPE.get(res.type.lower())
    if kind is None:
        return f"type {res.type} is not one provisioner deletes"
    patient = RetryPolicy(
        attempts=max(policy.attempts, IN_USE_POLICY.attempts),
        total_seconds=policy.total_seconds,
        base_delay=policy.base_delay,
        max_delay=policy.max_delay,
        seed=policy.seed,
    )
    try:
        call_with_retry(
            lambda: operations.delete(target, kind, res.resource_group, res.name),
            sleep=target.sleep,
            policy=patient,
            retry_also=in_use,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reported leftover
        return f"{error_code(exc)}: {describe(exc)}"
    return None


def destroy_discovered(
    target: Any, env: Environment, *, policy: RetryPolicy = DEFAULT_POLICY
) -> EnvOutcome:
    """Destroy ``env`` as far as the ownership rules allow. Never raises for Azure errors."""
    try:
        plan = safety_plan(target, env, policy)
    except Exception as exc:  # noqa: BLE001 - cannot judge safety: delete nothing
        return EnvOutcome(
            env.name, error=f"reading the environment: {error_code(exc)}: {describe(exc)}"
        )
    if not plan.left:
        report = destroy_environment(target, env.name, policy=policy)
        return EnvOutcome(
            env.name,
            deleted=_with_group_contents(env, report.deleted, report.resource_groups_deleted),
            left=tuple(LeftResource(x.id, x.reason) for x in report.left),
        )
    deleted: list[str] = []
    left = [LeftResource(x.id, x.reason) for x in plan.left]
    for res in plan.one_by_one:  # dependency order; a failure does not stop the rest
        reason = _delete_one(target, res, policy)
        if reason is None:
            deleted.append(res.id)
        else:
            left.append(LeftResource(res.id, reason))
    # Whole groups last: a resource deleted one by one may have used something inside them.
    for name in plan.whole_groups:
        group = next(g for g in env.resource_groups if g.name == name)
        reason = _delete_one(target, group, policy)
        if reason is None:
            deleted.append(group.id)
        else:
            left.append(LeftResource(group.id, reason))
    return EnvOutcome(env.name, deleted=tuple(deleted), left=tuple(left))


def _with_group_contents(
    env: Environment, deleted: list[str], groups: list[str]
) -> tuple[str, ...]:
    """A group deleted whole took its resources with it: list those as deleted too."""
    gone = {g.lower() for g in groups}
    seen = {d.lower() for d in deleted}
    inside = [
        r.id for r in env.resources if r.resource_group.lower() in gone and r.id.lower() not in seen
    ]
    return tuple(deleted) + tuple(inside)


def destroyer_for(
    target: Any, policy: RetryPolicy = DEFAULT_POLICY
) -> Callable[[Environment], EnvOutcome]:
    """The per-environment destroy function ``run_cleanup`` fans out."""
    return lambda env: destroy_discovered(target, env, policy=policy)
