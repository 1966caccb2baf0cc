"""Pydantic validation errors → findings a person can act on, pointing at the text they wrote.

Pydantic says "String should match pattern '^[A-Za-z][A-Za-z0-9-]{0,39}$'" at
``('vms', 'web_1', '[key]')``; the user should read "VM name 'web_1' is not allowed: names start
with a letter and hold only letters, digits and hyphens" at ``web.yaml:7:3``.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from provisioner.blueprint import model
from provisioner.blueprint.model_paths import (
    allowed_values,
    bounds,
    field_names,
    model_at,
    slot_at,
)
from provisioner.blueprint.source import SourceMap
from provisioner.errors import BlueprintPath, Finding

#: Patterns of the model in plain words (the regex itself helps nobody at 2 a.m.).
PATTERN_WORDS: dict[str, str] = {
    model.NAME_PATTERN: (
        "names start with a letter and hold only letters, digits and hyphens "
        "(at most 40 characters)"
    ),
    model.RESOURCE_ID_PATTERN: (
        "it must be a full Azure resource id, "
        "/subscriptions/<id>/resourceGroups/<group>[/providers/<namespace>/<type>/<name>]"
    ),
    model.DURATION_PATTERN: "a duration is a whole number followed by m, h or d, e.g. 30m, 4h, 2d",
    r"^[a-z0-9][a-z0-9-]{0,39}$": (
        "the blueprint name is lowercase letters, digits and hyphens, starting with a letter or "
        "digit (at most 40 characters); it becomes part of Azure resource names"
    ),
    r"^[a-z0-9]+$": "an Azure region name: lowercase letters and digits, e.g. westeurope, eastus2",
    r"^[A-Za-z0-9_]+$": "a VM size is letters, digits and underscores, e.g. Standard_B1s",
    r"^[a-z_][a-z0-9_-]{0,31}$": (
        "a Linux user name: lowercase letters, digits, _ and -, starting with a letter or _ "
        "(at most 32 characters)"
    ),
}

#: Errors pydantic raises for a value of the wrong kind, and the kind that was expected.
_EXPECTED_KIND = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "list_type": "a list",
}

#: Whole-model checks (``model_validator``) name a field in prose; point at that field.
#: (message pattern, field, code). A MissingField points at the mapping that lacks the field.
_MODEL_CHECKS: list[tuple[re.Pattern[str], str, str]] = [
    (re.compile(r"needs a subnet"), "subnet", "MissingField"),
    (re.compile(r"^count cannot"), "count", "InvalidValue"),
    (re.compile(r"need a path"), "path", "MissingField"),
    (re.compile(r"path is only for|^path must"), "path", "InvalidValue"),
]


def findings_from_validation_error(exc: ValidationError, source: SourceMap) -> list[Finding]:
    """One finding per pydantic error, located in ``source``, duplicates folded."""
    out: dict[tuple[str, BlueprintPath], Finding] = {}
    for error in exc.errors(include_url=False):
        finding = _finding(error, source)
        out.setdefault((finding.code, finding.path), finding)
    return list(out.values())


def _finding(error: ErrorDetails, source: SourceMap) -> Finding:
    loc = tuple(error["loc"])
    is_key = bool(loc) and loc[-1] == "[key]"
    path: BlueprintPath = tuple(p for p in loc if not (isinstance(p, str) and "[" in p))
    kind = error["type"]
    value = error.get("input")
    what = _describe_path(path, is_key)

    if kind == "extra_forbidden":
        return _unknown_field(path, source)
    if kind == "missing":
        return _missing_field(path, source)
    if kind == "value_error" and model_at(path) is not None:
        return _model_check(error, path, source)
    if kind in _EXPECTED_KIND and not is_key:
        expected = _EXPECTED_KIND[kind]
        message = f"{what} must be {expected}, not {_describe_value(value)}"
        return _at_value("InvalidType", message, path, source, hint=_type_hint(kind, path, value))
    if kind == "string_type" and is_key:
        message = f"{what} {value!r} must be text"
        return _at_key("InvalidType", message, path, source, hint=PATTERN_WORDS[model.NAME_PATTERN])

    slot = slot_at(path)
    hint: str | None = None
    if kind == "literal_error":
        allowed = allowed_values(slot)
        names = ", ".join(_show_allowed(a) for a in allowed) or error["ctx"]["expected"]
        message = f"{what} cannot be {_show(value)}; allowed: {names}"
        if any(isinstance(a, str) and a == str(value) for a in allowed):
            hint = f"write it in quotes, {str(value)!r}, so YAML reads it as text"
        else:
            hint = _did_you_mean(str(value), [str(a) for a in allowed])
    elif kind == "string_pattern_mismatch":
        pattern = error.get("ctx", {}).get("pattern", "")
        message = f"{what} {_show(value)} is not allowed"
        hint = PATTERN_WORDS.get(pattern, f"it must match {pattern}")
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = bounds(slot)
        message = f"{what} {_show(value)} is out of range"
        if low is not None and high is not None:
            message += f" (allowed: {low} to {high})"
        else:
            message += f" ({error['msg'].lower().replace('input should be', 'it must be')})"
    elif kind == "too_short":
        message = f"{what} needs at least {error.get('ctx', {}).get('min_length', 1)} entry"
    elif kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        path, value = _offending_item(path, value, message)
        hint = _network_hint(value)
    else:
        message = f"{what}: {error['msg']}"
    if is_key:
        return _at_key("InvalidValue", message, path, source, hint=hint)
    return _at_value("InvalidValue", message, path, source, hint=hint)


def _offending_item(path: BlueprintPath, value: Any, message: str) -> tuple[BlueprintPath, Any]:
    """A list checked as a whole (``address_space``): point at the item the message quotes."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str) and repr(item) in message:
                return (*path, index), item
    return path, value


def _unknown_field(path: BlueprintPath, source: SourceMap) -> Finding:
    name = str(path[-1])
    parent = path[:-1]
    known = field_names(parent)
    hint = _did_you_mean(name, known)
    if hint is None and known:
        hint = "fields here: " + ", ".join(known)
    where = _owner(path) or (str(parent[-1]) if parent else "the top level")
    message = f"unknown field {name!r} in {where}"
    return Finding("UnknownField", message, path, hint=hint, location=source.locate(path))


def _missing_field(path: BlueprintPath, source: SourceMap) -> Finding:
    name = str(path[-1])
    parent = path[:-1]
    slot = slot_at(path)
    description = slot.field.description if slot and slot.field else None
    where = _owner(path) or (str(parent[-1]) if parent else "the blueprint")
    message = f"{where} needs the field {name!r}"
    hint = f"{name}: {description}" if description else None
    # The field is absent: point at the mapping that should hold it.
    return Finding("MissingField", message, path, hint=hint, location=source.locate(parent))


def _model_check(error: ErrorDetails, path: BlueprintPath, source: SourceMap) -> Finding:
    text = error["msg"].removeprefix("Value error, ")
    owner = _owner((*path, "")) or _describe_path(path, False)
    message = f"{owner}: {text}"
    for pattern, field, code in _MODEL_CHECKS:
        if pattern.search(text):
            target = (*path, field)
            if code == "MissingField":
                return Finding(code, message, target, location=source.locate(path))
            return Finding(code, message, target, location=source.locate(target))
    return Finding("InvalidValue", message, path, location=source.locate(path))


def _at_value(
    code: str, message: str, path: BlueprintPath, source: SourceMap, hint: str | None = None
) -> Finding:
    return Finding(code, message, path, hint=hint, location=source.locate_value(path))


def _at_key(
    code: str, message: str, path: BlueprintPath, source: SourceMap, hint: str | None = None
) -> Finding:
    return Finding(code, message, path, hint=hint, location=source.locate(path))


def _did_you_mean(word: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not close:
        close = [c for c in candidates if c.lower() == word.lower()]
    return f"did you mean {close[0]!r}?" if close else None


def _network_hint(value: Any) -> str | None:
    """``10.0.1.5/24`` has host bits set: say which prefix was probably meant."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None
    return f"did you mean {network}?"


def _type_hint(kind: str, path: BlueprintPath, value: Any) -> str | None:
    if kind in ("model_type", "dict_type") and value is None:
        return "the value is empty; indent its fields under the key, or write {} for defaults"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f"write it in quotes, '{value}', if it is meant as text"
    if kind == "bool_parsing":
        return "write true or false"
    return None


#: What a path segment under these parents is, for messages ("VM 'web'", "rule 'green'").
_ENTRY_NOUNS = {
    "vms": "VM",
    "subnets": "subnet",
    "load_balancers": "load balancer",
    "frontends": "frontend",
    "pools": "pool",
    "probes": "probe",
    "rules": "rule",
}


def _describe_path(path: BlueprintPath, is_key: bool) -> str:
    """``('load_balancers','lb','rules','green','port')`` → ``rule 'green': port``."""
    if not path:
        return "the blueprint"
    owner = _owner(path[:-1])
    prefix = f"{owner}: " if owner else ""
    last = path[-1]
    parent = str(path[-2]) if len(path) >= 2 else ""
    if is_key and parent in _ENTRY_NOUNS:
        return f"{_ENTRY_NOUNS[parent]} name"
    if isinstance(last, int):
        return f"{prefix}item {last + 1} of {parent}"
    if parent in _ENTRY_NOUNS:
        return f"{_ENTRY_NOUNS[parent]} {str(last)!r}"
    return f"{prefix}{last}"


def _owner(path: BlueprintPath) -> str | None:
    for i in range(len(path) - 1, 0, -1):
        parent = str(path[i - 1])
        if parent in _ENTRY_NOUNS and isinstance(path[i], str):
            return f"{_ENTRY_NOUNS[parent]} {path[i]!r}"
    return None


def _describe_value(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (true/false)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _show_allowed(value: Any) -> str:
    """Quote only what YAML would otherwise read as something else (zones are the text '1')."""
    return repr(value) if isinstance(value, str) and not value.isalpha() else str(value)


def _show(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)
