"""The steps shared by ``plan``, ``up`` and ``status``: validate, compile, read, plan, apply.

The CLI parses options and renders; everything it needs to decide is computed here, so tests,
benchmarks and ``cleanup`` drive the same code the commands do.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from provisioner.apply.durations import format_timestamp, parse_duration, parse_timestamp
from provisioner.apply.events import EventSink, ignore
from provisioner.apply.executor import ApplyReport, Executor
from provisioner.arm.listing import ListedResource, list_environment
from provisioner.arm.reads import environment_tags_of
from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, retrying_call
from provisioner.arm.target import Target
from provisioner.blueprint.user_tags import tags_problem
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState, Ownership
from provisioner.compile.tags import TAG_CREATED
from provisioner.errors import BlueprintInvalid, Finding, SourceLocation, UserInputError
from provisioner.guest import step
from provisioner.guest.step import GuestPlanItem, GuestStepReport, Mode
from provisioner.plan.mapping import live_mapping
from provisioner.plan.model import Plan
from provisioner.plan.planner import make_plan


def parse_ttl(value: str, option: str = "--ttl") -> timedelta:
    """``30m``, ``4h``, ``2d`` → a timedelta; anything else is a user error (exit 2)."""
    return parse_duration(value, option)


def iso(moment: datetime) -> str:
    return format_timestamp(moment)


def resolve_expiry(
    ttl: str | None, default_ttl: str | None, live_expiry: str | None, now: datetime
) -> str | None:
    """``--ttl`` moves the expiry to now + TTL, but never earlier than the live one (a re-run of
    the same CI job must not shorten, nor churn, the environment's life; ``extend`` sets it
    exactly); without it the live one is kept, else the blueprint default."""
    if ttl:
        wanted = now + parse_ttl(ttl)
        live = parse_timestamp(live_expiry)
        return iso(max(wanted, live)) if live is not None else iso(wanted)
    if live_expiry:
        return live_expiry
    if default_ttl:
        return iso(now + parse_ttl(default_ttl, "defaults.ttl"))
    return None


def resolve_created(live_created: str | None, now: datetime) -> str:
    """``provisioner-created``: the live value once the environment exists, else ``now``.

    Written once and never moved, so ``cleanup --older-than`` measures the environment's age and
    a second ``up`` finds nothing to change.
    """
    return live_created or iso(now)


def with_created(state: DesiredState, created: str) -> DesiredState:
    """``state`` with the ``provisioner-created`` tag on every resource the environment owns.

    The compiler has no creation time to give (it is a pure function of the blueprint); the tag
    is added here, to the state's tags and to each owned body's tags, before planning.
    """
    tags = replace(state.tags, created=created)
    for res in state.resources.values():
        if res.ownership is not Ownership.OWNED or res.body is None:
            continue
        body_tags = getattr(res.body, "tags", None)
        if isinstance(body_tags, dict):
            res.body.tags = {**body_tags, TAG_CREATED: created}
        elif isinstance(res.body, dict) and isinstance(res.body.get("tags"), dict):
            res.body["tags"] = {**res.body["tags"], TAG_CREATED: created}
    return replace(state, tags=tags)


@dataclass
class Loaded:
    """A blueprint that passed loading and validation, with its warnings."""

    path: str
    blueprint: Any
    source: Any
    digest: str
    warnings: list[Finding]

    def locate(self, path: tuple[str | int, ...]) -> SourceLocation | None:
        try:
            return self.source.locate(path)
        except Exception:  # noqa: BLE001 - a location is a courtesy, never a failure
            return None


def load_and_validate(path: str | Path) -> Loaded:
    """Load and validate; raises ``BlueprintInvalid`` (exit 2) before any cloud call."""
    from provisioner.blueprint.loader import load_blueprint
    from provisioner.blueprint.source import attach_locations
    from provisioner.rules.validate import validate

    loaded = load_blueprint(path)
    findings = attach_locations(validate(loaded.blueprint), loaded.source)
    if any(f.severity == "error" for f in findings):
        raise BlueprintInvalid(str(path), findings)
    warnings = [f for f in findings if f.severity != "error"]
    return Loaded(str(path), loaded.blueprint, loaded.source, loaded.digest, warnings)


def desired_state(
    target: Target,
    loaded: Loaded,
    env: str,
    *,
    ttl: str | None = None,
    now: datetime | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    extra_tags: Mapping[str, str] | None = None,
) -> DesiredState:
    """Compile for ``env`` on ``target``: the live expiry is kept unless ``ttl`` replaces it, the
    live creation time is always kept (``now`` for a new environment). ``extra_tags``
    (``--tag``) go on every resource, over the blueprint's ``tags:``."""
    state, _ = desired_and_listed(
        target, loaded, env, ttl=ttl, now=now, policy=policy, extra_tags=extra_tags
    )
    return state


def desired_and_listed(
    target: Target,
    loaded: Loaded,
    env: str,
    *,
    ttl: str | None = None,
    now: datetime | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
    extra_tags: Mapping[str, str] | None = None,
) -> tuple[DesiredState, list[ListedResource]]:
    """:func:`desired_state` and the environment's listing it was read from, for the plan to
    reuse (one listing per ``up``)."""
    extra = dict(extra_tags or {})
    problem = tags_problem({**loaded.blueprint.tags, **extra}) if extra else None
    if problem:
        raise UserInputError(f"--tag with the blueprint's tags: {problem}")
    now = now or datetime.now(UTC)
    default_ttl = getattr(getattr(loaded.blueprint, "defaults", None), "ttl", None)
    listed = list_environment(target, env, retrying_call(target, policy))
    live = environment_tags_of(listed)
    expires = resolve_expiry(ttl, default_ttl, live.expires, now)
    ctx = CompileContext(env, target.subscription_id, loaded.digest, expires, extra_tags=extra)
    state = compile_blueprint(loaded.blueprint, ctx)
    return with_created(state, resolve_created(live.created, now)), listed


def plan_environment(
    target: Target,
    state: DesiredState,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    parallel: int = 8,
    listed: list[ListedResource] | None = None,
) -> Plan:
    call = retrying_call(target, policy)
    return make_plan(target, state, call, parallel=parallel, tagged=listed)


def check_plan(loaded: Loaded, state: DesiredState, plan: Plan) -> None:
    """Stop before anything is written (``BlueprintInvalid``, exit 2) when the live state makes
    the blueprint wrong: an NSG someone else attached where the blueprint puts its own, or an
    existing NSG (``security: {existing: ID}``) that blocks a load balancer rule or a probe."""
    from provisioner.blueprint.source import attach_locations
    from provisioner.compile.desired import Kind
    from provisioner.compile.mapping import ALLOCATED_AT_APPLY
    from provisioner.rules.security import check_existing_nsgs

    live_nsgs = {
        r.id.lower(): plan.live.get(r.key)
        for r in state.resources.values()
        if r.kind is Kind.NETWORK_SECURITY_GROUP and r.ownership is Ownership.REFERENCED
    }
    addresses = {
        (row.load_balancer, row.frontend): row.frontend_ip
        for row in plan.mapping
        if row.frontend_ip != ALLOCATED_AT_APPLY
    }
    findings = [*plan.findings, *check_existing_nsgs(loaded.blueprint, live_nsgs, addresses)]
    if any(f.severity == "error" for f in findings):
        raise BlueprintInvalid(loaded.path, attach_locations(findings, loaded.source))


def apply_plan(
    target: Target,
    state: DesiredState,
    plan: Plan,
    *,
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
    loaded: Loaded | None = None,
) -> tuple[ApplyReport, Any]:
    """Apply ``plan``; returns the report and the mapping rows with the addresses now live."""
    executor = Executor(
        target,
        state,
        plan,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
        locate=loaded.locate if loaded else (lambda _: None),
    )
    report = executor.run()
    return report, live_mapping(state, report.live)


# -- the guest step -------------------------------------------------------------------------
#
# ``up`` runs it after the infrastructure is applied, ``plan`` shows what it would do, ``down``
# undoes it on brownfield VMs.


def plan_guest(target: Target, state: DesiredState) -> list[GuestPlanItem]:
    """What the guest step would do per VM (reads only)."""
    return list(step.plan_guest(target, state))


def run_guest(
    target: Target,
    state: DesiredState,
    *,
    mode: Mode = "apply",
    only_vms: Collection[str] | None = None,
    max_parallel: int = 16,
    on_event: Callable[[str, str], None] | None = None,
) -> GuestStepReport:
    """Run the guest step (``apply``/``check``/``remove``).

    VMs whose ``provisioner-guest`` tag already equals the desired configuration digest are left
    alone by the step itself, so a second ``up`` still writes nothing. It also runs when the
    blueprint has no guest requirement any more: a VM still tagged gets the removal script.
    """
    return step.run_guest_step(
        target,
        state,
        mode=mode,
        max_parallel=max_parallel,
        only_vms=only_vms,
        on_event=on_event,
    )


def pending_guest(items: list[GuestPlanItem] | None) -> list[GuestPlanItem]:
    """The guest plan items that are work to do (``configure`` or ``remove``)."""
    return [i for i in items or [] if i.action != "noop"]
