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

What the PUT would store (``shaped``: the body as the resource's own handler shapes it,
defaults, kept addresses and back-references filled in) settles what the template alone
cannot. A property the template leaves out that the service keeps or fills in again is not a
change; one the PUT would drop (a tag left out of ``tags``, ``tags`` left out altogether, a
virtual network's subnets) is ``Delete`` (an array: ``Array`` with a ``Delete`` per item). A
value the service stores as it already is (``tcp`` stored as ``Tcp``) is not a change, nor is
one it never stores (a VM's ``adminPassword``, never echoed). Without ``shaped`` (a child
resource written into its parent) only what the template sets is compared. An empty object or
array the template sets where nothing is stored is no change either.

Property names match case-insensitively, resource ids and locations compare as ARM compares
them (ids case-insensitively, locations without case or spaces); every other value compares
exactly.
"""

from __future__ import annotations

import copy
from typing import Any

Change = dict[str, Any]
#: no prediction of what the PUT would store: what the template leaves out is not judged
UNKNOWN: Any = object()


def delta(before: dict[str, Any], body: dict[str, Any], shaped: Any = UNKNOWN) -> list[Change]:
    """The changes ``body`` (what the template sets) makes to ``before`` (the stored document);
    ``shaped`` is the document the PUT would store, for what the template leaves out."""
    return _object(before, body, shaped, "")


def after(before: dict[str, Any], body: dict[str, Any], shaped: Any = UNKNOWN) -> dict[str, Any]:
    """The predicted document: ``before`` with everything the template sets laid over it and
    what the PUT would drop taken out."""
    merged = _merge(before, body, shaped)
    return merged if isinstance(merged, dict) else dict(body)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _key(doc: dict[str, Any], name: str) -> str | None:
    if name in doc:
        return name
    return next((k for k in doc if k.lower() == name.lower()), None)


def _nothing(value: Any) -> bool:
    return value is None or (isinstance(value, dict | list) and not value)


def _member(shaped: Any, name: str) -> Any:
    """``shaped[name]``; None where the shaped document lacks it; UNKNOWN stays UNKNOWN."""
    if not isinstance(shaped, dict):
        return UNKNOWN if shaped is UNKNOWN else None
    found = _key(shaped, name)
    return shaped[found] if found is not None else None


def _item(shaped: Any, i: int) -> Any:
    if isinstance(shaped, list):
        return shaped[i] if i < len(shaped) else None
    return UNKNOWN if shaped is UNKNOWN else None


def _object(before: dict[str, Any], body: dict[str, Any], shaped: Any, prefix: str) -> list[Change]:
    out: list[Change] = []
    for name, value in body.items():
        path = _join(prefix, name)
        stored = _key(before, name)
        if stored is None:
            unkept = shaped is not UNKNOWN and _member(shaped, name) is None  # write-only
            if not _nothing(value) and not unkept:
                out.append({"path": path, "propertyChangeType": "Create", "after": value})
            continue
        out.extend(_value(before[stored], value, _member(shaped, name), path))
    for name, old in before.items():
        if _key(body, name) is None:
            out.extend(_dropped(old, _member(shaped, name), _join(prefix, name)))
    return out


def _dropped(old: Any, shaped: Any, path: str) -> list[Change]:
    """A stored property the template leaves out: a change only if the PUT would drop it."""
    if shaped is UNKNOWN or _nothing(old) or not _nothing(shaped):
        return []
    if isinstance(old, list):
        children = [
            {"path": str(i), "propertyChangeType": "Delete", "before": item}
            for i, item in enumerate(old)
        ]
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    return [{"path": path, "propertyChangeType": "Delete", "before": old}]


def _value(old: Any, new: Any, shaped: Any, path: str) -> list[Change]:
    if isinstance(old, dict) and isinstance(new, dict):
        return _object(old, new, shaped, path)
    if isinstance(old, list) and isinstance(new, list):
        children = _array(old, new, shaped)
        if not children:
            return []
        return [{"path": path, "propertyChangeType": "Array", "children": children}]
    if old is None and _nothing(new) or same(old, new, path):
        return []
    if shaped is not UNKNOWN and shaped is not None and same(old, shaped, path):
        return []  # the service stores it as it is now (``tcp`` is stored ``Tcp``)
    return [{"path": path, "propertyChangeType": "Modify", "before": old, "after": new}]


def _array(old: list[Any], new: list[Any], shaped: Any) -> list[Change]:
    out: list[Change] = []
    for i in range(max(len(old), len(new))):
        index = str(i)
        if i >= len(new):
            out.append({"path": index, "propertyChangeType": "Delete", "before": old[i]})
        elif i >= len(old):
            out.append({"path": index, "propertyChangeType": "Create", "after": new[i]})
        elif isinstance(old[i], dict) and isinstance(new[i], dict):
            inner = _object(old[i], new[i], _item(shaped, i), "")
            if inner:
                out.append({"path": index, "propertyChangeType": "Modify", "children": inner})
        elif isinstance(old[i], list) and isinstance(new[i], list):
            inner = _array(old[i], new[i], _item(shaped, i))
            if inner:
                nested = {"path": "", "propertyChangeType": "Array", "children": inner}
                out.append({"path": index, "propertyChangeType": "Modify", "children": [nested]})
        elif not same(old[i], new[i], index) and not same(old[i], _item(shaped, i), index):
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


def _merge(old: Any, new: Any, shaped: Any) -> Any:
    if isinstance(old, dict) and isinstance(new, dict):
        out: dict[str, Any] = {}
        for name, value in old.items():
            if _key(new, name) is not None:
                out[name] = _merge(value, new[_key(new, name)], _member(shaped, name))
            elif shaped is UNKNOWN or not _nothing(_member(shaped, name)):
                out[name] = copy.deepcopy(value)
        for name, value in new.items():
            if _key(old, name) is None:
                out[name] = copy.deepcopy(value)
        return out
    if isinstance(old, list) and isinstance(new, list):
        return [
            _merge(old[i], v, _item(shaped, i)) if i < len(old) else copy.deepcopy(v)
            for i, v in enumerate(new)
        ]
    return copy.deepcopy(new)
