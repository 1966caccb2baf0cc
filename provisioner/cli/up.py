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

from provisioner.cli.common import (
    OutputFormat,
    emit_json,
    err_console,
    fail,
    finding_as_dict,
    out_console,
)
from provisioner.cli.completion import complete_blueprint
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
    from provisioner.apply.lifecycle import Loaded
    from provisioner.apply.up import UpReport
    from provisioner.errors import ApplyFailed
    from provisioner.plan.model import Plan
    from provisioner.plan.picture import Picture


def up(
    blueprint: Path = typer.Argument(
        ..., help="Blueprint YAML file", autocompletion=complete_blueprint
    ),
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
    doc["warnings"] = [finding_as_dict(f) for f in loaded.warnings]
    _ci_summary(loaded, report, env, target.label, output)
    if report.failure is not None:
        _apply_failed(report.failure, doc, output)
    if output is OutputFormat.json:
        emit_json(doc)
    else:
        _render(report, loaded, env)
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


def _render(report: UpReport, loaded: Loaded, env: str) -> None:
    from provisioner.cli.render_guest import render_guest_failures, render_guest_notes
    from provisioner.cli.render_plan import render_mapping

    if report.guest is not None:
        render_guest_notes(report.guest.results)
    if report.guest_failures:
        render_guest_failures(report.guest_failures)
    elif report.changed:
        err_console.print(
            f"up: {report.changed} change(s) applied in {report.timings['total']:.1f}s"
        )
    else:
        err_console.print("up: nothing to do, the environment matches the blueprint")
    render_mapping(report.mapping, out_console)
    if out_console.is_terminal and report.mapping:
        from provisioner.cli.picture_tree import print_picture

        print_picture(_picture(report, loaded, env), out_console, max_rules=MAX_TREE_RULES)


#: Rules drawn per load balancer in the terminal's tree after ``up`` and ``status``.
MAX_TREE_RULES = 40


def _picture(report: UpReport, loaded: Loaded, env: str) -> Picture:
    """The blueprint's picture with the addresses now live and the guest step's verdicts."""
    from provisioner.plan.picture import blueprint_picture, with_guest_results

    live = bool(report.mapping)
    picture = blueprint_picture(
        loaded.blueprint,
        report.mapping or None,
        env=env,
        source="live" if live else "blueprint",
    )
    if report.guest is None:
        return picture
    results = {r.vm: (r.ok and r.converged, r.detail) for r in report.guest.results}
    return with_guest_results(picture, results)


def _ci_summary(
    loaded: Loaded, report: UpReport, env: str, target: str, output: OutputFormat
) -> None:
    """``$GITHUB_STEP_SUMMARY`` / Azure Pipelines: the outcome, the picture and the mapping."""
    from provisioner.cli import ci_summary
    from provisioner.cli.picture_labels import SIGN

    if not ci_summary.wanted():
        return
    if report.failure is not None:
        f = report.failure
        outcome = f"{SIGN['fail']} apply failed: {f.resource}: {f.code}: {f.message}"
    elif report.guest_failures:
        vms = ", ".join(r.vm for r in report.guest_failures)
        outcome = f"{SIGN['fail']} the guest step failed on {vms}"
    else:
        outcome = f"{SIGN['pass']} {report.changed} change(s) applied" + (
            f" in {report.timings['total']:.1f}s" if "total" in report.timings else ""
        )
    body = [f"target: {ci_summary.cell(target)}", ""]
    body.append(ci_summary.picture_section(_picture(report, loaded, env), with_verdicts=True))
    markdown = ci_summary.section(f"provision up · {env}", outcome, body)
    ci_summary.publish(markdown, "up", json_output=output is OutputFormat.json)


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
