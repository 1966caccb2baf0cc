"""Destroy one environment, for ``down`` and for ``cleanup``: decide, then execute.

There is one deletion path: read who uses what and what each group holds, decide with
:func:`provisioner.envs.ownership.plan_deletion` (a resource *used* by something unowned — our
NIC on someone else's VM, our public IP on someone else's load balancer — stays, with everything
pinned by it), then :func:`provisioner.envs.teardown.execute_deletion` carries the plan out.
``down`` with a blueprint also knows which NICs it adopted (brownfield VMs joined to its pools):
links through those do not pin anything, because the teardown takes our pools out of them first.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from provisioner.apply.events import EventSink, ignore
from provisioner.arm.listing import list_environment
from provisioner.arm.reads import read_resource
from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, describe, error_code, retrying_call
from provisioner.arm.target import Target
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import DesiredState, Ownership
from provisioner.envs.cleanup import EnvOutcome
from provisioner.envs.discovery import Environment, environment_of
from provisioner.envs.ownership import plan_deletion, read_deletion_inputs
from provisioner.envs.selection import Decision
from provisioner.envs.teardown import TeardownReport, execute_deletion

#: Decides again, from a fresh listing, whether an environment is still to be destroyed.
Recheck = Callable[[Environment], Decision]


def destroy(
    target: Target,
    env: Environment,
    *,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """Safety analysis, then the teardown of what it allows.

    Raises when the environment cannot be read: without the analysis nothing is deleted.
    """
    inputs = read_deletion_inputs(target, env, retrying_call(target, policy))
    plan = plan_deletion(
        env,
        inputs.group_contents,
        inputs.used_by,
        ignore_users=adopted_nics,
        machines=inputs.machines,
        late=inputs.late,
    )
    return execute_deletion(
        target,
        env,
        plan,
        adopted_nics=adopted_nics,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
    )


def destroy_named(
    target: Target,
    env: str,
    *,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """``down``: list one environment by its tag (not the whole subscription), then destroy it."""
    listed = list_environment(target, env, retrying_call(target, policy))
    return destroy(
        target,
        environment_of(env, listed),
        adopted_nics=adopted_nics,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
    )


def destroy_discovered(
    target: Target,
    env: Environment,
    *,
    recheck: Recheck | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> EnvOutcome:
    """``cleanup``: destroy ``env`` as far as the ownership rules allow. Never raises for Azure
    errors: one environment's failure must not stop the others.

    With ``recheck``, the environment is listed again right before its teardown and destroyed
    only if the fresh listing still matches: the selection was made from a listing that may be
    minutes old, and an ``extend`` that succeeded meanwhile must win.
    """
    try:
        if recheck is not None:
            listed = list_environment(target, env.name, retrying_call(target, policy))
            fresh = environment_of(env.name, listed)
            decision = recheck(fresh)
            if not decision.selected:
                return EnvOutcome(
                    env.name, skipped=f"{decision.reason} (read again before deleting)"
                )
            env = fresh
        report = destroy(target, env, policy=policy)
    except Exception as exc:  # noqa: BLE001 - cannot judge safety: delete nothing
        return EnvOutcome(
            env.name, error=f"reading the environment: {error_code(exc)}: {describe(exc)}"
        )
    return EnvOutcome(
        env.name,
        deleted=_with_group_contents(env, report.deleted, report.resource_groups_deleted),
        left=tuple(report.left),
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
    target: Target, policy: RetryPolicy = DEFAULT_POLICY, *, recheck: Recheck | None = None
) -> Callable[[Environment], EnvOutcome]:
    """The per-environment destroy function ``run_cleanup`` fans out."""
    return lambda env: destroy_discovered(target, env, recheck=recheck, policy=policy)


def adopted_member_ids(
    target: Target, state: DesiredState, policy: RetryPolicy = DEFAULT_POLICY
) -> list[str]:
    """Live ids of the members the blueprint adopts (brownfield VMs' NICs it joins to its pools).

    The blueprint names the VM, not its NIC, so each is read through its VM (GETs only).
    """
    call = retrying_call(target, policy)
    ids = []
    for res in state.order():
        if res.ownership is Ownership.ADOPTED and res.kind is BACKEND.kind:
            body = read_resource(target, res, call)
            if body and body.get("id"):
                ids.append(str(body["id"]))
    return ids


def brownfield_guest_vms(state: DesiredState) -> list[str]:
    """Blueprint names of the VMs whose guest ``up`` configured but the environment did not
    create: deleting the environment does not delete them, so ``down`` must undo the guest
    configuration on them (the loopback addresses and firewall rules of our frontends)."""
    return [g.vm for g in state.guest if not g.owned_vm]


def down_environment(
    target: Target,
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
        adopted = adopted_member_ids(target, state, policy)
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
