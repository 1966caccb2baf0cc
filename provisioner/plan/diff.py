"""Desired body vs live body → field changes; desired state vs live state → a plan. Pure.

The comparison is "does live already satisfy desired?": only fields the desired body sets are
compared; named children (frontends, pools, probes, rules, IP configurations) are matched by
name, so a child missing on either side is a change; lists of references (``[{"id": …}]``) are
compared as sets of ids. An *adopted* resource (an existing NIC our pools join) is satisfied when
it holds at least what we add: its other pools and children are not ours to remove.
"""

from __future__ import annotations

from typing import Any

from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import DesiredResource, DesiredState, Kind, Ownership
from provisioner.plan.merge import merge_unmanaged
from provisioner.plan.model import Action, Change, FieldChange, Plan
from provisioner.plan.normalize import (
    IGNORED_KEYS,
    display_path,
    root_properties,
    scalar,
    with_defaults,
)


def body_of(resource: DesiredResource) -> dict[str, Any]:
    """The desired body as wire JSON."""
    body = resource.body
    if hasattr(body, "as_dict"):
        return body.as_dict()
    return dict(body)


def diff_bodies(
    kind: Kind, desired: dict[str, Any], live: dict[str, Any], *, subset: bool = False
) -> list[FieldChange]:
    """Field changes that turn ``live`` into ``desired``; empty when live already satisfies it.

    ``subset=True`` (adopted resources) ignores children and references live has beyond ours.
    """
    changes: list[FieldChange] = []
    d = root_properties(kind, desired)
    lv = root_properties(kind, live)
    for key, value in d.items():
        if key in IGNORED_KEYS or key in ("id", "name") or value is None:
            continue
        if key == "tags":
            _diff_tags(value or {}, lv.get("tags") or {}, changes)
            continue
        _diff([key], key, value, lv.get(key), changes, subset)
    return changes


def _diff_tags(desired: dict[str, str], live: dict[str, str], out: list[FieldChange]) -> None:
    # Tags others add (Azure Policy, cost centres) are not drift; ours must match exactly.
    for k, v in desired.items():
        if live.get(k) != v:
            out.append(FieldChange(f"tags.{k}", live.get(k), v))


def _diff(path: list[str], key: str, d: Any, lv: Any, out: list[FieldChange], subset: bool) -> None:
    if d is None:
        return
    if isinstance(d, dict):
        lv = lv if isinstance(lv, dict) else {}
        for k, v in d.items():
            if k in IGNORED_KEYS or v is None:
                continue
            _diff([*path, k], k, v, lv.get(k), out, subset)
        return
    if isinstance(d, list):
        _diff_list(path, key, d, lv if isinstance(lv, list) else [], out, subset)
        return
    if scalar(key, d) != scalar(key, lv):
        out.append(FieldChange(display_path(path), lv, d))


def _is_named(items: list[Any]) -> bool:
    return any(isinstance(i, dict) and "name" in i for i in items)


def _is_reference(items: list[Any]) -> bool:
    """A list of references or id-keyed entries: ``[{"id": …}, …]``."""
    return bool(items) and all(isinstance(i, dict) and "id" in i for i in items)


def _diff_list(
    path: list[str], key: str, d: list[Any], lv: list[Any], out: list[FieldChange], subset: bool
) -> None:
    if _is_named(d) or (not d and _is_named(lv)):
        _diff_named(path, key, d, lv, out, subset)
    elif _is_reference(d) or (not d and _is_reference(lv)):
        want = {str(i.get("id", "")).lower(): i for i in d}
        have = {str(i.get("id", "")).lower(): i for i in lv if isinstance(i, dict)}
        if not (want.keys() <= have.keys() if subset else want.keys() == have.keys()):
            out.append(FieldChange(display_path(path), _ids(lv), _ids(d)))
            return
        for id_l, item in want.items():  # id-keyed entries may carry settings (a VM's NICs)
            rest = {k: v for k, v in item.items() if k != "id"}
            if rest:
                _diff(path, key, rest, have[id_l], out, subset)
    elif all(isinstance(i, dict) for i in d) and d and len(d) == len(lv):
        for index, (item, live_item) in enumerate(zip(d, lv, strict=True)):
            _diff([*path, f"[{index}]"], key, item, live_item, out, subset)
    else:
        want_s = sorted(map(repr, (scalar(key, v) for v in d)))
        have_s = sorted(map(repr, (scalar(key, v) for v in lv)))
        if want_s != have_s:
            out.append(FieldChange(display_path(path), lv or None, d))


def _ids(items: list[Any]) -> list[str]:
    return [str(i.get("id")) for i in items if isinstance(i, dict)]


def _diff_named(
    path: list[str], key: str, d: list[Any], lv: list[Any], out: list[FieldChange], subset: bool
) -> None:
    live_by_name = {str(i.get("name", "")).lower(): i for i in lv if isinstance(i, dict)}
    wanted = set()
    for item in d:
        name = str(item.get("name", ""))
        wanted.add(name.lower())
        child_path = [*path, f"[{name}]"]
        live_item = live_by_name.get(name.lower())
        if live_item is None:
            out.append(FieldChange(display_path(child_path), None, _summary(item)))
            continue
        props = with_defaults(key, item.get("properties"))
        live_props = with_defaults(key, live_item.get("properties"))
        for k, v in item.items():
            if k in IGNORED_KEYS or k in ("name", "properties") or v is None:
                continue
            _diff([*child_path, k], k, v, live_item.get(k), out, subset)
        if props is not None:
            _diff([*child_path, "properties"], "properties", props, live_props, out, subset)
    if subset:
        return
    for name_l, live_item in live_by_name.items():
        if name_l not in wanted:
            name = str(live_item.get("name", name_l))
            out.append(FieldChange(display_path([*path, f"[{name}]"]), _summary(live_item), None))


def _summary(item: dict[str, Any]) -> dict[str, Any]:
    """A child as shown in a plan: its own settings, without ids and back-references."""
    props = item.get("properties") or {}
    return {
        k: v
        for k, v in props.items()
        if k not in IGNORED_KEYS and not (isinstance(v, list) and _is_reference(v))
    }


def diff_adopted_pools(pool_ids: list[str], member: dict[str, Any]) -> list[FieldChange]:
    """An existing member we only add pools to: the pools of ours it lacks."""
    have = BACKEND.pools(member)
    have_l = {h.lower() for h in have}
    missing = [p for p in pool_ids if p.lower() not in have_l]
    if not missing:
        return []
    return [FieldChange(BACKEND.membership_path(member), have, [*have, *missing])]


def plan_resource(resource: DesiredResource, live: dict[str, Any] | None) -> Change:
    """The change for one desired resource given its live body (None: it does not exist)."""
    common = {
        "key": resource.key,
        "kind": resource.kind,
        "name": resource.name,
        "id": resource.id,
        "ownership": resource.ownership,
    }
    if resource.ownership is Ownership.REFERENCED:
        return Change(Action.NOOP, **common)
    if live is None:
        if resource.ownership is Ownership.ADOPTED:
            return Change(Action.NOOP, **common)  # nothing to adopt: the reader reports it
        return Change(Action.CREATE, **common)
    etag = live.get("etag")
    kept: tuple[str, ...] = ()
    if resource.ownership is Ownership.ADOPTED:
        changes = diff_adopted_pools(list(resource.body or []), live)
    else:
        desired, kept = merge_unmanaged(resource.kind, body_of(resource), live, resource.releases)
        changes = diff_bodies(resource.kind, desired, live)
    action = Action.UPDATE if changes else Action.NOOP
    return Change(action, field_changes=tuple(changes), etag=etag, kept=kept, **common)


def build_plan(
    state: DesiredState,
    live: dict[str, dict[str, Any] | None],
    extras: list[Change] | tuple[Change, ...] = (),
) -> Plan:
    """The whole plan: one change per desired resource (in dependency order), then deletions of
    owned resources the environment has but the blueprint no longer wants (``extras``)."""
    changes = [plan_resource(res, live.get(res.key)) for res in state.order()]
    return Plan(env=state.env, changes=(*changes, *extras), mapping=state.mapping, live=live)
