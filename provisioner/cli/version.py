"""`provision version`."""

from __future__ import annotations

import typer


def version() -> None:
    """Print the provisioner version."""
    from provisioner import __version__

    typer.echo(__version__)


def register(app: typer.Typer) -> None:
    app.command()(version)
