"""A plan for people (text on a console) and for programs (plain JSON-ready dicts).

The planner returns a :class:`~provisioner.plan.model.Plan` and knows nothing of terminals; how it
looks (signs, colours, the mapping as a table or as plain lines) is the CLI's business.
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provisioner.compile.desired import MappingRow
from provisioner.plan.mapping import mapping_as_dict
from provisioner.plan.model import Action, Plan

_SIGN = {Action.CREATE: ("+", "green"), Action.UPDATE: ("~", "yellow"), Action.DELETE: ("-", "red")}


def _value(v: Any) -> str:
    if v is None:
        return "(absent)"
    if isinstance(v, str):
        return repr(v)
    return json.dumps(v, sort_keys=True, default=str)


def render_plan(plan: Plan, console: Console) -> None:
    """Every change with field-level before → after, a summary line, then the mapping."""
    for change in plan.changes:
        if change.action is Action.NOOP:
            continue
        sign, style = _SIGN[change.action]
        what = "update tags" if change.tags_only else str(change.action)
        console.print(f"[{style}]{sign} {what}[/{style}] {escape(change.key)}")
        for fc in change.field_changes:
            console.print(
                f"    {escape(fc.path)}: {escape(_value(fc.before))} → {escape(_value(fc.after))}"
            )
        if change.action is Action.UPDATE and change.kept:
            console.print(f"    [dim]kept (not managed): {escape(', '.join(change.kept))}[/dim]")
    s = plan.summary()
    if plan.has_changes:
        tags_only = sum(1 for c in plan.changes if c.tags_only)
        tags = f" ({tags_only} tags only)" if tags_only else ""
        console.print(
            f"plan: {s['create']} to create, {s['update']} to update{tags}, "
            f"{s['delete']} to delete, {s['noop']} unchanged"
        )
    else:
        console.print(f"no changes: {s['noop']} resource(s) match the blueprint")
    render_mapping(plan.mapping, console)


def _backends(r: MappingRow) -> str:
    ips = r.backend_ips or ("",) * len(r.backends)
    return ", ".join(f"{vm} ({ip})" if ip else vm for vm, ip in zip(r.backends, ips, strict=False))


def render_mapping(rows: tuple[MappingRow, ...] | list[MappingRow], console: Console) -> None:
    """The mapping table: a rich table on a wide terminal, one plain line per rule otherwise
    (addresses must never be cut short in a CI log)."""
    if not rows:
        return
    if not console.is_terminal or console.width < 120:
        console.print("mapping:")
        for r in rows:
            console.print(
                f"  {r.load_balancer}/{r.rule}: {r.frontend_ip}:{r.frontend_port}/{r.protocol}"
                f" → {r.destination_ip}:{r.destination_port}"
                f" (floating IP {'on' if r.floating_ip else 'off'}) → {_backends(r)}",
                markup=False,
                soft_wrap=True,
            )
        return
    table = Table(title="mapping", title_justify="left")
    for col in (
        "load balancer",
        "rule",
        "frontend IP",
        "protocol",
        "frontend port",
        "destination IP",
        "destination port",
        "floating IP",
        "backends",
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.load_balancer,
            r.rule,
            r.frontend_ip,
            r.protocol,
            str(r.frontend_port),
            r.destination_ip,
            str(r.destination_port),
            "yes" if r.floating_ip else "no",
            _backends(r),
        )
    console.print(table)


def plan_as_dict(plan: Plan) -> dict[str, Any]:
    return {
        "has_changes": plan.has_changes,
        "summary": plan.summary(),
        "changes": [c.as_dict() for c in plan.changes if c.action is not Action.NOOP],
        "mapping": [mapping_as_dict(r) for r in plan.mapping],
    }
