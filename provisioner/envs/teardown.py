"""Execute a deletion plan, and say precisely what could not be destroyed.

:func:`provisioner.envs.ownership.plan_deletion` decides what may go; this module only carries
it out: whole groups in one call each, then the rest one by one, dependents first (VMs → NICs →
load balancers → public IPs → VNet), retrying the ordering conflicts Azure reports while a
dependent is still going away. Adopted members (brownfield VMs' NICs a blueprint joined to our
pools) are taken out of our pools before a load balancer is deleted, or it could not be.

One precondition is checked again, because its failure cannot be undone: a group is deleted
whole only if a fresh listing still shows nothing foreign in it (the plan may be seconds old);
otherwise its own resources go one by one and the group is kept and reported. ``down`` and
``cleanup`` both reach this module through ``provisioner.envs.destroy``, so there is one
deletion path.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import HttpResponseError

from provisioner.apply.events import Event, EventSink, State, ignore
from provisioner.arm import writes
from provisioner.arm.kinds import delete_rank_of_type
from provisioner.arm.listing import ListedResource, list_group
from provisioner.arm.reads import get_body
from provisioner.arm.retry import (
    DEFAULT_POLICY,
    TRANSIENT_CODES,
    Call,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
    error_codes,
    retrying_call,
)
from provisioner.arm.target import Target
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import Kind
from provisioner.envs.discovery import Environment
from provisioner.envs.ownership import DeletionPlan, Left, attached_reason, foreign_in

#: Codes Azure gives while something that uses a resource is still being deleted.
IN_USE_CODES = frozenset(
    c.lower()
    for c in (
        "InUseSubnetCannotBeDeleted",
        "InUseNetworkInterfaceCannotBeDeleted",
        "NicInUse",
        "PublicIPAddressCannotBeDeleted",
        "PublicIPAddressInUse",
        "LoadBalancerInUseByVirtualMachineScaleSet",
        "InUseLoadBalancerCannotBeDeleted",
        "ResourceGroupDeletionBlocked",
        "CannotDeleteResource",
        "OperationNotAllowed",
        "Conflict",
    )
)

#: Ordering conflicts are retried a few times only: a real blocker must be reported, not waited on.
IN_USE_POLICY = RetryPolicy(attempts=6, total_seconds=600.0, base_delay=2.0, max_delay=30.0)


def in_use(exc: BaseException) -> bool:
    if not isinstance(exc, HttpResponseError) or exc.status_code not in (400, 409):
        return False
    codes = {c.lower() for c in error_codes(exc)}
    return bool(codes & IN_USE_CODES) or "in use" in describe(exc).lower()


@dataclass
class TeardownReport:
    env: str
    deleted: list[str] = field(default_factory=list)
    left: list[Left] = field(default_factory=list)
    resource_groups_deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: ``down`` with a blueprint: the guest removal on brownfield VMs (a ``GuestStepReport``).
    guest: Any = None

    @property
    def ok(self) -> bool:
        return not self.left and (self.guest is None or bool(self.guest.ok))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "env": self.env,
            "deleted": list(self.deleted),
            "resource_groups_deleted": list(self.resource_groups_deleted),
            "left": [x.as_dict() for x in self.left],
            "guest": self.guest.as_dict() if self.guest is not None else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class _Run:
    """One teardown: the target, its policies, and the report being filled."""

    target: Target
    env: Environment
    report: TeardownReport
    events: EventSink
    policy: RetryPolicy
    max_parallel: int

    @property
    def call(self) -> Call:
        return retrying_call(self.target, self.policy)


def execute_deletion(
    target: Target,
    env: Environment,
    plan: DeletionPlan,
    *,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """Carry out ``plan`` for ``env``; report what was deleted and what remains, and why.

    ``adopted_nics`` are the ids of members a blueprint declares adopted (brownfield VMs joined
    to our pools): only those are taken out of our pools before a load balancer is deleted; any
    other foreign member in a pool is never edited (the plan has left that load balancer).
    """
    started = time.monotonic()
    run = _Run(target, env, TeardownReport(env.name), events, policy, max(1, max_parallel))
    for item in plan.left:
        run.report.left.append(item)
        events(Event(_key_of(env, item.id), "delete", State.SKIPPED, message=item.reason))
    fallen_back = _delete_whole_groups(run, plan.whole_groups, plan.own_disks)
    _delete_one_by_one(run, [*plan.one_by_one, *fallen_back], {a.lower() for a in adopted_nics})
    run.report.seconds = time.monotonic() - started
    return run.report


def _key_of(env: Environment, resource_id: str) -> str:
    found = next((r for r in env.all_items() if r.id.lower() == resource_id.lower()), None)
    return found.key if found is not None else resource_id.split("/providers/")[-1]


def _delete_whole_groups(
    run: _Run, names: Collection[str], own_disks: Collection[str]
) -> list[ListedResource]:
    """Delete each group whole; a group that now holds something foreign is kept and its own
    resources are returned, to go one by one, except a VM a foreign disk is now attached to
    (deleting it could take the disk with it): that VM stays, reported."""
    env = run.env
    owned_ids = {r.id.lower() for r in env.resources}
    fallen_back: list[ListedResource] = []
    for group in env.resource_groups:
        if group.name not in names:
            continue
        contents = list_group(run.target, group.name, run.call)
        foreign = foreign_in(contents, env.name, owned_ids, own_disks)
        if foreign:
            run.report.left.append(
                Left(
                    group.id,
                    f"holds {len(foreign)} resource(s) the environment does not own, "
                    f"e.g. {foreign[0].id}",
                )
            )
            held = {f.managed_by.lower(): f.id for f in foreign if f.managed_by}
            members = [r for r in env.resources if r.resource_group.lower() == group.name.lower()]
            for r in members:
                if r.id.lower() in held:
                    run.report.left.append(Left(r.id, attached_reason(held[r.id.lower()])))
                elif r.kind is not None:
                    fallen_back.append(r)
            continue
        if _delete(run, group):
            run.report.resource_groups_deleted.append(group.name)
    return fallen_back


def _delete_one_by_one(run: _Run, resources: list[ListedResource], adopted: set[str]) -> None:
    """Rank by rank, dependents first; resources of one rank in parallel."""
    owned_ids = {r.id.lower() for r in run.env.resources}
    ranks = sorted({delete_rank_of_type(r.type) for r in resources})
    for rank in ranks:
        batch = [r for r in resources if delete_rank_of_type(r.type) == rank]
        if adopted:
            for lb in (r for r in batch if r.kind is Kind.LOAD_BALANCER):
                _detach_adopted(run, lb, owned_ids, adopted)
        with ThreadPoolExecutor(max_workers=run.max_parallel) as pool:
            list(pool.map(lambda r: _delete(run, r), batch))


def _delete(run: _Run, res: ListedResource) -> bool:
    """Delete one resource (or group), retrying ordering conflicts; a failure is a leftover.

    The report is exact whatever the attempts met: a delete is recorded once, as deleted when
    the resource is gone at the end, even if the attempt that removed it lost its answer
    (a dropped connection, a failed status poll) and later attempts failed; as left, with the
    last error, only when the resource is still there.
    """
    kind = res.kind
    assert kind is not None, "the deletion plan holds only kinds we delete"
    run.events(Event(res.key, "delete", State.RUNNING))
    started = time.monotonic()
    policy = RetryPolicy(
        attempts=max(run.policy.attempts, IN_USE_POLICY.attempts),
        total_seconds=run.policy.total_seconds,
        base_delay=run.policy.base_delay,
        max_delay=run.policy.max_delay,
        seed=run.policy.seed,
    )
    try:
        call_with_retry(
            lambda: writes.delete(run.target, kind, res.resource_group, res.name),
            sleep=run.target.sleep,
            policy=policy,
            retry_also=lambda exc: in_use(exc) or failed_transiently(exc),
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a leftover
        if not _gone(run, res):
            run.report.left.append(Left(res.id, f"{error_code(exc)}: {describe(exc)}"))
            elapsed = time.monotonic() - started
            run.events(Event(res.key, "delete", State.FAILED, elapsed, error_code(exc)))
            return False
    run.report.deleted.append(res.id)
    run.events(Event(res.key, "delete", State.DONE, time.monotonic() - started))
    return True


def failed_transiently(exc: BaseException) -> bool:
    """A delete whose operation ended Failed with a code Azure uses for "try again"
    (``InternalServerError`` …). ARM answers a failed resource group deletion's ``Location``
    poll with the failure's own status, which may be a 4xx that the general policy never
    retries; a delete is idempotent, so here it is tried again."""
    if not isinstance(exc, HttpResponseError):
        return False
    return bool({c.lower() for c in error_codes(exc)} & TRANSIENT_CODES)


def _gone(run: _Run, res: ListedResource) -> bool:
    """Whether the resource no longer exists (one read, retried as every read is)."""
    assert res.kind is not None
    try:
        return get_body(run.target, res.kind, res.resource_group, res.name, run.call) is None
    except Exception:  # noqa: BLE001 - cannot tell: the delete's own error stands
        return False


def _detach_adopted(run: _Run, lb: ListedResource, owned_ids: set[str], adopted: set[str]) -> None:
    """Take our pools out of the adopted members (brownfield VMs the blueprint joined to them),
    so the load balancer can be deleted. A member nobody declared adopted is never edited."""
    body = get_body(run.target, Kind.LOAD_BALANCER, lb.resource_group, lb.name, run.call)
    if body is None:
        return
    pool_ids = {
        str(p.get("id", "")).lower()
        for p in (body.get("properties") or {}).get("backendAddressPools") or []
    }
    for member_id in sorted(BACKEND.members(body)):
        if member_id.lower() in owned_ids or member_id.lower() not in adopted:
            continue  # ours (deleted before the load balancer), or not ours to edit
        try:
            call_with_retry(
                lambda m=member_id: writes.leave_pools(run.target, m, pool_ids),
                sleep=run.target.sleep,
                policy=run.policy,
            )
        except Exception as exc:  # noqa: BLE001
            run.report.left.append(Left(member_id, f"could not leave pools: {describe(exc)}"))
