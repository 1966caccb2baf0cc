"""The ``provision`` command: a file per sub-command, assembled here in ``--help`` order.

Each command module imports only typer, rich and the CLI's own plumbing at its top, and loads
the core (and with it pydantic models or the Azure SDK) when it runs, so ``provision --help``
and ``provision version`` start about as fast as Python with typer does.
"""

from __future__ import annotations

import sys

import typer

from provisioner.cli import (
    cleanup,
    down,
    extend,
    graph,
    guest,
    local,
    plan,
    schema,
    status,
    up,
    validate,
    verify,
    version,
)

app = typer.Typer(
    name="provision",
    help="Azure Load Balancer scenarios (multi-frontend, Floating IP) from YAML blueprints.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion: bash, zsh, fish, pwsh
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Azure Load Balancer scenarios (multi-frontend, Floating IP) from YAML blueprints."""


#: The order of ``provision --help``.
COMMANDS = (
    version,
    validate,
    schema,
    graph,
    plan,
    up,
    down,
    status,
    guest,
    verify,
    cleanup,
    extend,
    local,
)

for command in COMMANDS:
    command.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
