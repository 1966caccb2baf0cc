"""`provision cleanup`: destroy environments left behind (expired, by name prefix, by age).

A dry run unless ``--yes`` is given, so a mistyped selector in a nightly job shows what it
*would* delete instead of deleting it. The selection and the destruction are
``provisioner.envs.sweep``'s; this command checks the selectors before any cloud call, calls
it, and renders the report.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.cli.plumbing import (
    CloudOpt,
    NowOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    check_duration,
    check_env,
    open_cli_target,
    parse_now,
    target_line,
)
from provisioner.errors import ProvisionerError

if TYPE_CHECKING:
    from provisioner.arm.target import Target
    from provisioner.envs.cleanup import CleanupReport
    from provisioner.envs.selection import Criteria


def cleanup(
    expired: Annotated[
        bool, typer.Option("--expired", help="Environments whose provisioner-expires has passed")
    ] = False,
    env_prefix: Annotated[
        str | None, typer.Option("--env-prefix", help="Environments whose name starts with this")
    ] = None,
    older_than: Annotated[
        str | None,
        typer.Option("--older-than", help="Environments created longer ago than this (e.g. 2d)"),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Only show what would be deleted (default without --yes)"),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Really delete (without it: a dry run)")
    ] = False,
    max_parallel: Annotated[
        int, typer.Option("--max-parallel", min=1, max=64, help="Environments destroyed at once")
    ] = 4,
    resource_graph: Annotated[
        bool,
        typer.Option("--resource-graph", help="Azure only: discover through Azure Resource Graph"),
    ] = False,
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: str | None = StateOpt,
    output: OutputFormat = OutputOpt,
    now: NowOpt = None,
) -> None:
    """Destroy environments left behind: expired, by name prefix, or by age. Dry run by default."""
    target_line(cloud, subscription, state, output)
    try:
        moment = parse_now(now)
        criteria = _criteria(expired, env_prefix, older_than, moment)
        target = open_cli_target(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)
    try:
        report = _destroy(
            target,
            criteria,
            moment,
            dry_run=dry_run or not yes,
            max_parallel=max_parallel,
            resource_graph=resource_graph,
        )
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json(report.as_dict())
    else:
        _render(report)
    raise SystemExit(0 if report.ok else 1)


def _criteria(
    expired: bool, env_prefix: str | None, older_than: str | None, moment: datetime
) -> Criteria:
    """The selectors, checked: bad input (or none at all) exits 2 before any cloud call."""
    from provisioner.envs.selection import Criteria, select

    if env_prefix:
        check_env(env_prefix, "--env-prefix")
    criteria = Criteria(
        expired=expired,
        env_prefix=env_prefix or None,
        older_than=check_duration(older_than, "--older-than", moment) if older_than else None,
    )
    if criteria.is_empty():
        select([], criteria, moment)  # raises the user error
    return criteria


def _destroy(
    target: Target,
    criteria: Criteria,
    moment: datetime,
    *,
    dry_run: bool,
    max_parallel: int,
    resource_graph: bool,
) -> CleanupReport:
    """Discover the environments, select by ``criteria`` and destroy them (or not: dry run)."""
    from provisioner.arm.target import open_graph_client
    from provisioner.envs.sweep import sweep

    return sweep(
        target,
        criteria,
        moment,
        dry_run=dry_run,
        max_parallel=max_parallel,
        graph_client=open_graph_client(target) if resource_graph else None,
        on_done=_progress,
    )


def _progress(outcome: Any) -> None:
    if outcome.skipped:
        err_console.print(f"  {outcome.env}: skipped ({outcome.skipped})")
        return
    word = "destroyed" if outcome.ok else "incomplete"
    err_console.print(
        f"  {outcome.env}: {word} ({len(outcome.deleted)} deleted, "
        f"{len(outcome.left)} left, {outcome.seconds:.1f}s)"
    )


def _render(report: CleanupReport) -> None:
    from rich.table import Table

    table = Table(show_edge=False, pad_edge=False)
    for column in ("environment", "status", "resources", "reason"):
        table.add_column(column)
    for row in report.as_rows():
        table.add_row(*row)
    out_console.print(table)
    for outcome in report.outcomes.values():
        for left in outcome.left:
            out_console.print(f"[yellow]left[/yellow] {left.id}: {left.reason}")
        if outcome.error:
            out_console.print(f"[red]error[/red] {outcome.env}: {outcome.error}")
        if outcome.skipped:
            out_console.print(f"[yellow]skipped[/yellow] {outcome.env}: {outcome.skipped}")
    if report.dry_run:
        n = len(report.selected)
        out_console.print(
            f"dry run: {n} environment(s) would be destroyed; run again with --yes to delete"
        )
    else:
        out_console.print(
            f"{report.environments_destroyed} environment(s) destroyed, "
            f"{report.resources_deleted} resource(s) deleted, "
            f"{report.resources_left} left, in {report.seconds:.1f}s"
        )


def register(app: typer.Typer) -> None:
    add_command(app, cleanup, "cleanup")
