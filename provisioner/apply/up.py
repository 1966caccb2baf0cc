"""``up`` and ``plan`` as sequences: desired state → plan → (confirm) → apply → guest → mapping.

The command line parses options and renders; the order of the steps, what is timed, when to ask
and what an apply failure leaves behind are decided here, so tests and benchmarks run exactly
what ``provision up`` runs. The caller is asked through callbacks: ``confirm`` sees the plan
before anything is written (raise to stop), ``progress`` wraps the apply with an event sink, and
``on_guest`` hears the guest step, one line per VM and step.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

from provisioner.apply.events import EventSink, ignore
from provisioner.apply.executor import ApplyReport
from provisioner.apply.lifecycle import (
    Loaded,
    apply_plan,
    check_plan,
    desired_and_listed,
    pending_guest,
    plan_environment,
    plan_guest,
    run_guest,
)
from provisioner.arm.target import Target
from provisioner.compile.desired import MappingRow
from provisioner.errors import ApplyFailed
from provisioner.guest.step import GuestPlanItem, GuestStepReport, GuestVmResult
from provisioner.plan.model import Plan
from provisioner.plan.references import verify_existing

#: VMs whose guest step runs at once (one run-command per VM at a time, Azure's own limit).
GUEST_PARALLEL = 16


@dataclass(frozen=True)
class Preview:
    """What ``up`` would do: the resource plan, and per VM the guest step's action."""

    plan: Plan
    guest: list[GuestPlanItem]

    @property
    def pending_guest(self) -> list[GuestPlanItem]:
        return pending_guest(self.guest)

    @property
    def has_changes(self) -> bool:
        """Anything to write: a resource change or a guest to configure or clean up."""
        return self.plan.has_changes or bool(self.pending_guest)


def preview_up(
    target: Target, loaded: Loaded, env: str, *, extra_tags: Mapping[str, str] | None = None
) -> Preview:
    """Reads only: the plan of ``up`` for ``env``, guest step included."""
    verify_existing(target, loaded.blueprint, loaded.source)
    desired, listed = desired_and_listed(target, loaded, env, extra_tags=extra_tags)
    plan = plan_environment(target, desired, listed=listed)
    check_plan(loaded, desired, plan)
    return Preview(plan, plan_guest(target, desired))


@dataclass
class UpReport:
    """What ``up`` did. ``failure`` is set when the apply stopped on Azure's refusal; then
    ``applied`` is None and nothing after the apply ran."""

    plan: Plan
    applied: ApplyReport | None = None
    mapping: tuple[MappingRow, ...] = ()
    guest: GuestStepReport | None = None
    failure: ApplyFailed | None = None
    #: Seconds: ``plan``, ``apply`` (the executor's own total), ``guest`` and ``total``.
    timings: dict[str, float] = field(default_factory=dict)
    #: Failed requests retried on the way (reads, polls, writes that had not landed, busy VMs).
    retries: int = 0

    @property
    def guest_failures(self) -> list[GuestVmResult]:
        return [r for r in self.guest.results if not r.ok] if self.guest is not None else []

    @property
    def changed(self) -> int:
        """Resources created, updated or deleted."""
        outcomes = self.applied.outcomes if self.applied is not None else []
        return sum(1 for o in outcomes if o.action != "noop")

    @property
    def ok(self) -> bool:
        return self.failure is None and not self.guest_failures


def bring_up(
    target: Target,
    loaded: Loaded,
    env: str,
    *,
    ttl: str | None = None,
    extra_tags: Mapping[str, str] | None = None,
    max_parallel: int = 8,
    confirm: Callable[[Plan], None] = lambda plan: None,
    progress: Callable[[], AbstractContextManager[EventSink]] = lambda: nullcontext(ignore),
    on_guest: Callable[[str, str], None] | None = None,
) -> UpReport:
    """Make ``env`` on ``target`` match ``loaded``: plan, ask (only when there are changes),
    apply, run the guest step, and return the mapping with the addresses now live.

    An apply that Azure refuses comes back as ``report.failure`` with the plan, so the caller
    can say what was planned; any other user error (a read that fails, a refused confirmation,
    a brownfield id that names nothing: ``MissingReferences``) is raised.
    """
    started = time.monotonic()
    retries_before = target.retries.value
    verify_existing(target, loaded.blueprint, loaded.source)  # before the first write
    desired, listed = desired_and_listed(target, loaded, env, ttl=ttl, extra_tags=extra_tags)
    report = UpReport(plan_environment(target, desired, listed=listed))
    check_plan(loaded, desired, report.plan)
    planned = time.monotonic()
    if report.plan.has_changes:
        confirm(report.plan)
    try:
        with progress() as events:
            report.applied, report.mapping = apply_plan(
                target,
                desired,
                report.plan,
                max_parallel=max_parallel,
                events=events,
                loaded=loaded,
            )
    except ApplyFailed as exc:
        report.failure = exc
        report.retries = target.retries.value - retries_before
        return report
    applied = time.monotonic()
    report.guest = run_guest(
        target, desired, mode="apply", max_parallel=GUEST_PARALLEL, on_event=on_guest
    )
    ended = time.monotonic()
    report.timings = {
        "plan": round(planned - started, 3),
        "apply": round(report.applied.timings["total"], 3),
        "guest": round(ended - applied, 3),
        "total": round(ended - started, 3),
    }
    report.retries = target.retries.value - retries_before
    return report
