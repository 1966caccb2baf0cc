"""Wire JSON → Azure SDK model objects, fast enough for thousands of bodies.

The bodies are written as the JSON Azure's REST API documents (``{"properties": {...}}``) and
turned into SDK models here. The SDK's own constructor (``LoadBalancer(mapping)``) does that, but
slowly: per field it scans the class's fields, re-serializes every value and raises two
exceptions per string while checking for dates. At Azure's limits (thousands of NICs and VMs,
1,500 rules in one load balancer) that was most of a compile.

So the first JSON object of each model class and set of keys is built by the SDK's constructor,
and kept as a *prototype*; later JSON with the same keys copies the prototype's structure: a
nested model where the SDK made one (of the class it chose), a plain value where it kept one.
Where that cannot be told (a list the prototype had empty, a value whose type the SDK changed, a
polymorphic model) the SDK's constructor builds that object instead. The result
holds the same data, of the same types, as ``cls(mapping)`` would (``tests/compile`` checks it on
every bundled blueprint), so ``.as_dict()``, equality and attribute access behave the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

M = TypeVar("M")

_SCALARS = frozenset({str, int, float, bool, type(None)})


# How the SDK stored one field of a prototype, so a copy can store it the same way:
# (_SCALAR, its type), (_MODEL, its class), (_LIST, the items' plan, None if it had none),
# (_DICT, None) for a plain mapping of scalars (tags).
_SCALAR, _MODEL, _LIST, _DICT = range(4)
_Plan = tuple[int, Any]


class _Prototype:
    """An SDK model the SDK built from ``raw``, and per field how it stored the value.

    Never handed out, so nothing mutates it.
    """

    __slots__ = ("cls", "plans", "defaults")

    def __init__(self, cls: type, plans: dict[str, _Plan], defaults: dict[str, Any]) -> None:
        self.cls = cls
        self.plans = plans
        self.defaults = defaults  # fields the constructor filled in by itself (client defaults)


#: By model class and the keys of the JSON it was built from; None: always use the constructor.
_PROTOTYPES: dict[tuple[type, frozenset[str]], _Prototype | None] = {}


class _Mismatch(Exception):
    """The JSON is not shaped like the prototype: let the SDK's constructor build it."""


def model(cls: type[M], raw: Mapping[str, Any]) -> M:
    """``cls(raw)``, the SDK model of wire JSON ``raw``, built from a prototype when it can be."""
    return _model(cls, raw)


def _model(cls: type, raw: Mapping[str, Any]) -> Any:
    key = (cls, frozenset(raw))
    proto = _PROTOTYPES.get(key, _MISSING)
    if proto is _MISSING:
        proto = _PROTOTYPES[key] = _prototype(cls, raw)
    if proto is None:
        return cls(raw)
    assert isinstance(proto, _Prototype)
    try:
        return _copy(proto, raw)
    except _Mismatch:
        # Typically a list the prototype had empty: this JSON makes the better prototype.
        _PROTOTYPES[key] = _prototype(cls, raw)
        return cls(raw)


_MISSING = object()


def _prototype(cls: type, raw: Mapping[str, Any]) -> _Prototype | None:
    """What ``cls(raw)`` made of each field, or None when copies could differ from ``cls(...)``:
    a polymorphic model (the SDK picks a subclass from a field), mutable client defaults, or
    values the SDK converted."""
    built = cls(raw)
    if not _is_model(built) or getattr(cls, "__mapping__", None):
        return None
    data = built._data
    defaults = {k: v for k, v in data.items() if k not in raw}
    if not all(type(v) in _SCALARS for v in defaults.values()):
        return None
    plans: dict[str, _Plan] = {}
    for key, value in raw.items():
        plan = _plan(data.get(key, _MISSING), value)
        if plan is None:
            return None
        plans[key] = plan
    return _Prototype(cls, plans, defaults)


def _plan(stored: Any, raw: Any) -> _Plan | None:
    """How the SDK stored ``raw`` (as ``stored``); None when a copy cannot do the same."""
    if _is_model(stored):
        return (_MODEL, type(stored)) if type(raw) is dict else None
    if type(stored) is list and type(raw) is list and len(stored) == len(raw):
        if not stored:
            return (_LIST, None)
        item = _plan(stored[0], raw[0])
        return None if item is None else (_LIST, item)
    if type(stored) is dict and type(raw) is dict and stored == raw:
        return (_DICT, None) if all(type(v) in _SCALARS for v in raw.values()) else None
    if type(stored) in _SCALARS and type(stored) is type(raw) and stored == raw:
        return (_SCALAR, type(stored))
    return None  # converted (a format), or a kind of value the copy does not know


def _is_model(value: Any) -> bool:
    data = getattr(value, "_data", None)
    return getattr(value, "_is_model", False) is True and type(data) is dict


def _copy(proto: _Prototype, raw: Mapping[str, Any]) -> Any:
    """A new model of ``proto.cls`` holding ``raw`` (which has the prototype's keys)."""
    plans = proto.plans
    data = {key: _value(plans[key], value) for key, value in raw.items()}
    data.update(proto.defaults)
    out = proto.cls.__new__(proto.cls)
    object.__setattr__(out, "_data", data)
    return out


def _value(plan: _Plan, raw: Any) -> Any:
    kind, arg = plan
    if kind == _SCALAR:
        if type(raw) is not arg:
            raise _Mismatch
        return raw
    if kind == _MODEL:
        if type(raw) is not dict:
            raise _Mismatch
        return _model(arg, raw)
    if kind == _LIST:
        if type(raw) is not list:
            raise _Mismatch
        if not raw:
            return []
        if arg is None:
            raise _Mismatch  # no example of what the SDK makes of an item
        return [_value(arg, item) for item in raw]
    if type(raw) is not dict or not all(type(v) in _SCALARS for v in raw.values()):
        raise _Mismatch
    return dict(raw)
