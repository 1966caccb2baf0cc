"""`provision extend`: keep a live environment longer (its expiry tags, nothing else)."""

from __future__ import annotations

from typing import Annotated

import typer

from provisioner.cli.common import OutputFormat, emit_json, fail, out_console
from provisioner.cli.completion import complete_env
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


def extend(
    env: Annotated[
        str,
        typer.Option("--env", help="The environment to keep longer", autocompletion=complete_env),
    ],
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
        moment = parse_now(now)
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
    add_command(app, extend, "extend")
