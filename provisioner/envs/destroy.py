"""Destroy one environment, for ``down`` and for ``cleanup``: the safety check, then the teardown.

There is one deletion path. ``provisioner.apply.teardown.destroy_environment`` deletes in
dependency order and deletes a group whole only when it holds nothing unowned. What it cannot see
on its own is a resource *used* by something unowned (our NIC on someone else's VM, our public IP
on someone else's load balancer): deleting it would take it from under its user. So every caller
first reads who uses what (:mod:`provisioner.envs.ownership`, :func:`safety_plan`) and hands the
resources that must stay to the teardown as ``keep``; the teardown skips them, everything they
use, and the groups holding them, and reports them. ``down`` with a blueprint also knows which
NICs it adopted (brownfield VMs joined to its pools): links through those do not pin anything,
because the teardown takes our pools out of them first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from typing import Any

from provisioner.apply.events import EventSink, ignore
from provisioner.apply.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    describe,
    error_code,
    retrying_call,
)
from provisioner.apply.teardown import TeardownReport, destroy_environment
from provisioner.envs.cleanup import EnvOutcome, LeftResource
from provisioner.envs.discovery import Environment, FoundResource, group_environments
from provisioner.envs.ownership import (
    DeletionPlan,
    plan_deletion,
    read_group_contents,
    read_usage,
)
from provisioner.plan.live import KIND_OF_TYPE, LiveResource, list_tagged


def safety_plan(
    target: Any,
    env: Environment,
    policy: RetryPolicy = DEFAULT_POLICY,
    *,
    ignore_users: Iterable[str] = (),
) -> DeletionPlan:
    """Read group contents and usage links, and decide what may go (reads only)."""

    call = retrying_call(target, policy)

    contents = read_group_contents(target.resources, env, call)
    usage = read_usage(target.network, env, call)
    return plan_deletion(env, contents, usage, ignore_users)


def live_from_found(env: Environment) -> list[LiveResource]:
    """The environment's listed items in the form the teardown takes (no second listing)."""
    return [
        LiveResource(
            r.id,
            KIND_OF_TYPE.get(r.type.lower()),
            r.type,
            r.name,
            r.resource_group,
            dict(r.tags),
        )
        for r in env.all_items()
    ]


def environment_from_live(env: str, live: Sequence[LiveResource]) -> Environment:
    """One environment read by its tag (``down``), in the form the safety analysis takes."""
    found = [FoundResource(r.id, r.name, r.type, r.resource_group, dict(r.tags)) for r in live]
    for environment in group_environments(found):
        if environment.name == env:
            return environment
    return Environment(env, None, None, None)


def destroy(
    target: Any,
    env: Environment,
    *,
    owned: Sequence[LiveResource] | None = None,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """Safety analysis, then the teardown with what must stay as ``keep``.

    Raises when the environment cannot be read: without the analysis nothing is deleted.
    """
    plan = safety_plan(target, env, policy, ignore_users=adopted_nics)
    keep = {x.id: x.reason for x in plan.left}
    return destroy_environment(
        target,
        env.name,
        keep=keep,
        owned=owned if owned is not None else live_from_found(env),
        adopted_nics=adopted_nics,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
    )


def destroy_named(
    target: Any,
    env: str,
    *,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """``down``: list one environment by its tag (not the whole subscription), then destroy it."""
    live = list_tagged(target, env, retrying_call(target))
    environment = environment_from_live(env, live)
    return destroy(
        target,
        environment,
        owned=live,
        adopted_nics=adopted_nics,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
    )


def destroy_discovered(
    target: Any, env: Environment, *, policy: RetryPolicy = DEFAULT_POLICY
) -> EnvOutcome:
    """``cleanup``: destroy ``env`` as far as the ownership rules allow. Never raises for Azure
    errors: one environment's failure must not stop the others."""
    try:
        report = destroy(target, env, policy=policy)
    except Exception as exc:  # noqa: BLE001 - cannot judge safety: delete nothing
        return EnvOutcome(
            env.name, error=f"reading the environment: {error_code(exc)}: {describe(exc)}"
        )
    return EnvOutcome(
        env.name,
        deleted=_with_group_contents(env, report.deleted, report.resource_groups_deleted),
        left=tuple(LeftResource(x.id, x.reason) for x in report.left),
    )


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


def adopted_nic_ids(target: Any, state: Any, policy: RetryPolicy = DEFAULT_POLICY) -> list[str]:
    """Live ids of the NICs the blueprint adopts (brownfield VMs' NICs it joins to its pools).

    The blueprint names the VM, not its NIC, so each is read through its VM (GETs only).
    """
    from provisioner.compile.desired import Kind, Ownership
    from provisioner.plan.live import read_resource

    call = retrying_call(target, policy)

    ids = []
    for res in state.order():
        if res.ownership is Ownership.ADOPTED and res.kind is Kind.NETWORK_INTERFACE:
            body = read_resource(target, res, call)
            if body and body.get("id"):
                ids.append(str(body["id"]))
    return ids


def brownfield_guest_vms(state: Any) -> list[str]:
    """Blueprint names of the VMs whose guest ``up`` configured but the environment did not
    create: deleting the environment does not delete them, so ``down`` must undo the guest
    configuration on them (the loopback addresses and firewall rules of our frontends)."""
    return [g.vm for g in state.guest if not g.owned_vm]


def down_environment(
    target: Any,
    env: str,
    loaded: Any = None,
    *,
    max_parallel: int = 8,
    events: EventSink = ignore,
    on_guest: Callable[[str, str], None] | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """``provision down``: with a blueprint, remove the guest configuration from brownfield VMs
    and detach the NICs it adopted; then the shared, safety-checked teardown."""
    adopted: list[str] = []
    guest = None
    if loaded is not None:
        from provisioner.apply.lifecycle import desired_state, run_guest

        state = desired_state(target, loaded, env, policy=policy)
        adopted = adopted_nic_ids(target, state, policy)
        vms = brownfield_guest_vms(state)
        if vms:
            guest = run_guest(target, state, mode="remove", only_vms=vms, on_event=on_guest)
    report = destroy_named(
        target,
        env,
        adopted_nics=adopted,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
    )
    report.guest = guest
    return report
