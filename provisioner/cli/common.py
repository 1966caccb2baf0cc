"""What every command shares on its way out: output mode, consoles, user errors and findings.

Every styled line goes through the two consoles here (stdout for results, stderr for progress,
the target line and warnings, so that ``--output json`` keeps stdout to one document); every user
error leaves through :func:`fail`, rendered once, with its exit code.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape

from provisioner.errors import BlueprintInvalid, Finding, ProvisionerError

#: Progress, the target line and warnings go to stderr so that ``--output json`` keeps stdout clean.
err_console = Console(stderr=True, highlight=False)
out_console = Console(highlight=False)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def emit_json(document: Any) -> None:
    """Write exactly one JSON document to stdout."""
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def finding_as_dict(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "severity": f.severity,
        "message": f.message,
        "field": f.field,
        "file": f.location.file if f.location else None,
        "line": f.location.line if f.location else None,
        "column": f.location.column if f.location else None,
        "hint": f.hint,
        "related": [
            {"file": loc.file, "line": loc.line, "column": loc.column}
            for loc in f.related_locations
        ],
    }


def render_finding(f: Finding, console: Console = err_console, file: str | None = None) -> None:
    """One finding, with its place (``file`` stands in when the finding has no line)."""
    where = str(f.location) if f.location else (file or "?")
    style = "red" if f.severity == "error" else "yellow"
    console.print(
        f"[{style}]{f.severity}[/{style}] {escape(where)}: "
        f"[bold]{escape(f.code)}[/bold]: {escape(f.message)}",
        soft_wrap=True,
    )
    if f.field:
        console.print(f"    field: {escape(f.field)}", soft_wrap=True)
    for loc in f.related_locations:
        console.print(f"    see also: {escape(str(loc))}", soft_wrap=True)
    if f.hint:
        console.print(f"    hint: {escape(f.hint)}", soft_wrap=True)


def fail(exc: ProvisionerError, output: OutputFormat = OutputFormat.text) -> NoReturn:
    """Report a user-facing error once and exit with its code."""
    if output is OutputFormat.json:
        doc: dict[str, Any] = {"ok": False, "error": str(exc)}
        if isinstance(exc, BlueprintInvalid):
            doc["errors"] = [finding_as_dict(f) for f in exc.findings if f.severity == "error"]
            doc["warnings"] = [finding_as_dict(f) for f in exc.findings if f.severity == "warning"]
        emit_json(doc)
    else:
        if isinstance(exc, BlueprintInvalid):
            for f in exc.findings:
                render_finding(f, file=exc.file)
        err_console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    raise SystemExit(exc.exit_code)
