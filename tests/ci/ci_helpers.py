"""Helpers for the CI integration tests: the published JSON Schemas of GitHub Actions, GitHub
workflows and Azure Pipelines (as check-jsonschema vendors them from SchemaStore and from
Microsoft's azure-pipelines-vscode, offline), YAML read as those services read it (YAML 1.2:
``on:`` is a key, not ``True``), and the expansion of an Azure Pipelines template for given
parameters, for the template expressions the templates in ``ci/`` use.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


@cache
def schema(name: str) -> dict[str, Any]:
    """A vendored schema: ``github-actions``, ``github-workflows`` or ``azure-pipelines``."""
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / f"{name}.json").read_text(encoding="utf-8"))


def schema_errors(doc: Any, name: str) -> list[str]:
    """Every way ``doc`` breaks the schema, as ``path: message`` (empty when valid)."""
    validator_class = jsonschema.validators.validator_for(schema(name))
    validator = validator_class(schema(name), format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    return [_describe(e) for e in errors]


def _describe(error: jsonschema.ValidationError) -> str:
    # anyOf/oneOf errors say little at the top: name the deepest failing part.
    best = jsonschema.exceptions.best_match([error])
    while best.context:
        best = jsonschema.exceptions.best_match(best.context)
    where = "/".join(str(p) for p in best.absolute_path) or "(root)"
    return f"{where}: {best.message}"


# --- Azure Pipelines template expressions ---------------------------------------------------

_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_IF = re.compile(r"^\$\{\{\s*if\s+(.*?)\s*\}\}$")
_ELSE = re.compile(r"^\$\{\{\s*else\s*\}\}$")
_CALL = re.compile(r"^(eq|ne)\((.*)\)$")


class UnsupportedExpression(ValueError):
    """The template uses a form this expander does not know: extend it, do not guess."""


def _value(text: str, params: dict[str, Any]) -> Any:
    text = text.strip()
    if text.startswith("parameters."):
        name = text.removeprefix("parameters.")
        if name not in params:
            raise UnsupportedExpression(f"unknown parameter {name!r}")
        return params[name]
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    match = _CALL.match(text)
    if match:
        args = [a.strip() for a in match.group(2).split(",")]
        if len(args) != 2:
            raise UnsupportedExpression(text)
        a, b = (str(_value(x, params)).lower() for x in args)  # eq/ne ignore case
        return (a == b) if match.group(1) == "eq" else (a != b)
    raise UnsupportedExpression(text)


def _substitute(text: str, params: dict[str, Any]) -> Any:
    whole = _EXPR.fullmatch(text.strip())
    if whole:
        return copy.deepcopy(_value(whole.group(1), params))
    return _EXPR.sub(lambda m: str(_value(m.group(1), params)), text)


def _expand(node: Any, params: dict[str, Any]) -> Any:
    if isinstance(node, str):
        return _substitute(node, params)
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        last_if: bool | None = None
        for key, value in node.items():
            cond = _IF.match(str(key))
            if cond or _ELSE.match(str(key)):
                if cond:
                    last_if = take = bool(_value(cond.group(1), params))
                else:
                    if last_if is None:
                        raise UnsupportedExpression("${{ else }} without ${{ if }}")
                    take, last_if = not last_if, None
                if take:
                    out.update(_expand(value, params))
                continue
            last_if = None
            out[_substitute(key, params)] = _expand(value, params)
        return out
    if isinstance(node, list):
        items: list[Any] = []
        last_if = None
        for item in node:
            if isinstance(item, dict) and len(item) == 1:
                ((key, value),) = item.items()
                cond = _IF.match(str(key))
                if cond or _ELSE.match(str(key)):
                    if cond:
                        last_if = take = bool(_value(cond.group(1), params))
                    else:
                        if last_if is None:
                            raise UnsupportedExpression("${{ else }} without ${{ if }}")
                        take, last_if = not last_if, None
                    if take:
                        items.extend(_expand(value, params))
                    continue
            last_if = None
            expanded = _expand(item, params)
            if isinstance(item, str) and isinstance(expanded, list):
                items.extend(expanded)  # - ${{ parameters.steps }} inserts the list
            else:
                items.append(expanded)
        return items
    return node


def expand_template(path: Path, given: dict[str, Any]) -> dict[str, Any]:
    """The template at ``path`` with ``given`` parameters, as the service would expand it:
    defaults filled in, ``values`` checked, template expressions evaluated."""
    template = load_yaml(path)
    params: dict[str, Any] = {}
    for spec in template.get("parameters", []):
        name = spec["name"]
        if name in given:
            params[name] = given[name]
        elif "default" in spec:
            params[name] = spec["default"]
        else:
            raise ValueError(f"parameter {name!r} is required")
        if "values" in spec and params[name] not in spec["values"]:
            raise ValueError(f"parameter {name!r}: {params[name]!r} is not one of {spec['values']}")
    unknown = set(given) - set(params)
    if unknown:
        raise ValueError(f"unknown parameters {sorted(unknown)}")
    body = {k: v for k, v in template.items() if k != "parameters"}
    return _expand(body, params)
