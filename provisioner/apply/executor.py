"""Apply a plan: walk the dependency graph with a ready queue and bounded parallelism.

Each resource starts as soon as everything it depends on has finished — not level by level, so
a slow VM never holds back an unrelated load balancer. Every call goes through the one retry
policy, request by request (``arm.write_once``): a failed status poll is polled again in place, a
write whose answer was lost is sent again only when the resource, read again, is not what the
plan asked for — so each resource is written once. A load balancer is one PUT guarded by the
ETag the plan read; on 412 (someone else wrote it in between) the executor re-reads it,
re-plans that one resource and tries again with the new ETag. Deletions of resources the
blueprint dropped run around the walk: VMs and NICs first (they hold references to pools and
IPs), load balancers, public IPs and networks after it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from azure.core.exceptions import HttpResponseError

from provisioner.apply.events import Event, EventSink, State, ignore
from provisioner.apply.secrets import fill_placeholders
from provisioner.arm import writes
from provisioner.arm.kinds import DeletePhase, deletion_order, spec
from provisioner.arm.policy import CODE as POLICY_CODE
from provisioner.arm.policy import policy_refusal
from provisioner.arm.reads import get_body, read_resource
from provisioner.arm.retry import (
    DEFAULT_POLICY,
    Retrier,
    RetryPolicy,
    describe,
    error_code,
    retrier,
    retrying_call,
)
from provisioner.arm.target import Target
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import (
    BlueprintPath,
    DesiredResource,
    DesiredState,
    Kind,
    Ownership,
)
from provisioner.compile.ids import resource_group_of
from provisioner.errors import ApplyFailed, SourceLocation
from provisioner.plan.addresses import resolve_addresses, unresolved
from provisioner.plan.diff import body_of, plan_resource
from provisioner.plan.merge import merge_unmanaged
from provisioner.plan.model import Action, Change, Plan

#: How many times one load balancer PUT is re-planned after a 412 before giving up.
MAX_ETAG_RETRIES = 5


@dataclass
class Outcome:
    key: str
    kind: str
    name: str
    id: str
    action: str
    seconds: float = 0.0
    state: State = State.WAITING
    writes: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.kind,
            "name": self.name,
            "id": self.id,
            "action": self.action,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class ApplyReport:
    outcomes: list[Outcome]
    #: Final live bodies by key (what PUTs returned, or what the plan read for unchanged ones).
    live: dict[str, dict[str, Any] | None]
    timings: dict[str, float] = field(default_factory=dict)


Locate = Callable[[BlueprintPath], SourceLocation | None]


def _no_location(_: BlueprintPath) -> SourceLocation | None:
    return None


class Executor:
    """One apply run. Not reusable: build one per plan."""

    def __init__(
        self,
        target: Target,
        state: DesiredState,
        plan: Plan,
        *,
        max_parallel: int = 8,
        events: EventSink = ignore,
        policy: RetryPolicy = DEFAULT_POLICY,
        locate: Locate = _no_location,
    ) -> None:
        self.target, self.state, self.plan = target, state, plan
        self.max_parallel = max(1, max_parallel)
        self.events, self.policy, self.locate = events, policy, locate
        self.live: dict[str, dict[str, Any] | None] = dict(plan.live)
        self.outcomes: dict[str, Outcome] = {
            c.key: Outcome(c.key, str(c.kind), c.name, c.id, str(c.action)) for c in plan.changes
        }
        #: Changes re-planned after the first pass wrote the resource (fresh ETag, maybe no-op).
        self.replanned: dict[str, Change] = {}

    # -- retries -----------------------------------------------------------------------------
    def _retry(self, key: str, action: str) -> Retrier:
        """The retrier of one resource's writes: each retry is an event (and counted on the
        target, with the reads and polls the pipeline retried in place)."""

        def on_retry(exc: BaseException, delay: float) -> None:
            self.events(Event(key, action, State.RETRYING, message=f"{error_code(exc)}"))

        return retrier(self.target, self.policy, on_retry)

    def read(self, fn: Callable[[], Any]) -> Any:
        """The retry wrapper for reads (the planner's ``call``); gives up with a CloudError."""
        return retrying_call(self.target, self.policy)(fn)

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> ApplyReport:
        started = time.monotonic()
        deletes = self.plan.by_action(Action.DELETE)
        self._delete_all([c for c in deletes if _phase(c) is DeletePhase.BEFORE_WALK])
        t_pools = time.monotonic()
        self._leave_removed_pools()
        t_walk = time.monotonic()
        self._walk()
        t_late = time.monotonic()
        self._delete_all([c for c in deletes if _phase(c) is DeletePhase.AFTER_WALK])
        ended = time.monotonic()
        timings = {
            "total": ended - started,
            "early_deletes": t_pools - started,
            "leave_pools": t_walk - t_pools,
            "graph_walk": t_late - t_walk,
            "late_deletes": ended - t_late,
        }
        return ApplyReport(list(self.outcomes.values()), self.live, timings)

    def _walk(self) -> None:
        resources = self.state.resources
        waiting = {
            key: {d for d in res.depends_on if d in resources} for key, res in resources.items()
        }
        done: set[str] = set()
        running: dict[Future[None], str] = {}
        failure: BaseException | None = None
        pool = ThreadPoolExecutor(max_workers=self.max_parallel, thread_name_prefix="apply")
        try:
            while waiting or running:
                # Start everything whose dependencies are done; no-ops finish on the spot.
                progressed = True
                while progressed and failure is None:
                    progressed = False
                    for key in [k for k, deps in waiting.items() if deps <= done]:
                        del waiting[key]
                        change = self.replanned.get(key) or self.plan.change(key)
                        if key in self.replanned and change.action is Action.NOOP:
                            done.add(key)  # the first pass already wrote all it needed
                            progressed = True
                        elif change is None or change.action is Action.NOOP:
                            self._finish_noop(key)
                            done.add(key)
                            progressed = True
                        else:
                            running[pool.submit(self._apply_one, resources[key], change)] = key
                if not running:
                    if waiting and failure is None:
                        raise RuntimeError(f"dependency cycle among {sorted(waiting)}")
                    break
                finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for fut in finished:
                    key = running.pop(fut)
                    exc = fut.exception()
                    if exc is None:
                        done.add(key)
                    elif failure is None:
                        failure = exc
                if failure is not None:
                    for key in waiting:
                        self.outcomes[key].state = State.SKIPPED
                    waiting.clear()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        if failure is not None:
            raise failure

    def _finish_noop(self, key: str) -> None:
        outcome = self.outcomes.get(key)
        if outcome is not None:
            outcome.state = State.UNCHANGED
            self.events(Event(key, "noop", State.UNCHANGED))

    # -- one resource ------------------------------------------------------------------------
    def _apply_one(self, resource: DesiredResource, change: Change) -> None:
        outcome = self.outcomes[resource.key]
        action = str(change.action)
        outcome.state = State.RUNNING
        self.events(Event(resource.key, action, State.RUNNING))
        started = time.monotonic()
        try:
            # Addresses allocated earlier in this walk (a public IP the NSG names) go in now.
            resource = resolve_addresses(resource, self.live)
            if unresolved(resource):
                raise ApplyFailed(
                    "AddressNotAllocated",
                    f"the addresses {', '.join(unresolved(resource))} are not known yet",
                    resource.key,
                    self.locate(resource.source),
                )
            final = self._put_converging(resource, change)
        except BaseException as exc:
            outcome.seconds = time.monotonic() - started
            outcome.state = State.FAILED
            self.events(Event(resource.key, action, State.FAILED, outcome.seconds, describe(exc)))
            raise self._failure(resource.key, exc, resource.source) from exc
        outcome.seconds = time.monotonic() - started
        outcome.state = State.DONE
        self.live[resource.key] = final
        self.events(Event(resource.key, action, State.DONE, outcome.seconds))

    def _put_converging(self, resource: DesiredResource, change: Change) -> dict[str, Any]:
        """PUT the resource (a tags PATCH when only tags change); for If-Match kinds, re-read
        and re-plan on every 412."""
        live = self.live.get(resource.key)
        etag = change.etag
        for _ in range(MAX_ETAG_RETRIES):
            if change.tags_only and not _adopted(resource):
                return self._patch_tags(resource, live)
            body = self._body_for(resource, change, live)
            guard = etag if (spec(resource.kind).if_match or _adopted(resource)) else None
            rg, name = resource.resource_group, resource.name
            if _adopted(resource) and live and live.get("id"):
                rg, name = resource_group_of(str(live["id"])), str(live["id"]).split("/")[-1]
            try:
                return writes.put(
                    self.target,
                    resource.kind,
                    rg,
                    name,
                    body,
                    if_match=guard,
                    retry=self._retry(resource.key, str(change.action)),
                    landed=lambda live: plan_resource(resource, live).action is Action.NOOP,
                )
            except HttpResponseError as exc:
                if exc.status_code != 412 or guard is None:
                    raise
            # Someone wrote the resource since we read it: read again, plan again.
            self.events(Event(resource.key, str(change.action), State.RETRYING, message="412"))
            live = read_resource(self.target, resource, self.read)
            change = plan_resource(resource, live)
            if change.action is Action.NOOP and live is not None:
                return live
            etag = change.etag
        raise ApplyFailed(
            "PreconditionFailed",
            f"the resource kept changing under us ({MAX_ETAG_RETRIES} ETag mismatches in a row)",
            resource.key,
            self.locate(resource.source),
        )

    def _patch_tags(self, resource: DesiredResource, live: dict[str, Any] | None) -> dict[str, Any]:
        """Our tags over the live ones (tags others set are kept), sent alone: nothing the
        blueprint does not say can be erased by it."""
        tags = {**((live or {}).get("tags") or {}), **(body_of(resource).get("tags") or {})}
        rg, name = resource.resource_group, resource.name
        retry = self._retry(resource.key, "update")
        return writes.patch_tags(self.target, resource.kind, rg, name, tags, retry=retry)

    def _body_for(
        self, resource: DesiredResource, change: Change, live: dict[str, Any] | None
    ) -> dict[str, Any]:
        if _adopted(resource):
            return BACKEND.join(live or {}, list(resource.body or []))
        body = body_of(resource)
        if live is None or change.action is Action.CREATE:
            return fill_placeholders(body)
        # Keep tags others added and what the blueprint does not manage; send create-only fields
        # as Azure already has them.
        tags = {**(live.get("tags") or {}), **(body.get("tags") or {})}
        body, _ = merge_unmanaged(resource.kind, {**body, "tags": tags}, live, resource.releases)
        create_only = spec(resource.kind).create_only
        if create_only:
            props = dict(body.get("properties") or {})
            live_props = live.get("properties") or {}
            for name in create_only:
                if live_props.get(name):
                    props[name] = live_props[name]
                else:
                    props.pop(name, None)
            body["properties"] = props
        return body

    # -- first pass: NICs leave the pools the blueprint drops --------------------------------
    def _removed_pools(self) -> dict[str, set[str]]:
        """Member id (lower) → ids (lower) of the pools it is in that are about to disappear.

        A pool disappears when an updated load balancer no longer has it or the load balancer is
        deleted. The members are read from the live pools themselves (Azure records every member
        there), so adopted and owned members are found alike.
        """
        keep: set[str] = set()
        for res in self.state.resources.values():
            if res.kind is Kind.LOAD_BALANCER and res.ownership is Ownership.OWNED:
                props = body_of(res).get("properties") or {}
                for pool in props.get("backendAddressPools") or []:
                    keep.add(f"{res.id}/backendAddressPools/{pool.get('name')}".lower())
        removed: dict[str, set[str]] = {}
        for change in self.plan.changes:
            if change.kind is not Kind.LOAD_BALANCER:
                continue
            if change.action is Action.UPDATE:
                live = self.live.get(change.key)
            elif change.action is Action.DELETE:
                live = get_body(
                    self.target,
                    Kind.LOAD_BALANCER,
                    resource_group_of(change.id),
                    change.name,
                    self.read,
                )
            else:
                continue
            for member, pools in BACKEND.members(live).items():
                doomed = pools - keep
                if doomed:
                    removed.setdefault(member.lower(), set()).update(doomed)
        return removed

    def _leave_removed_pools(self) -> None:
        """Update the NICs in pools about to disappear before any load balancer changes.

        Azure refuses a load balancer update (or delete) that removes a pool NICs still
        reference, and the graph orders NICs *after* their load balancer; so this first pass takes
        only the doomed pool references out of each such NIC, guarded by its ETag, and the walk
        then applies everything else.
        """
        removed = self._removed_pools()
        if not removed:
            return
        by_id = {}
        for res in self.state.resources.values():
            if res.kind is not BACKEND.kind:
                continue
            live_id = str((self.live.get(res.key) or {}).get("id") or res.id)
            by_id[live_id.lower()] = res
        for nic_id, pools in sorted(removed.items()):
            res = by_id.get(nic_id)
            key = res.key if res is not None else f"{BACKEND.kind}/{nic_id.split('/')[-1]}"
            started = time.monotonic()
            self.events(Event(key, "update", State.RUNNING, message="leaving removed pools"))
            try:
                final = writes.leave_pools(
                    self.target, nic_id, pools, retry=self._retry(key, "update")
                )
            except BaseException as exc:
                self.events(Event(key, "update", State.FAILED, message=describe(exc)))
                raise self._failure(key, exc, res.source if res else ()) from exc
            seconds = time.monotonic() - started
            self.events(Event(key, "update", State.DONE, seconds, "left removed pools"))
            if res is None or final is None:
                continue
            self.live[res.key] = final
            self.replanned[res.key] = plan_resource(res, final)
            outcome = self.outcomes.get(res.key)
            if outcome is not None:
                outcome.action = str(Action.UPDATE)
                outcome.seconds += seconds
                outcome.state = State.DONE

    # -- deletions ---------------------------------------------------------------------------
    def _delete_all(self, changes: list[Change]) -> None:
        for kind in deletion_order():
            batch = [c for c in changes if c.kind is kind]
            if not batch:
                continue
            with ThreadPoolExecutor(max_workers=self.max_parallel) as pool:
                for fut in [pool.submit(self._delete_one, c) for c in batch]:
                    fut.result()

    def _delete_one(self, change: Change) -> None:
        outcome = self.outcomes[change.key]
        self.events(Event(change.key, "delete", State.RUNNING))
        started = time.monotonic()
        try:
            writes.delete(
                self.target,
                change.kind,
                resource_group_of(change.id),
                change.name,
                retry=self._retry(change.key, "delete"),
            )
        except BaseException as exc:
            outcome.state = State.FAILED
            raise self._failure(change.key, exc, ()) from exc
        outcome.seconds = time.monotonic() - started
        outcome.state = State.DONE
        self.live.pop(change.key, None)
        self.events(Event(change.key, "delete", State.DONE, outcome.seconds))

    def _failure(self, key: str, exc: BaseException, source: BlueprintPath) -> BaseException:
        if isinstance(exc, ApplyFailed | KeyboardInterrupt | SystemExit):
            return exc
        refusal = policy_refusal(exc)
        if refusal is not None:
            return ApplyFailed(
                POLICY_CODE, refusal.describe(), key, self.locate(source), hint=refusal.hint
            )
        return ApplyFailed(error_code(exc), describe(exc), key, self.locate(source))


def _adopted(resource: DesiredResource) -> bool:
    return resource.ownership is Ownership.ADOPTED


def _phase(change: Change) -> DeletePhase:
    return spec(Kind(change.kind)).delete_phase
