"""The ``provision`` command: assembles the sub-commands and turns user errors into exit codes."""

from __future__ import annotations

import sys

import typer

from provisioner.cli import (
    cmd_cleanup,
    cmd_guest,
    cmd_lifecycle,
    cmd_local,
    cmd_schema,
    cmd_validate,
)

app = typer.Typer(
    name="provision",
    help="Azure Load Balancer scenarios (multi-frontend, Floating IP) from YAML blueprints.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Azure Load Balancer scenarios (multi-frontend, Floating IP) from YAML blueprints."""


@app.command()
def version() -> None:
    """Print the provisioner version."""
    from provisioner import __version__

    typer.echo(__version__)


for module in (cmd_validate, cmd_schema, cmd_lifecycle, cmd_guest, cmd_cleanup, cmd_local):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
