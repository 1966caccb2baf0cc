"""`provision plan`: what `up` would create, update and delete, field by field, and the mapping."""

from __future__ import annotations

from pathlib import Path

import typer

from provisioner.cli.common import OutputFormat, emit_json, fail, finding_as_dict, out_console
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
    cli_target,
    parse_tags,
    start,
)
from provisioner.errors import ProvisionerError


def plan(
    blueprint: Path = typer.Argument(
        ..., help="Blueprint YAML file", autocompletion=complete_blueprint
    ),
    env: str | None = EnvOpt,
    output: OutputFormat = OutputOpt,
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode", help="Exit 3 when the plan has changes"
    ),
    tag: list[str] = TagOpt,
    cloud: str | None = CloudOpt,
    arm_endpoint: str | None = ArmEndpointOpt,
    ca_bundle: Path | None = CaBundleOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Show what `up` would create, update and delete, field by field, and the mapping table."""
    from provisioner.apply.up import preview_up
    from provisioner.cli.render_guest import guest_plan_as_dict, render_guest_plan
    from provisioner.cli.render_plan import plan_as_dict, render_plan

    cloud = arm_endpoint or cloud
    loaded, env = start(blueprint, env, output, cloud, subscription, state)
    assert loaded is not None and env is not None
    try:
        extra_tags = parse_tags(tag)
    except ProvisionerError as exc:
        fail(exc, output)
    target = cli_target(cloud, subscription, state, output, ca_bundle)
    try:
        preview = preview_up(target, loaded, env, extra_tags=extra_tags)
    except ProvisionerError as exc:
        fail(exc, output)
    finally:
        target.close()
    if output is OutputFormat.json:
        emit_json(
            {
                "ok": True,
                "target": target.label,
                "env": env,
                **plan_as_dict(preview.plan),
                "guest": [guest_plan_as_dict(i) for i in preview.guest],
                "warnings": [finding_as_dict(f) for f in loaded.warnings],
            }
        )
    else:
        render_plan(preview.plan, out_console)
        render_guest_plan(preview.guest, out_console)
    if detailed_exitcode and preview.has_changes:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    add_command(app, plan)
