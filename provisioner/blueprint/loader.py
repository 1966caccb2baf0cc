"""Load a blueprint file: YAML → validated model + source map + digest, or every error at once.

Users fix blueprints in rounds; each round costs an edit and a run, so a load reports *all* the
problems it can find (every duplicate key, every unknown field, every bad value), each with the
file, line and column of the text to change.

The file itself is bounded first: only a regular file is read (a named pipe would block until a
writer came, a device like ``/dev/zero`` never ends), and never more than the size limit plus one
byte, so a hostile or mistaken path costs milliseconds, not gigabytes. Depth, value length and
node count are bounded by the YAML layer (``yaml_document``).
"""

from __future__ import annotations

import gc
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from provisioner.blueprint.digest import blueprint_digest
from provisioner.blueprint.model import Blueprint
from provisioner.blueprint.source import SourceMap
from provisioner.blueprint.validation_errors import findings_from_validation_error
from provisioner.blueprint.yaml_document import UNUSABLE, read_yaml
from provisioner.errors import BlueprintInvalid, Finding, SourceLocation

#: The format versions this provisioner reads.
SUPPORTED_FORMATS = (1,)

#: The largest blueprint file read, in bytes. A blueprint at Azure's limits (600 frontends,
#: 1,500 rules, 2,000 VMs: ``bench/validate_scale.py``) is ~220 kB; 4 MiB leaves room for
#: comments and long descriptions and still loads in seconds.
DEFAULT_MAX_BYTES = 4 * 1024 * 1024
#: Raises (or lowers) the limit: a number of bytes.
MAX_BYTES_ENV = "PROVISION_BLUEPRINT_MAX_BYTES"
#: Loader findings reported for one file; the rest are counted in one more.
MAX_REPORTED = 100


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
    raw = read_bounded(path, max_bytes(file))
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


def max_bytes(file: str) -> int:
    """The size limit: ``PROVISION_BLUEPRINT_MAX_BYTES`` when set, else ``DEFAULT_MAX_BYTES``.

    A setting that is not a positive number of bytes is reported for ``file`` like every other
    reason it cannot be read (``InvalidSetting``, exit 2).
    """
    value = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not value:
        return DEFAULT_MAX_BYTES
    if value.isdigit() and int(value) >= 1:
        return int(value)
    finding = Finding(
        "InvalidSetting",
        f"{MAX_BYTES_ENV}={value!r} is not a number of bytes",
        hint=f"unset {MAX_BYTES_ENV}, or give a number of bytes (8388608 for 8 MiB)",
    )
    raise BlueprintInvalid(file, [finding])


def read_bounded(path: str | Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``, refused (``BlueprintInvalid``) past ``limit``.

    The file is opened without blocking (``O_NONBLOCK``: a named pipe opens at once, writer or
    not) and its type is checked on the open descriptor, so what is checked is what is read.
    """
    file = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _unreadable(file, exc.strerror or str(exc), _read_hint(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = _not_a_file(info.st_mode)
            if what == "a directory":
                hint = "give the blueprint file, not its directory"
            else:  # a pipe may never end, nor a device: only a file has a size to check
                hint = "save the blueprint to a file and give its path"
            raise _unreadable(file, f"it is {what}, not a file", hint)
        try:
            raw = _read_at_most(fd, limit + 1)
        except OSError as exc:
            raise _unreadable(file, exc.strerror or str(exc), None) from None
    finally:
        os.close(fd)
    if len(raw) > limit:
        size = f"{info.st_size:,} bytes" if info.st_size > limit else f"more than {limit:,} bytes"
        finding = Finding(
            "FileTooLarge",
            f"{file} is {size}; a blueprint may have at most {limit} bytes",
            hint=f"check that this is the blueprint; set {MAX_BYTES_ENV} to allow larger files",
        )
        raise BlueprintInvalid(file, [finding])
    return raw


def _read_at_most(fd: int, count: int) -> bytes:
    """Up to ``count`` bytes from ``fd`` (fewer only at the end of the file)."""
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _not_a_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "something other than a regular file"


def _unreadable(file: str, reason: str, hint: str | None) -> BlueprintInvalid:
    finding = Finding("FileUnreadable", f"cannot read {file}: {reason}", hint=hint)
    return BlueprintInvalid(file, [finding])


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
    if any(f.code in UNUSABLE for f in findings):
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
    """In document order, the first ``MAX_REPORTED`` and one finding counting the rest.

    A generated or hostile file can hold tens of thousands of the same mistake; printing each
    costs minutes and helps nobody.
    """

    def key(f: Finding) -> tuple[int, int]:
        return (f.location.line, f.location.column) if f.location else (0, 0)

    ordered = sorted(findings, key=key)
    if len(ordered) <= MAX_REPORTED:
        return ordered
    rest = len(ordered) - MAX_REPORTED
    more = Finding(
        "TooManyErrors",
        f"{rest} more errors after these are not shown",
        hint="fix the errors shown and run again",
        location=ordered[MAX_REPORTED].location,
    )
    return [*ordered[:MAX_REPORTED], more]
