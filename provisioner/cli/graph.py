"""`provision graph`: the topology as a picture (tree, Mermaid, DOT, SVG or HTML).

From the blueprint alone nothing is called (not even the Azure SDK is imported): names, ports,
Floating IP, "allocated at apply". With ``--env`` the environment's live addresses are read
first (the target line comes first on stderr, as for every command that calls a cloud). The
picture's model is ``provisioner.plan.picture``; the drawings are ``cli/picture_*.py``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from provisioner.cli.common import OutputFormat, err_console, fail
from provisioner.cli.completion import complete_blueprint, complete_env
from provisioner.cli.plumbing import (
    CloudOpt,
    StateOpt,
    SubscriptionOpt,
    add_command,
    cli_target,
    start,
)
from provisioner.errors import ProvisionerError, UserInputError

if TYPE_CHECKING:
    from provisioner.plan.picture import Picture


class GraphFormat(StrEnum):
    tree = "tree"
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"
    html = "html"


#: ``--out FILE`` without ``--format`` takes the format from the file's suffix.
SUFFIXES = {
    ".mmd": GraphFormat.mermaid,
    ".mermaid": GraphFormat.mermaid,
    ".dot": GraphFormat.dot,
    ".gv": GraphFormat.dot,
    ".svg": GraphFormat.svg,
    ".html": GraphFormat.html,
    ".htm": GraphFormat.html,
    ".txt": GraphFormat.tree,
}


def graph(
    blueprint: Path = typer.Argument(
        ..., help="Blueprint YAML file", autocompletion=complete_blueprint
    ),
    env: str | None = typer.Option(
        None,
        "--env",
        help="Read this environment's live addresses (default: no cloud call)",
        autocompletion=complete_env,
    ),
    format: GraphFormat | None = typer.Option(
        None, "--format", "-f", help="tree (default), mermaid, dot, svg or html"
    ),
    out: Path | None = typer.Option(None, "--out", "-O", help="Write to FILE (default: stdout)"),
    cloud: str | None = CloudOpt,
    subscription: str | None = SubscriptionOpt,
    state: Path | None = StateOpt,
) -> None:
    """Draw frontends → rules → pools → VMs, from the blueprint or a live environment."""
    chosen = format or SUFFIXES.get(out.suffix.lower() if out else "", GraphFormat.tree)
    if env is None:
        picture = _blueprint_picture(blueprint)
    else:
        picture = _live_picture(blueprint, env, cloud, subscription, state)
    text = render(picture, chosen)
    if out is None:
        _stdout(text, chosen, picture)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(UserInputError(f"--out {str(out)!r} cannot be written: {exc.strerror or exc}"))
    err_console.print(
        f"graph: wrote {out} ({chosen}, {len(text.encode())} bytes)", markup=False, soft_wrap=True
    )


def _blueprint_picture(blueprint: Path) -> Picture:
    from provisioner.apply.lifecycle import load_and_validate
    from provisioner.plan.picture import blueprint_picture

    err_console.print(
        f"provision graph: {blueprint} (no cloud calls)", markup=False, soft_wrap=True
    )
    try:
        loaded = load_and_validate(blueprint)
    except ProvisionerError as exc:
        fail(exc)
    if loaded.warnings:
        err_console.print(
            f"graph: {len(loaded.warnings)} warning(s); "
            f"`provision validate {blueprint}` shows them",
            markup=False,
            soft_wrap=True,
        )
    return blueprint_picture(loaded.blueprint)


def _live_picture(
    blueprint: Path, env: str, cloud: str | None, subscription: str | None, state: Path | None
) -> Picture:
    from provisioner.apply.lifecycle import desired_state
    from provisioner.plan.picture_live import environment_picture

    loaded, env = start(blueprint, env, OutputFormat.text, cloud, subscription, state)
    assert loaded is not None and env is not None
    target = cli_target(cloud, subscription, state, OutputFormat.text)
    try:
        desired = desired_state(target, loaded, env)
        picture, exists = environment_picture(target, loaded.blueprint, desired)
    except ProvisionerError as exc:
        fail(exc)
    finally:
        target.close()
    if not exists:
        err_console.print(
            f"graph: environment {env!r} has nothing in {target.label} yet: "
            "addresses read 'allocated at apply'",
            markup=False,
            soft_wrap=True,
        )
    return picture


def render(picture: Picture, chosen: GraphFormat) -> str:
    """The picture in ``chosen`` format, as text (the tree without colour)."""
    if chosen is GraphFormat.mermaid:
        from provisioner.cli.picture_mermaid import render_mermaid

        return render_mermaid(picture)
    if chosen is GraphFormat.dot:
        from provisioner.cli.picture_dot import render_dot

        return render_dot(picture)
    if chosen is GraphFormat.svg:
        from provisioner.cli.picture_svg import render_svg

        return render_svg(picture)
    if chosen is GraphFormat.html:
        from provisioner.cli.picture_html import render_html

        return render_html(picture)
    from provisioner.cli.picture_tree import tree_text

    return tree_text(picture)


def _stdout(text: str, chosen: GraphFormat, picture: Picture) -> None:
    import sys

    from provisioner.cli.common import out_console

    if chosen is GraphFormat.tree and out_console.is_terminal:
        from provisioner.cli.picture_tree import print_picture

        print_picture(picture, out_console)
        return
    sys.stdout.write(text)
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    add_command(app, graph)
