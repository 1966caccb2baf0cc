"""`provision status`: the environments in a target, or one environment's resources and mapping."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from provisioner.cli.common import OutputFormat, emit_json, fail, out_console
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
    start,
)
from provisioner.errors import ProvisionerError

if TYPE_CHECKING:
    from provisioner.apply.lifecycle import Loaded
    from provisioner.apply.status import EnvironmentStatus
    from provisioner.arm.target import Target
    from provisioner.plan.picture import Picture


def status(
    blueprint: Path | None = typer.Argument(
        None, help="Blueprint: also show drift and mapping", autocompletion=complete_blueprint
    ),
    env: str | None = EnvOpt,
    output: OutputFormat = OutputOpt,
    cloud: str | None = CloudOpt,
    arm_endpoint: str | None = ArmEndpointOpt,
    ca_bundle: Path | None = CaBundleOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Environments in the target (by tags), or one environment's resources and mapping."""
    from provisioner.apply.status import environment_status
    from provisioner.envs.listing import list_environments

    cloud = arm_endpoint or cloud
    loaded, env = start(blueprint, env, output, cloud, subscription, state)
    target = cli_target(cloud, subscription, state, output, ca_bundle)
    picture = None
    try:
        if env is None:
            envs = list_environments(target)
        else:
            one = environment_status(target, env, loaded)
            if output is OutputFormat.text and out_console.is_terminal and one.mapping:
                picture = _picture(target, one, loaded)
    except ProvisionerError as exc:
        target.close()
        fail(exc, output)
    target.close()
    if env is None:
        doc: dict[str, Any] = {"target": target.label, "environments": [e.as_dict() for e in envs]}
    else:
        doc = {"target": target.label, **one.as_dict()}
    if output is OutputFormat.json:
        emit_json(doc)
    elif env is None:
        _render_environments(doc["environments"])
    else:
        _render_environment(one, doc)
        if picture is not None:
            from provisioner.cli.picture_tree import print_picture
            from provisioner.cli.up import MAX_TREE_RULES

            print_picture(picture, out_console, max_rules=MAX_TREE_RULES)


def _picture(target: Target, st: EnvironmentStatus, loaded: Loaded | None) -> Picture:
    """The environment's picture for the terminal: the blueprint's with live addresses, or,
    without a blueprint, read from the live load balancers."""
    from provisioner.plan.picture import blueprint_picture
    from provisioner.plan.picture_live import read_live_picture

    if loaded is not None:
        return blueprint_picture(loaded.blueprint, st.mapping, env=st.env, source="live")
    return read_live_picture(target, st.env, st.resources)


def _render_environments(environments: list[dict[str, Any]]) -> None:
    if not environments:
        out_console.print("no environments")
    for e in environments:
        expired = " (expired)" if e["expired"] else ""
        out_console.print(
            f"{e['env']}: {e['resources']} resource(s), blueprint {e['digest'] or '?'}, "
            f"created {e['created'] or 'unknown'}, expires {e['expires'] or 'never'}"
            f"{expired}",
            markup=False,
        )


def _render_environment(st: EnvironmentStatus, doc: dict[str, Any]) -> None:
    from provisioner.cli.render_plan import render_mapping

    if doc.get("created") or doc.get("expires"):
        out_console.print(
            f"created {doc.get('created') or 'unknown'}, expires {doc.get('expires') or 'never'}",
            markup=False,
        )
    for r in st.resources:
        out_console.print(f"{r.kind or r.type}  {r.name}", markup=False)
    if st.drift is not None:
        out_console.print(f"drift: {'yes' if st.drift else 'no'}")
    render_mapping(st.mapping, out_console)


def register(app: typer.Typer) -> None:
    add_command(app, status)
