"""Desired state + the cloud → a plan: read live state, diff, add deletions, fill the mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.arm.kinds import spec
from provisioner.arm.listing import ListedResource, list_environment
from provisioner.arm.reads import read_desired
from provisioner.arm.retry import Call
from provisioner.compile.desired import DesiredState
from provisioner.plan.addresses import resolve_state
from provisioner.plan.attachments import foreign_attachments
from provisioner.plan.diff import build_plan
from provisioner.plan.mapping import live_mapping
from provisioner.plan.model import Action, Change, Plan

if TYPE_CHECKING:
    from provisioner.arm.target import Target


def deletions(state: DesiredState, tagged: list[ListedResource]) -> list[Change]:
    """Owned resources the environment has and the desired state no longer names."""
    wanted = {r.id.lower() for r in state.resources.values()}
    extra = [
        (t, kind) for t in tagged if (kind := t.kind) is not None and t.id.lower() not in wanted
    ]
    extra.sort(key=lambda tk: (spec(tk[1]).delete_rank, tk[0].name))
    return [
        Change(Action.DELETE, key=f"{kind}/{t.name}", kind=kind, name=t.name, id=t.id)
        for t, kind in extra
    ]


def make_plan(
    target: Target,
    state: DesiredState,
    call: Call,
    *,
    parallel: int = 8,
    tagged: list[ListedResource] | None = None,
) -> Plan:
    """Read the environment's live state and diff it against ``state`` (with the addresses the
    live public IPs hold filled in); ``findings`` says what the live state objects to.
    ``tagged`` is the environment's listing when the caller already made it (``up`` lists once,
    not twice)."""
    live: dict[str, dict[str, Any] | None] = read_desired(target, state, call, parallel=parallel)
    if tagged is None:
        tagged = list_environment(target, state.env, call)
    resolved = resolve_state(state, live)
    plan = build_plan(resolved, live, deletions(resolved, tagged))
    findings = tuple(foreign_attachments(resolved, live))
    return Plan(plan.env, plan.changes, live_mapping(state, live), live, findings)
