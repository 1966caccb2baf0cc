"""The template functions the engine evaluates, and the scope they read.

The set was picked by reading the templates Azure CLI generates (``az network lb create``,
``az vm create``: ``resourceId``, ``reference``, ``concat``, ``parameters``, ``variables``,
``if``, ``format``) and common hand-written and Bicep-compiled templates (``resourceGroup()``,
``subscription()``, ``uniqueString``, ``guid``, ``copyIndex``, ``length``, string and logical
functions). Semantics follow the ARM template function reference
(https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions).
Two are deterministic stand-ins rather than Azure's exact algorithm: ``uniqueString`` (13
lower-case base-32 characters of a SHA-256, Azure uses a MurmurHash64 variant) and ``guid``
(a UUID v5 of the arguments); both are stable across runs, as Azure's are. ``utcNow`` and
``newGuid`` are allowed only in parameter defaults, as ARM allows them.

A function not in :data:`FUNCTIONS` (``listKeys``, ``pickZones``, ``providers`` …) fails the
deployment with ``InvalidTemplate``, never evaluates to something made up.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from provisioner.localcloud.deployments.expressions import TemplateError


class Scope(Protocol):
    def parameter(self, name: str) -> Any: ...
    def variable(self, name: str) -> Any: ...
    def copy_index(self, loop: str | None) -> int: ...
    def reference(self, target: str, full: bool) -> Any: ...
    def resource_group(self) -> dict[str, Any]: ...
    def subscription(self) -> dict[str, Any]: ...
    def deployment(self) -> dict[str, Any]: ...
    def resource_id(self, args: list[str], scope: str) -> str: ...

    in_parameter_default: bool


Function = Callable[[Scope, list[Any]], Any]


def _arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= (high if high >= 0 else len(args)):
        want = f"{low}" if low == high else f"{low} to {high if high >= 0 else 'any'}"
        raise TemplateError(
            f"The template language function '{name}' expects {want} parameter(s); "
            f"{len(args)} were given."
        )


def _str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise TemplateError(
            f"The template language function '{name}' expects its parameter to be a string; "
            f"the value given is of type '{type(value).__name__}'."
        )
    return value


def _text(value: Any) -> str:
    """``string()``: JSON for objects and arrays, ``True``/``False`` for booleans as ARM does."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _concat(_s: Scope, args: list[Any]) -> Any:
    if args and all(isinstance(a, list) for a in args):
        return [x for a in args for x in a]
    return "".join(_text(a) for a in args)


_FORMAT_HOLE = re.compile(r"\{(\d+)(?::([^}]*))?\}")


def _format(_s: Scope, args: list[Any]) -> str:
    """.NET composite formatting, the holes ARM templates use: ``{0}``, ``{0:D3}``, ``{0:N0}``."""
    _arity("format", args, 1, -1)
    fmt, values = _str("format", args[0]), args[1:]

    def fill(m: re.Match[str]) -> str:
        i = int(m.group(1))
        if i >= len(values):
            raise TemplateError(
                f"The format string '{fmt}' refers to argument {i} of {len(values)}."
            )
        value, spec = values[i], (m.group(2) or "").upper()
        if spec.startswith("D") and isinstance(value, int):
            return str(value).zfill(int(spec[1:] or 0))
        if spec.startswith("N") and isinstance(value, int | float):
            return f"{value:,.{int(spec[1:] or 2)}f}"
        return _text(value)

    return (
        _FORMAT_HOLE.sub(fill, fmt.replace("{{", "\0").replace("}}", "\1"))
        .replace("\0", "{")
        .replace("\1", "}")
    )


def _unique_string(_s: Scope, args: list[Any]) -> str:
    _arity("uniqueString", args, 1, -1)
    text = "-".join(_str("uniqueString", a) for a in args)
    digest = hashlib.sha256(text.encode()).digest()
    return base64.b32encode(digest).decode().lower()[:13]


def _guid(_s: Scope, args: list[Any]) -> str:
    _arity("guid", args, 1, -1)
    text = "-".join(_str("guid", a) for a in args)
    return str(uuid.uuid5(uuid.NAMESPACE_URL, text))


def _if(_s: Scope, args: list[Any]) -> Any:
    _arity("if", args, 3)
    return args[1] if _bool("if", args[0]) else args[2]


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TemplateError(
        f"The template language function '{name}' expects a boolean; got '{_text(value)}'."
    )


def _length(_s: Scope, args: list[Any]) -> int:
    _arity("length", args, 1)
    value = args[0]
    if isinstance(value, str | list | dict):
        return len(value)
    raise TemplateError(
        "The template language function 'length' expects an array, object or string."
    )


def _empty(_s: Scope, args: list[Any]) -> bool:
    _arity("empty", args, 1)
    return args[0] is None or (isinstance(args[0], str | list | dict) and len(args[0]) == 0)


def _contains(_s: Scope, args: list[Any]) -> bool:
    _arity("contains", args, 2)
    container, item = args
    if isinstance(container, str):
        return _text(item) in container
    if isinstance(container, dict):
        return any(k.lower() == _text(item).lower() for k in container)
    if isinstance(container, list):
        return item in container
    raise TemplateError(
        "The template language function 'contains' expects an array, object or string."
    )


def _union(_s: Scope, args: list[Any]) -> Any:
    _arity("union", args, 1, -1)
    if all(isinstance(a, dict) for a in args):
        out: dict[str, Any] = {}
        for a in args:
            out.update(a)
        return out
    if all(isinstance(a, list) for a in args):
        merged: list[Any] = []
        for a in args:
            merged.extend(x for x in a if x not in merged)
        return merged
    raise TemplateError(
        "The template language function 'union' expects only arrays or only objects."
    )


def _coalesce(_s: Scope, args: list[Any]) -> Any:
    return next((a for a in args if a is not None), None)


def _num(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TemplateError(f"The template language function '{name}' expects integers.")
    return value


def _arith(name: str, op: Callable[[int, int], int]) -> Function:
    def run(_s: Scope, args: list[Any]) -> int:
        _arity(name, args, 2)
        a, b = _num(name, args[0]), _num(name, args[1])
        if name in ("div", "mod") and b == 0:
            raise TemplateError(f"The template language function '{name}' cannot divide by zero.")
        return op(a, b)

    return run


def _compare(name: str, op: Callable[[Any, Any], bool]) -> Function:
    def run(_s: Scope, args: list[Any]) -> bool:
        _arity(name, args, 2)
        a, b = args
        if type(a) is not type(b) or not isinstance(a, int | str):
            raise TemplateError(
                f"The template language function '{name}' expects two integers or two strings."
            )
        return op(a, b)

    return run


def _int(_s: Scope, args: list[Any]) -> int:
    _arity("int", args, 1)
    try:
        return int(args[0])
    except (TypeError, ValueError) as exc:
        raise TemplateError(
            f"The template language function 'int' cannot convert '{args[0]}'."
        ) from exc


def _substring(_s: Scope, args: list[Any]) -> str:
    _arity("substring", args, 2, 3)
    text = _str("substring", args[0])
    start = _num("substring", args[1])
    length = _num("substring", args[2]) if len(args) == 3 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise TemplateError(
            "The index and length parameters must refer to a location within the string."
        )
    return text[start : start + length]


def _first(_s: Scope, args: list[Any]) -> Any:
    _arity("first", args, 1)
    return args[0][0] if args[0] else None


def _last(_s: Scope, args: list[Any]) -> Any:
    _arity("last", args, 1)
    return args[0][-1] if args[0] else None


def _range(_s: Scope, args: list[Any]) -> list[int]:
    _arity("range", args, 2)
    start, count = _num("range", args[0]), _num("range", args[1])
    return list(range(start, start + count))


def _create_object(_s: Scope, args: list[Any]) -> dict[str, Any]:
    if len(args) % 2:
        raise TemplateError("The template language function 'createObject' expects pairs.")
    return {_str("createObject", args[i]): args[i + 1] for i in range(0, len(args), 2)}


def _json(_s: Scope, args: list[Any]) -> Any:
    _arity("json", args, 1)
    try:
        return json.loads(_str("json", args[0]))
    except ValueError as exc:
        raise TemplateError(f"The template language function 'json' cannot parse: {exc}") from exc


def _only_in_defaults(name: str, make: Callable[[], Any]) -> Function:
    def run(s: Scope, args: list[Any]) -> Any:
        if not s.in_parameter_default:
            raise TemplateError(
                f"The template function '{name}' is only valid within the default value of a "
                "parameter."
            )
        return make()

    return run


def _utc_now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _reference(s: Scope, args: list[Any]) -> Any:
    _arity("reference", args, 1, 3)
    full = len(args) == 3 and _str("reference", args[2]).lower() == "full"
    return s.reference(_str("reference", args[0]), full)


def _copy_index(s: Scope, args: list[Any]) -> int:
    _arity("copyIndex", args, 0, 2)
    loop = next((a for a in args if isinstance(a, str)), None)
    offset = next((a for a in args if isinstance(a, int) and not isinstance(a, bool)), 0)
    return s.copy_index(loop) + offset


def _resource_id(scope: str) -> Function:
    def run(s: Scope, args: list[Any]) -> str:
        return s.resource_id([_str("resourceId", a) for a in args], scope)

    return run


def _pad_left(_s: Scope, args: list[Any]) -> str:
    _arity("padLeft", args, 2, 3)
    pad = _str("padLeft", args[2]) if len(args) == 3 else " "
    return _text(args[0]).rjust(_num("padLeft", args[1]), pad[:1] or " ")


FUNCTIONS: dict[str, Function] = {
    "parameters": lambda s, a: s.parameter(_str("parameters", a[0]) if a else ""),
    "variables": lambda s, a: s.variable(_str("variables", a[0]) if a else ""),
    "concat": _concat,
    "format": _format,
    "resourceid": _resource_id("group"),
    "subscriptionresourceid": _resource_id("subscription"),
    "tenantresourceid": _resource_id("tenant"),
    "reference": _reference,
    "resourcegroup": lambda s, a: s.resource_group(),
    "subscription": lambda s, a: s.subscription(),
    "deployment": lambda s, a: s.deployment(),
    "uniquestring": _unique_string,
    "guid": _guid,
    "if": _if,
    "copyindex": _copy_index,
    "length": _length,
    "empty": _empty,
    "contains": _contains,
    "union": _union,
    "coalesce": _coalesce,
    "tolower": lambda s, a: _str("toLower", a[0]).lower(),
    "toupper": lambda s, a: _str("toUpper", a[0]).upper(),
    "trim": lambda s, a: _str("trim", a[0]).strip(),
    "string": lambda s, a: _text(a[0]),
    "int": _int,
    "bool": lambda s, a: _bool("bool", a[0]),
    "equals": lambda s, a: a[0] == a[1],
    "not": lambda s, a: not _bool("not", a[0]),
    "and": lambda s, a: all(_bool("and", x) for x in a),
    "or": lambda s, a: any(_bool("or", x) for x in a),
    "true": lambda s, a: True,
    "false": lambda s, a: False,
    "null": lambda s, a: None,
    "greater": _compare("greater", lambda x, y: x > y),
    "greaterorequals": _compare("greaterOrEquals", lambda x, y: x >= y),
    "less": _compare("less", lambda x, y: x < y),
    "lessorequals": _compare("lessOrEquals", lambda x, y: x <= y),
    "add": _arith("add", lambda x, y: x + y),
    "sub": _arith("sub", lambda x, y: x - y),
    "mul": _arith("mul", lambda x, y: x * y),
    "div": _arith("div", lambda x, y: int(x / y)),
    "mod": _arith("mod", lambda x, y: x % y),
    "min": lambda s, a: min(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "max": lambda s, a: max(a[0] if len(a) == 1 and isinstance(a[0], list) else a),
    "createarray": lambda s, a: list(a),
    "array": lambda s, a: a[0] if isinstance(a[0], list) else [a[0]],
    "createobject": _create_object,
    "json": _json,
    "split": lambda s, a: _str("split", a[0]).split(_str("split", a[1])),
    "join": lambda s, a: _str("join", a[1]).join(_text(x) for x in a[0]),
    "replace": lambda s, a: _str("replace", a[0]).replace(
        _str("replace", a[1]), _str("replace", a[2])
    ),
    "substring": _substring,
    "startswith": lambda s, a: (
        _str("startsWith", a[0]).lower().startswith(_str("startsWith", a[1]).lower())
    ),
    "endswith": lambda s, a: (
        _str("endsWith", a[0]).lower().endswith(_str("endsWith", a[1]).lower())
    ),
    "indexof": lambda s, a: _str("indexOf", a[0]).lower().find(_str("indexOf", a[1]).lower()),
    "first": _first,
    "last": _last,
    "take": lambda s, a: a[0][: max(0, _num("take", a[1]))],
    "skip": lambda s, a: a[0][max(0, _num("skip", a[1])) :],
    "range": _range,
    "padleft": _pad_left,
    "base64": lambda s, a: base64.b64encode(_str("base64", a[0]).encode()).decode(),
    "base64tostring": lambda s, a: base64.b64decode(_str("base64ToString", a[0])).decode(),
    "utcnow": _only_in_defaults("utcNow", _utc_now),
    "newguid": _only_in_defaults("newGuid", lambda: str(uuid.uuid4())),
}


def call(scope: Scope, name: str, args: list[Any]) -> Any:
    fn = FUNCTIONS.get(name.lower())
    if fn is None:
        raise TemplateError(
            f"The template function '{name}' is not valid. Please see "
            "https://aka.ms/arm-functions for usage details. (The local cloud evaluates the "
            "functions listed in docs/local-cloud.md.)"
        )
    try:
        return fn(scope, args)
    except (IndexError, KeyError, TypeError, AttributeError) as exc:
        raise TemplateError(
            f"Unable to evaluate template language function '{name}': {exc}."
        ) from exc
