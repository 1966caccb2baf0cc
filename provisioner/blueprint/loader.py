"""Load a blueprint file: YAML → validated model + source map + digest, or every error at once.

Users fix blueprints in rounds; each round costs an edit and a run, so a load reports *all* the
problems it can find (every duplicate key, every unknown field, every bad value), each with the
file, line and column of the text to change.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from provisioner.blueprint.digest import blueprint_digest
from provisioner.blueprint.model import Blueprint
from provisioner.blueprint.source import SourceMap
from provisioner.blueprint.validation_errors import findings_from_validation_error
from provisioner.blueprint.yaml_document import read_yaml
from provisioner.errors import BlueprintInvalid, Finding, SourceLocation

#: The format versions this provisioner reads.
SUPPORTED_FORMATS = (1,)


@dataclass(frozen=True)
class LoadedBlueprint:
    """A valid blueprint and where it came from."""

    path: str
    blueprint: Blueprint
    source: SourceMap
    digest: str


def load_blueprint(path: str | Path) -> LoadedBlueprint:
    """Read and validate the blueprint at ``path``.

    Raises ``BlueprintInvalid`` (a ``UserInputError``, exit 2) carrying every loader finding,
    each with a location, when the file cannot be read, is not YAML, or does not fit the model.
    Cross-references and Azure's rules are checked later, by ``provisioner.rules``.
    """
    file = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise BlueprintInvalid(
            file,
            [Finding("FileUnreadable", f"cannot read {file}: {reason}", hint=_read_hint(exc))],
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        finding = Finding(
            "FileUnreadable",
            f"{file} is not UTF-8 text (byte {exc.start} cannot be decoded)",
            hint="save the file as UTF-8",
            location=SourceLocation(file, line, 1),
        )
        raise BlueprintInvalid(file, [finding]) from None
    return parse_blueprint(text, file)


def parse_blueprint(text: str, file: str = "<string>") -> LoadedBlueprint:
    """Like ``load_blueprint`` for text already in memory; ``file`` names it in locations."""
    # A blueprint at Azure's limits makes ~100,000 long-lived objects (data, source map, model):
    # the cyclic collector's passes over them cost as much as the load itself.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _parse(text, file)
    finally:
        if was_enabled:
            gc.enable()


def _parse(text: str, file: str) -> LoadedBlueprint:
    document = read_yaml(text, file)
    findings = list(document.findings)
    data = document.data
    if any(f.code == "YamlSyntax" for f in findings):
        # Not a usable document (or parts were dropped): model errors would only add noise.
        raise BlueprintInvalid(file, _ordered(findings))
    top = _top_level_finding(data, document.source)
    if top is not None:
        raise BlueprintInvalid(file, _ordered([*findings, top]))
    format_finding = _format_finding(data, document.source)
    if format_finding is not None:
        # Another format's fields would each look like a mistake: report the format alone.
        raise BlueprintInvalid(file, [format_finding])
    try:
        blueprint = Blueprint.model_validate(data)
    except ValidationError as exc:
        findings.extend(findings_from_validation_error(exc, document.source))
        raise BlueprintInvalid(file, _ordered(findings)) from None
    if findings:  # duplicate keys: the model saw only the first of each
        raise BlueprintInvalid(file, _ordered(findings))
    return LoadedBlueprint(file, blueprint, document.source, blueprint_digest(blueprint))


def _top_level_finding(data: Any, source: SourceMap) -> Finding | None:
    if isinstance(data, dict):
        return None
    if data is None:
        return Finding(
            "NotAMapping",
            "the blueprint is empty",
            hint="start with `blueprint: 1`, then name, location and network",
            location=source.locate(()),
        )
    kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
    return Finding(
        "NotAMapping",
        f"the top level of a blueprint must be a mapping (key: value lines), not {kind}",
        hint="start with `blueprint: 1`, then name, location and network",
        location=source.locate(()),
    )


def _format_finding(data: dict[Any, Any], source: SourceMap) -> Finding | None:
    if "blueprint" not in data:
        return None  # reported as a MissingField with the rest
    value = data["blueprint"]
    if type(value) is int and value in SUPPORTED_FORMATS:
        return None
    shown = repr(value) if isinstance(value, str) else str(value).lower()
    return Finding(
        "UnsupportedFormat",
        f"blueprint format {shown} is not supported; this provisioner reads format 1",
        ("blueprint",),
        hint="write `blueprint: 1` (the number, unquoted)",
        location=source.locate_value(("blueprint",)),
    )


def _read_hint(exc: OSError) -> str | None:
    if isinstance(exc, FileNotFoundError):
        return "check the path; it is relative to the current directory"
    if isinstance(exc, IsADirectoryError):
        return "give the blueprint file, not its directory"
    return None


def _ordered(findings: list[Finding]) -> list[Finding]:
    def key(f: Finding) -> tuple[int, int]:
        return (f.location.line, f.location.column) if f.location else (0, 0)

    return sorted(findings, key=key)
