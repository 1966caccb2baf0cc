"""A validation report for people (findings, a verdict, resource and mapping tables) and for
programs (the ``--output json`` document, whose fields are part of the CLI contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provisioner.cli.common import finding_as_dict, out_console, render_finding

if TYPE_CHECKING:
    from provisioner.apply.validation import ValidationReport
    from provisioner.compile.desired import DesiredState


def report_as_dict(report: ValidationReport) -> dict[str, Any]:
    """The ``--output json`` document (its fields are part of the CLI contract)."""
    state = report.state
    resources = [
        {"type": r.kind.value, "name": r.name, "depends_on": list(r.depends_on)}
        for r in (state.order() if state else [])
    ]
    mapping = [
        {
            "load_balancer": row.load_balancer,
            "rule": row.rule,
            "frontend": row.frontend,
            "frontend_ip": row.frontend_ip,
            "protocol": row.protocol,
            "frontend_port": row.frontend_port,
            "destination_ip": row.destination_ip,
            "destination_port": row.destination_port,
            "floating_ip": row.floating_ip,
            "backends": list(row.backends),
        }
        for row in (state.mapping if state else ())
    ]
    return {
        "ok": report.ok,
        "file": report.file,
        "digest": report.digest,
        "errors": [finding_as_dict(f) for f in report.errors],
        "warnings": [finding_as_dict(f) for f in report.warnings],
        "resources": resources,
        "mapping": mapping,
    }


def render_report(report: ValidationReport, console: Console = out_console) -> None:
    """The human report: findings in document order, a verdict, then what would be built."""
    for finding in [*report.errors, *report.warnings]:
        render_finding(finding, console, file=report.file)
    counts = _counts(report)
    if not report.ok:
        console.print(f"[red]✗[/red] {escape(report.file)}: invalid ({counts})", soft_wrap=True)
        return
    tail = f", {counts}" if report.warnings else ""
    console.print(
        f"[green]✓[/green] {escape(report.file)}: valid (digest {report.digest}{tail})",
        soft_wrap=True,
    )
    if report.state is None:
        return
    console.print(_resource_table(report.state))
    if report.state.mapping:
        console.print(_mapping_table(report.state))


def _counts(report: ValidationReport) -> str:
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    parts = [plural(len(report.errors), "error")] if report.errors else []
    if report.warnings:
        parts.append(plural(len(report.warnings), "warning"))
    return ", ".join(parts) or "no findings"


def _resource_table(state: DesiredState) -> Table:
    table = Table(title="Resources", title_justify="left")
    for column in ("type", "name", "depends on"):
        table.add_column(column)
    for r in state.order():
        # Dependencies by name: their kind is in the type column of their own row.
        needs = ", ".join(key.partition("/")[2] or key for key in r.depends_on)
        table.add_row(r.kind.value, escape(r.name), escape(needs))
    return table


def _mapping_table(state: DesiredState) -> Table:
    """The seeds' mapping table, one row per rule, narrow enough for an 80-column terminal."""
    table = Table(title="Mapping (one row per load-balancing rule)", title_justify="left")
    for column in ("rule", "frontend", "listens on", "delivered to", "floating IP", "backends"):
        table.add_column(column)
    for row in state.mapping:
        table.add_row(
            escape(f"{row.load_balancer}/{row.rule}"),
            escape(f"{row.frontend} ({row.frontend_ip})"),
            f"{row.protocol} {row.frontend_port}",
            escape(f"{row.destination_ip} : {row.destination_port}"),
            "yes" if row.floating_ip else "no",
            escape(", ".join(row.backends)),
        )
    return table
