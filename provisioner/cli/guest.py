"""`provision guest`: the guest step of ``up`` on its own.

``--apply`` (the default) configures Floating IP inside the backend VMs, ``--check`` only runs
the check scripts (exit 1 unless every VM is converged), ``--remove`` runs the removal scripts.
"""

from __future__ import annotations

from pathlib import Path

import typer

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.cli.completion import complete_blueprint
from provisioner.cli.plumbing import (
    CloudOpt,
    EnvOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    open_desired,
)
from provisioner.errors import ProvisionerError, UserInputError


def guest(
    blueprint: Path = typer.Argument(
        ..., help="Blueprint YAML file", autocompletion=complete_blueprint
    ),
    env: str | None = EnvOpt,
    check: bool = typer.Option(
        False, "--check", help="Only run check scripts; exit 1 unless converged"
    ),
    apply: bool = typer.Option(False, "--apply", help="Configure the guests (the default)"),
    remove: bool = typer.Option(False, "--remove", help="Run the removal scripts, clear the tag"),
    vm: list[str] = typer.Option([], "--vm", help="Only these VMs (blueprint names); repeatable"),
    max_parallel: int = typer.Option(16, "--max-parallel", min=1, max=64),
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Configure (or check, or remove) Floating IP on the backend VMs' guest OS via run-command."""
    from provisioner.cli.render_guest import guest_event, render_guest_result
    from provisioner.guest.step import run_guest_step

    if sum((check, apply, remove)) > 1:
        fail(UserInputError("choose one of --check, --apply, --remove"), output)
    mode = "check" if check else "remove" if remove else "apply"
    target, desired, env = open_desired(blueprint, env, output, cloud, subscription, state)
    try:
        report = run_guest_step(
            target,
            desired,
            mode=mode,  # type: ignore[arg-type]
            max_parallel=max_parallel,
            only_vms=vm or None,
            on_event=guest_event if output is OutputFormat.text else None,
        )
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json({"target": target.label, "env": env, **report.as_dict()})
    else:
        if not report.results:
            out_console.print("no VM needs guest setup (no Floating IP rule)")
        for r in report.results:
            render_guest_result(r)
        failed = sum(1 for r in report.results if not r.ok)
        err_console.print(
            f"guest {mode}: {len(report.results)} VM(s), "
            + (f"{failed} failed" if failed else "all ok")
            + f" in {report.seconds:.1f}s"
        )
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    add_command(app, guest)
