"""`provision schema`: the blueprint's JSON Schema, for editors and other tools."""

from __future__ import annotations

import sys

import typer

from provisioner.cli.plumbing import add_command


def schema() -> None:
    """Print the JSON Schema of blueprint format 1 (editor completion and checks as you type).

    Save it, or use docs/schema/blueprint.schema.json (the same document), and add
    `# yaml-language-server: $schema=<path or URL>` at the top of a blueprint.
    """
    from provisioner.blueprint.schema import blueprint_schema_json

    typer.echo("provision schema: blueprint format 1 (no cloud calls)", err=True)
    sys.stdout.write(blueprint_schema_json())
    sys.stdout.flush()


def register(app: typer.Typer) -> None:
    add_command(app, schema, "schema")
