"""`provision validate`: everything that can be known about a blueprint without calling a cloud.

Load (YAML and the model), Azure's load balancer rules, then a trial compile; the report lists
every error and warning at its ``file:line:column`` and, for a valid blueprint, the resources it
would create and the frontend → backend mapping table. Exit 0 when valid (warnings allowed),
2 when not. Nothing is called, nothing is created.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from provisioner.blueprint.loader import load_blueprint
from provisioner.blueprint.source import attach_locations
from provisioner.cli.cmd_lifecycle import add_command
from provisioner.cli.common import (
    OutputFormat,
    emit_json,
    finding_as_dict,
    out_console,
    render_finding,
)
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState
from provisioner.errors import BlueprintInvalid, Finding, UserInputError
from provisioner.rules.validate import validate as check_rules

#: validate never reaches a subscription; the compiler still needs one to build resource ids.
PLACEHOLDER_SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class ValidationReport:
    """What ``validate`` found; ``state`` is the compiled desired state when there is one."""

    file: str
    digest: str | None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    state: DesiredState | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_blueprint(path: str | Path) -> ValidationReport:
    """Load, check Azure's rules and trial-compile ``path``; never raises for user mistakes."""
    file = str(path)
    try:
        loaded = load_blueprint(path)
    except BlueprintInvalid as exc:
        return _report(file, None, exc.findings)
    findings = attach_locations(check_rules(loaded.blueprint), loaded.source)
    if any(f.severity == "error" for f in findings):
        return _report(file, loaded.digest, findings)

    context = CompileContext(
        env=loaded.blueprint.name,
        subscription_id=PLACEHOLDER_SUBSCRIPTION,
        digest=loaded.digest,
    )
    try:
        state: DesiredState | None = compile_blueprint(loaded.blueprint, context)
    except BlueprintInvalid as exc:
        return _report(
            file, loaded.digest, [*findings, *attach_locations(exc.findings, loaded.source)]
        )
    except UserInputError as exc:
        problem = Finding("InvalidBlueprint", str(exc), location=loaded.source.locate(()))
        return _report(file, loaded.digest, [*findings, problem])
    if state is not None:
        extra = [w for w in state.warnings if isinstance(w, Finding)]
        findings = [*findings, *attach_locations(extra, loaded.source)]
    return _report(file, loaded.digest, findings, state)


def _report(
    file: str, digest: str | None, findings: list[Finding], state: DesiredState | None = None
) -> ValidationReport:
    return ValidationReport(
        file=file,
        digest=digest,
        errors=[f for f in findings if f.severity == "error"],
        warnings=[f for f in findings if f.severity == "warning"],
        state=state,
    )


# --- JSON ------------------------------------------------------------------------------------


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


# --- text ------------------------------------------------------------------------------------


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


# --- command ---------------------------------------------------------------------------------


def validate(
    blueprint: Path = typer.Argument(
        ..., help="The blueprint file (YAML).", metavar="BLUEPRINT", show_default=False
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.text, "--output", "-o", help="text (a report) or json (one document)."
    ),
) -> None:
    """Check a blueprint against the format and Azure's load balancer rules (no cloud calls).

    Exit 0 when valid (warnings allowed), 2 when not.
    """
    typer.echo(f"provision validate: {blueprint} (no cloud calls)", err=True)
    report = check_blueprint(blueprint)
    if output is OutputFormat.json:
        emit_json(report_as_dict(report))
    else:
        render_report(report)
    if not report.ok:
        raise typer.Exit(code=2)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    add_command(app, validate, "validate")
