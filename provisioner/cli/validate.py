"""`provision validate`: everything that can be known about a blueprint without calling a cloud.

The checks are :func:`provisioner.apply.validation.check_blueprint` (load, Azure's rules, a trial
compile); the report lists every error and warning at its ``file:line:column`` and, for a valid
blueprint, the resources it would create and the frontend → backend mapping table. Exit 0 when
valid (warnings allowed), 2 when not. Nothing is called, nothing is created, and the Azure SDK
is not even imported.
"""

from __future__ import annotations

from pathlib import Path

import typer

from provisioner.cli.common import OutputFormat, emit_json
from provisioner.cli.completion import complete_blueprint
from provisioner.cli.plumbing import add_command


def validate(
    blueprints: list[Path] = typer.Argument(
        ...,
        help="The blueprint file(s) (YAML); several at once for pre-commit.",
        metavar="BLUEPRINT",
        show_default=False,
        autocompletion=complete_blueprint,
    ),
    output: OutputFormat = typer.Option(
        OutputFormat.text, "--output", "-o", help="text (a report) or json (one document)."
    ),
) -> None:
    """Check blueprints against the format and Azure's load balancer rules (no cloud calls).

    Exit 0 when every one is valid (warnings allowed), 2 when any is not.
    """
    from provisioner.apply.validation import check_blueprint
    from provisioner.cli.render_validation import render_report, report_as_dict

    reports = []
    for blueprint in blueprints:
        typer.echo(f"provision validate: {blueprint} (no cloud calls)", err=True)
        reports.append(check_blueprint(blueprint))
        if output is OutputFormat.text:
            render_report(reports[-1])
    ok = all(report.ok for report in reports)
    if output is OutputFormat.json:
        # One file: its report, as always. Several (pre-commit): one document holding each.
        docs = [report_as_dict(report) for report in reports]
        emit_json(docs[0] if len(docs) == 1 else {"ok": ok, "blueprints": docs})
    if not ok:
        raise typer.Exit(code=2)


def register(app: typer.Typer) -> None:
    add_command(app, validate, "validate")
