"""`provision up`: make the environment match the blueprint, then show the mapping.

The sequence (plan, confirm, apply, guest step) is :func:`provisioner.apply.up.bring_up`; this
command parses the options, answers its callbacks (the plan on stderr and the question, the
progress table, guest lines) and renders the :class:`~provisioner.apply.up.UpReport`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.markup import escape

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.cli.plumbing import (
    ArmEndpointOpt,
    CaBundleOpt,
    CloudOpt,
    EnvOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    TagOpt,
    add_command,
    check_duration,
    cli_target,
    confirm,
    parse_tags,
    start,
)
from provisioner.errors import ProvisionerError

if TYPE_CHECKING:
    from provisioner.apply.up import UpReport
    from provisioner.errors import ApplyFailed
    from provisioner.plan.model import Plan


def up(
    blueprint: Path = typer.Argument(..., help="Blueprint YAML file"),
    env: str | None = EnvOpt,
    ttl: str | None = typer.Option(None, "--ttl", help="Expire after 30m, 4h, 2d… (tag only)"),
    tag: list[str] = TagOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
    output: OutputFormat = OutputOpt,
    max_parallel: int = typer.Option(8, "--max-parallel", min=1, max=64),
    cloud: str | None = CloudOpt,
    arm_endpoint: str | None = ArmEndpointOpt,
    ca_bundle: Path | None = CaBundleOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Create or update the environment so that it matches the blueprint."""
    from provisioner.apply.up import bring_up
    from provisioner.cli.progress import Progress
    from provisioner.cli.render_guest import guest_progress

    cloud = arm_endpoint or cloud
    loaded, env = start(blueprint, env, output, cloud, subscription, state)
    assert loaded is not None and env is not None
    try:
        if ttl:
            check_duration(ttl, "--ttl")
        extra_tags = parse_tags(tag)
        target = cli_target(cloud, subscription, state, output, ca_bundle)
    except ProvisionerError as exc:
        fail(exc, output)

    def review(plan: Plan) -> None:
        """Changes are shown on stderr and confirmed (a JSON caller has decided already)."""
        if output is OutputFormat.text:
            from provisioner.cli.render_plan import render_plan

            render_plan(plan, err_console)
        confirm("Apply these changes?", yes or output is OutputFormat.json, destructive=False)

    try:
        report = bring_up(
            target,
            loaded,
            env,
            ttl=ttl,
            extra_tags=extra_tags,
            max_parallel=max_parallel,
            confirm=review,
            progress=lambda: Progress(err_console),
            on_guest=guest_progress,
        )
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    doc = _document(report, target.label, env)
    if report.failure is not None:
        _apply_failed(report.failure, doc, output)
    if output is OutputFormat.json:
        emit_json(doc)
    else:
        _render(report)
    if not report.ok:
        raise SystemExit(1)


def _document(report: UpReport, target: str, env: str) -> dict[str, Any]:
    """The ``--output json`` document (its fields are part of the CLI contract)."""
    from provisioner.plan.mapping import mapping_as_dict

    doc: dict[str, Any] = {
        "ok": report.ok,
        "target": target,
        "env": env,
        "changes": [c.as_dict() for c in report.plan.changes if c.action != "noop"],
        "retries": report.retries,
    }
    if report.applied is None:
        return doc
    doc.update(
        resources=[o.as_dict() for o in report.applied.outcomes],
        mapping=[mapping_as_dict(r) for r in report.mapping],
        guest=report.guest.as_dict() if report.guest is not None else None,
        timings=report.timings,
    )
    if report.guest_failures:
        doc["error"] = {
            "code": "GuestFailed",
            "message": "; ".join(f"{r.vm}: {r.detail}" for r in report.guest_failures),
            "resource": None,
            "location": None,
        }
    return doc


def _render(report: UpReport) -> None:
    from provisioner.cli.render_guest import render_guest_failures
    from provisioner.cli.render_plan import render_mapping

    if report.guest_failures:
        render_guest_failures(report.guest_failures)
    elif report.changed:
        err_console.print(
            f"up: {report.changed} change(s) applied in {report.timings['total']:.1f}s"
        )
    else:
        err_console.print("up: nothing to do, the environment matches the blueprint")
    render_mapping(report.mapping, out_console)


def _apply_failed(exc: ApplyFailed, doc: dict[str, Any], output: OutputFormat) -> NoReturn:
    where = str(exc.location) if exc.location else None
    if output is OutputFormat.json:
        doc["error"] = {
            "code": exc.code,
            "message": exc.message,
            "resource": exc.resource,
            "location": where,
            "hint": exc.hint,
        }
        emit_json(doc)
    else:
        err_console.print(
            f"[red]error:[/red] {exc.resource}: [bold]{exc.code}[/bold]: {escape(exc.message)}"
        )
        if where:
            err_console.print(f"    blueprint: {where}")
        if exc.hint:
            err_console.print(f"    hint: {escape(exc.hint)}")
    raise SystemExit(exc.exit_code)


def register(app: typer.Typer) -> None:
    add_command(app, up)
