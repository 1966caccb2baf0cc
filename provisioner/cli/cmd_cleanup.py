"""`provision cleanup` and `provision extend`: expired environments out, live ones kept longer.

Thin: parse options, call ``provisioner.envs``, render. Cleanup is a dry run unless ``--yes`` is
given, so a mistyped selector in a nightly job shows what it *would* delete instead of deleting it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from provisioner.cli.cmd_lifecycle import (
    CloudOpt,
    OutputOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    check_duration,
    check_env,
    open_cli_target,
    target_line,
)
from provisioner.cli.common import OutputFormat, emit_json, err_console, fail, out_console
from provisioner.errors import ProvisionerError, UserInputError

#: Tests inject "now" through it; users ask "what will tonight's job take?"
NowOpt = Annotated[
    str | None,
    typer.Option("--now", help="Judge expiry as of this ISO 8601 UTC time (default: the clock)"),
]


def _now(value: str | None) -> datetime:
    from provisioner.envs.ttl import parse_timestamp, utc_now

    if value is None:
        return utc_now()
    moment = parse_timestamp(value)
    if moment is None:
        raise UserInputError(f"--now {value!r} is not an ISO 8601 timestamp")
    return moment


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
    from provisioner.arm.retry import retrying_call
    from provisioner.envs.cleanup import run_cleanup
    from provisioner.envs.destroy import destroyer_for
    from provisioner.envs.discovery import discover_environments
    from provisioner.envs.selection import Criteria, select

    target_line(cloud, subscription, state, output)
    try:
        moment = _now(now)
        if env_prefix:
            check_env(env_prefix, "--env-prefix")
        criteria = Criteria(
            expired=expired,
            env_prefix=env_prefix or None,
            older_than=check_duration(older_than, "--older-than", moment) if older_than else None,
        )
        if criteria.is_empty():
            select([], criteria, moment)  # raises the user error, before any cloud call
        target = open_cli_target(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)
    try:
        graph = _graph_client(target) if resource_graph else None
        environments = discover_environments(target, graph_client=graph, call=retrying_call(target))
        decisions = select(environments, criteria, moment)
        is_dry = dry_run or not yes

        def progress(outcome) -> None:  # type: ignore[no-untyped-def]
            word = "destroyed" if outcome.ok else "incomplete"
            err_console.print(
                f"  {outcome.env}: {word} ({len(outcome.deleted)} deleted, "
                f"{len(outcome.left)} left, {outcome.seconds:.1f}s)"
            )

        report = run_cleanup(
            decisions,
            destroyer_for(target),
            target=target.label,
            now=moment,
            criteria=criteria,
            dry_run=is_dry,
            max_parallel=max_parallel,
            on_done=progress,
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


def _graph_client(target):  # type: ignore[no-untyped-def]
    if target.kind != "azure":
        raise UserInputError("--resource-graph needs --cloud azure (the local cloud has no graph)")
    from azure.identity import DefaultAzureCredential
    from azure.mgmt.resourcegraph import ResourceGraphClient

    return ResourceGraphClient(DefaultAzureCredential())


def _render(report) -> None:  # type: ignore[no-untyped-def]
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


def extend(
    env: Annotated[str, typer.Option("--env", help="The environment to keep longer")],
    ttl: Annotated[str, typer.Option("--ttl", help="New lifetime from now: 30m, 4h, 2d")],
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: str | None = StateOpt,
    output: OutputFormat = OutputOpt,
    now: NowOpt = None,
) -> None:
    """Move an environment's expiry to now + TTL (tags only; nothing else changes)."""
    from provisioner.envs.extend import extend_environment

    target_line(cloud, subscription, state, output, env or None)
    try:
        moment = _now(now)
        check_env(env)
        check_duration(ttl, "--ttl", moment)  # invalid input exits 2 before any cloud call
        target = open_cli_target(cloud, subscription, state)
    except ProvisionerError as exc:
        fail(exc, output)
    try:
        result = extend_environment(target, env, ttl, moment)
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json(result.as_dict())
    else:
        out_console.print(
            f"{env}: expires {result.expires} ({len(result.updated)} resource(s) updated)"
        )
        for rid, why in result.failed:
            out_console.print(f"[red]not updated[/red] {rid}: {why}")
    raise SystemExit(0 if result.ok else 1)


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    add_command(app, cleanup, "cleanup")
    add_command(app, extend, "extend")
