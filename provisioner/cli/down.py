"""`provision down`: delete what the environment owns, say what had to stay."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail
from provisioner.cli.completion import complete_blueprint
from provisioner.cli.plumbing import (
    ArmEndpointOpt,
    CaBundleOpt,
    CloudOpt,
    EnvOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    cli_target,
    confirm,
    start,
)
from provisioner.errors import ProvisionerError, UserInputError

if TYPE_CHECKING:
    from provisioner.envs.teardown import TeardownReport


def down(
    blueprint: Path | None = typer.Argument(
        None, help="Blueprint YAML file (or use --env)", autocompletion=complete_blueprint
    ),
    env: str | None = EnvOpt,
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
    output: OutputFormat = OutputOpt,
    max_parallel: int = typer.Option(8, "--max-parallel", min=1, max=64),
    cloud: str | None = CloudOpt,
    arm_endpoint: str | None = ArmEndpointOpt,
    ca_bundle: Path | None = CaBundleOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Delete everything the environment owns (tagged provisioner-managed and its env).

    What something outside the environment still uses (our NIC on another team's VM) stays and
    is reported, with exit 1. With a blueprint, the brownfield VMs it joined to its pools are
    taken out of them first, and their guest configuration is removed.
    """
    from provisioner.cli.progress import Progress
    from provisioner.cli.render_guest import guest_progress
    from provisioner.envs.destroy import down_environment

    if blueprint is None and not env:
        fail(UserInputError("down needs a BLUEPRINT or --env NAME"), output)
    cloud = arm_endpoint or cloud
    loaded, env = start(blueprint, env, output, cloud, subscription, state)
    assert env is not None
    target = cli_target(cloud, subscription, state, output, ca_bundle)
    try:
        confirm(f"Delete every resource of environment {env!r}?", yes)
        with Progress(err_console) as progress:
            report = down_environment(
                target,
                env,
                loaded,
                max_parallel=max_parallel,
                events=progress,
                on_guest=guest_progress,
            )
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    _ci_summary(report, env, target.label, output)
    if output is OutputFormat.json:
        emit_json({"target": target.label, **report.as_dict()})
    else:
        _render(report, env, target.label)
    if not report.ok:
        raise typer.Exit(1)


def _render(report: TeardownReport, env: str, target: str) -> None:
    from provisioner.cli.render_guest import render_guest_failures

    guest = report.guest
    render_guest_failures([r for r in guest.results if not r.ok] if guest is not None else [])
    for left in report.left:
        err_console.print(f"[red]left:[/red] {left.id}: {left.reason}", markup=True)
    if not report.deleted and not report.left:
        err_console.print(
            f"down: nothing carries the tags of environment {env!r} in {target}",
            markup=False,
            soft_wrap=True,
        )
    err_console.print(
        f"down: deleted {len(report.deleted)} resource(s) in {report.seconds:.1f}s"
        + ("" if report.ok else f"; {len(report.left)} could not be deleted")
    )


def _ci_summary(report: TeardownReport, env: str, target: str, output: OutputFormat) -> None:
    """``$GITHUB_STEP_SUMMARY`` / Azure Pipelines: what was deleted and what had to stay."""
    from provisioner.cli import ci_summary
    from provisioner.cli.picture_labels import SIGN

    if not ci_summary.wanted():
        return
    deleted = f"{len(report.deleted)} resource(s) deleted in {report.seconds:.1f}s"
    if report.ok:
        outcome = f"{SIGN['pass']} {deleted}"
    else:
        outcome = f"{SIGN['fail']} {deleted}; {len(report.left)} could not be deleted"
    guest = report.guest
    failed = [r for r in guest.results if not r.ok] if guest is not None else []
    body = [f"target: {ci_summary.cell(target)}", ""]
    if report.resource_groups_deleted:
        groups = ", ".join(report.resource_groups_deleted)
        body += [f"resource groups deleted whole: {ci_summary.cell(groups)}", ""]
    body.append(ci_summary.left_table([(left.id, left.reason) for left in report.left]))
    if failed:
        body.append(
            "guest removal failed on "
            + ci_summary.cell(", ".join(f"{r.vm} ({r.detail})" for r in failed))
        )
    markdown = ci_summary.section(f"provision down · {env}", outcome, body)
    ci_summary.publish(markdown, "down", json_output=output is OutputFormat.json)


def register(app: typer.Typer) -> None:
    add_command(app, down)
