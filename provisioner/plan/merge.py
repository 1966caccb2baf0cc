"""Carry over what the blueprint does not manage, so that a PUT never erases it.

A PUT replaces a resource's whole body. The tool writes bodies compiled from the blueprint, and
others attach things to our resources (an NSG or a route table to a subnet, an inbound NAT rule
to a load balancer, a data disk to a VM): a re-PUT without them would detach them. Each kind's
``KindSpec.unmanaged`` lists those fields; this module copies them from the live body into the
desired one wherever the desired body says nothing, and names what it kept, so the plan can show
"kept (not managed)" and the diff sees no change in them. Pure functions of wire JSON.

Two exceptions. A reference to a resource the environment owns and the desired body leaves out
on purpose (``DesiredResource.releases``: its NSG on a subnet now ``security: none``, its NAT
gateway on a subnet without VMs) is not carried over: it goes, as the blueprint says. And an NSG's
derived rules keep the priority they have live (``compile.security.assign_priorities``), so a
rule added to the blueprint never renumbers the rules already there.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from provisioner.arm.kinds import Unmanaged, spec
from provisioner.compile.desired import Kind
from provisioner.compile.security import RULES, assign_priorities, is_derived


def _present(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _released(value: Any, releases: frozenset[str]) -> bool:
    return isinstance(value, Mapping) and str(value.get("id", "")).lower() in releases


def _carry_field(
    dst: dict[str, Any], src: Mapping[str, Any], dotted: str, releases: frozenset[str] = frozenset()
) -> bool:
    """Copy ``src[dotted]`` into ``dst`` when ``dst`` lacks it; True when something was kept."""
    *parents, leaf = dotted.split(".")
    s: Any = src
    for p in parents:
        s = s.get(p) if isinstance(s, Mapping) else None
    if not isinstance(s, Mapping) or not _present(s.get(leaf)) or _released(s[leaf], releases):
        return False
    d = dst
    for p in parents:
        if not isinstance(d.get(p), dict):
            d[p] = {}
        d = d[p]
    if d.get(leaf) is not None:
        return False  # the blueprint says something: it manages the field
    d[leaf] = copy.deepcopy(s[leaf])
    return True


def _carry_children(
    props: dict[str, Any],
    live: Mapping[str, Any],
    rules: Unmanaged,
    kept: list[str],
    releases: frozenset[str],
) -> None:
    for collection, fields in rules.child_fields.items():
        live_children = {
            str(c.get("name", "")).lower(): c for c in live.get(collection) or [] if c.get("name")
        }
        for child in props.get(collection) or []:
            twin = live_children.get(str(child.get("name", "")).lower())
            if twin is None:
                continue
            child_props = child.setdefault("properties", {})
            for name in fields:
                if _carry_field(child_props, twin.get("properties") or {}, name, releases):
                    kept.append(f"{collection}[{child.get('name')}].{name}")
    for collection, ours in rules.own_children.items():
        wanted = {str(c.get("name", "")).lower() for c in props.get(collection) or []}
        own = {n.lower() for n in ours}
        for child in live.get(collection) or []:
            name = str(child.get("name", ""))
            if name and name.lower() not in wanted and name.lower() not in own:
                props.setdefault(collection, []).append(copy.deepcopy(dict(child)))
                kept.append(f"{collection}[{name}]")


def keep_rule_priorities(props: dict[str, Any], live_props: Mapping[str, Any]) -> None:
    """An NSG's derived rules take the priorities they have live where still free."""
    rules = [r for r in props.get(RULES) or [] if isinstance(r, dict)]
    derived = [r for r in rules if is_derived(str(r.get("name", "")))]
    if not derived:
        return
    live = {
        str(r.get("name", "")).lower(): (r.get("properties") or {}).get("priority")
        for r in live_props.get(RULES) or []
        if isinstance(r, Mapping)
    }
    taken = [
        int((r.get("properties") or {}).get("priority") or 0)
        for r in rules
        if not is_derived(str(r.get("name", "")))
        and str((r.get("properties") or {}).get("direction", "Inbound")).lower() == "inbound"
    ]
    keep = {
        str(r["name"]): int(live[str(r["name"]).lower()])
        for r in derived
        if isinstance(live.get(str(r["name"]).lower()), int)
    }
    priorities = assign_priorities([str(r["name"]) for r in derived], taken, keep)
    for r in derived:
        r.setdefault("properties", {})["priority"] = priorities[str(r["name"])]


def merge_unmanaged(
    kind: Kind,
    desired: Mapping[str, Any],
    live: Mapping[str, Any] | None,
    releases: frozenset[str] = frozenset(),
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """``desired`` with the unmanaged live fields carried over, and the paths that were kept.

    ``releases``: lower-case ids of the environment's own resources that are never carried
    over (see ``DesiredResource.releases``)."""
    body = copy.deepcopy(dict(desired))
    rules = spec(kind).unmanaged
    live_props = (live or {}).get("properties") or {}
    if live_props and kind is Kind.NETWORK_SECURITY_GROUP:
        keep_rule_priorities(body.setdefault("properties", {}), live_props)
    if not live_props or not (rules.fields or rules.child_fields or rules.own_children):
        return body, ()
    props = body.setdefault("properties", {})
    kept = [f for f in rules.fields if _carry_field(props, live_props, f, releases)]
    _carry_children(props, live_props, rules, kept, releases)
    return body, tuple(kept)
