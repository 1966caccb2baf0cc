"""What a template would change on one resource: the what-if ``delta`` and ``after``, pure.

ARM's what-if compares the body a template would PUT with the resource as it is now, and
reports each difference as a ``WhatIfPropertyChange`` (``path``, ``propertyChangeType``,
``before``, ``after``, ``children``). The shapes follow the REST spec and the what-if
formatters of Azure CLI, which read them:

- a difference inside objects is one leaf change at its dotted path (``tags.owner``,
  ``properties.idleTimeoutInMinutes``): ``Modify`` with both values, ``Create`` with ``after``;
- an array that differs is one ``Array`` change whose ``children`` are paths by index
  (``"0"``): an object item that differs is ``Modify`` with its own changes (paths relative to
  the item), a scalar item that differs is ``Delete`` of the old and ``Create`` of the new at
  the same index (as the documented ``addressPrefixes`` example shows), items past the end
  are ``Create`` or ``Delete``.

Conservative, as the local cloud's own handlers fill in what a client leaves out: only what
the template sets is compared. A property the template does not set is not a change (the
service keeps or defaults it), nor is an empty object or array where nothing is stored.
Property names match case-insensitively, resource ids and locations compare as ARM
compares them (ids case-insensitively, locations without case or spaces); every other value
compares exactly.
"""

from __future__ import annotations

import copy
from typing import Any

Change = dict[str, Any]


def delta(before: dict[str, Any], body: dict[str, Any]) -> list[Change]:
    """The changes ``body`` (what the template sets) makes to ``before`` (the stored document)."""
    return _object(before, body, "")


def after(before: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """The predicted document: ``before`` with everything the template sets laid over it."""
    merged = _merge(before, body)
    return merged if isinstance(merged, dict) else dict(body)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _key(doc: dict[str, Any], name: str) -> str | None:
    if name in doc:
        return name
    return next((k for k in doc if k.lower() == name.lower()), None)


def _nothing(value: Any) -> bool:
    return value is None or (isinstance(value, dict | list) and not value)


def _object(before: dict[str, Any], body: dict[str, Any], prefix: str) -> list[Change]:
    out: list[Change] = []
    for name, value in body.items():
        path = _join(prefix, name)
        stored = _key(before, name)
        if stored is None:
            if not _nothing(value):
                out.append({"path": path, "propertyChangeType": "Create", "after": value})
            continue
        out.extend(_value(before[stored], value, path))
    return out


def _value(old: Any, new: Any, path: str) -> list[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        return _object(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        children = _array(old, new)
        if not children:
            return []
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    if old is None and _nothing(new) or same(old, new, path):
        return []
    return [{"path": path, "propertyChangeType": "Modify", "before": old, "after": new}]


def _array(old: list[Any], new: list[Any]) -> list[Change]:
    out: list[Change] = []
    for i in range(max(len(old), len(new))):
        index = str(i)
        if i >= len(new):
            out.append({"path": index, "propertyChangeType": "Delete", "before": old[i]})
        elif i >= len(old):
            out.append({"path": index, "propertyChangeType": "Create", "after": new[i]})
        elif isinstance(old[i], dict) and isinstance(new[i], dict):
            inner = _object(old[i], new[i], "")
            if inner:
                out.append({"path": index, "propertyChangeType": "Modify", "children": inner})
        elif isinstance(old[i], list) and isinstance(new[i], list):
            inner = _array(old[i], new[i])
            if inner:
                nested = {"path": "", "propertyChangeType": "Array", "children": inner}
                out.append({"path": index, "propertyChangeType": "Modify", "children": [nested]})
        elif not same(old[i], new[i], index):
            out.append({"path": index, "propertyChangeType": "Delete", "before": old[i]})
            out.append({"path": index, "propertyChangeType": "Create", "after": new[i]})
    return out


def same(old: Any, new: Any, path: str = "") -> bool:
    """Whether two scalar values are the same to ARM (see the module docstring)."""
    if isinstance(old, bool) or isinstance(new, bool):
        return isinstance(old, bool) and isinstance(new, bool) and old == new
    if isinstance(old, str) and isinstance(new, str):
        if path.lower() == "location":
            return _location(old) == _location(new)
        if old.startswith("/subscriptions/") and new.startswith("/subscriptions/"):
            return old.lower() == new.lower()
        return old == new
    return type(old) is type(new) and old == new or _numbers(old, new)


def _numbers(old: Any, new: Any) -> bool:
    return isinstance(old, int | float) and isinstance(new, int | float) and old == new


def _location(value: str) -> str:
    return value.replace(" ", "").lower()


def _merge(old: Any, new: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out = copy.deepcopy(old)
        for name, value in new.items():
            stored = _key(out, name)
            out[stored or name] = _merge(out[stored], value) if stored else value
        return out
    if isinstance(old, list) and isinstance(new, list):
        return [_merge(old[i], v) if i < len(old) else v for i, v in enumerate(new)]
    return copy.deepcopy(new)
