"""Desired state + the cloud → a plan: read live state, diff, add deletions, fill the mapping."""

from __future__ import annotations

from typing import Any

from provisioner.compile.desired import DesiredState, Kind
from provisioner.plan.diff import build_plan
from provisioner.plan.live import Call, Clients, LiveResource, list_tagged, read_desired
from provisioner.plan.mapping import live_mapping
from provisioner.plan.model import Action, Change, Plan

#: Deletion order of kinds: dependents first.
DELETE_ORDER = (
    Kind.VIRTUAL_MACHINE,
    Kind.NETWORK_INTERFACE,
    Kind.LOAD_BALANCER,
    Kind.PUBLIC_IP,
    Kind.VIRTUAL_NETWORK,
    Kind.RESOURCE_GROUP,
)


def deletions(state: DesiredState, tagged: list[LiveResource]) -> list[Change]:
    """Owned resources the environment has and the desired state no longer names."""
    wanted = {r.id.lower() for r in state.resources.values()}
    extra = [t for t in tagged if t.kind is not None and t.id.lower() not in wanted]
    extra.sort(key=lambda t: (DELETE_ORDER.index(t.kind), t.name))  # type: ignore[arg-type]
    return [
        Change(Action.DELETE, key=f"{t.kind}/{t.name}", kind=t.kind, name=t.name, id=t.id)
        for t in extra
        if t.kind is not None
    ]


def make_plan(clients: Clients, state: DesiredState, call: Call, *, parallel: int = 8) -> Plan:
    """Read the environment's live state and diff it against ``state``."""
    live: dict[str, dict[str, Any] | None] = read_desired(clients, state, call, parallel=parallel)
    tagged = list_tagged(clients, state.env, call)
    plan = build_plan(state, live, deletions(state, tagged))
    return Plan(plan.env, plan.changes, live_mapping(state, live), live)
