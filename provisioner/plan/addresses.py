"""Addresses Azure allocates, filled into the bodies that name them before they are compared or
sent.

The environment's NSG admits a Floating IP rule's traffic to its public frontend's *address*,
which exists only once the public IP does. The compiler writes a placeholder
(``compile.security.address_placeholder``) and makes the NSG depend on the public IP; here the
placeholder becomes the address the live public IP holds: in the plan (from what it read) and in
the executor (from what the walk has created so far, the public IP always first). A placeholder
whose public IP does not exist yet stays, and shows in the plan as what it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from provisioner.compile.desired import DesiredResource, DesiredState, Kind
from provisioner.compile.security import RULES, placeholder_key
from provisioner.plan.diff import body_of

Live = Mapping[str, Mapping[str, Any] | None]

_FIELDS = ("destinationAddressPrefixes", "sourceAddressPrefixes")
_SINGLE = ("destinationAddressPrefix", "sourceAddressPrefix")


def _address(key: str, live: Live) -> str | None:
    body = live.get(key) or {}
    address = (body.get("properties") or {}).get("ipAddress")
    return str(address) if address else None


def _fill(value: Any, live: Live) -> Any:
    key = placeholder_key(value)
    if key is None:
        return value
    return _address(key, live) or value


def unresolved(resource: DesiredResource) -> list[str]:
    """Placeholders the resource's body still holds (it must not be sent so)."""
    if resource.kind is not Kind.NETWORK_SECURITY_GROUP or resource.body is None:
        return []
    out = []
    for rule in (body_of(resource).get("properties") or {}).get(RULES) or []:
        props = rule.get("properties") or {}
        values = [props.get(f) for f in _SINGLE] + [v for f in _FIELDS for v in props.get(f) or []]
        out += [v for v in values if placeholder_key(v) is not None]
    return out


def resolve_addresses(resource: DesiredResource, live: Live) -> DesiredResource:
    """``resource`` with its address placeholders filled from the live public IPs (by key)."""
    if not unresolved(resource):
        return resource
    body = body_of(resource)
    for rule in (body.get("properties") or {}).get(RULES) or []:
        props = rule.get("properties") or {}
        for field in _SINGLE:
            if field in props:
                props[field] = _fill(props[field], live)
        for field in _FIELDS:
            if props.get(field):
                props[field] = list(dict.fromkeys(_fill(v, live) for v in props[field]))
    return dataclasses.replace(resource, body=body)


def resolve_state(state: DesiredState, live: Live) -> DesiredState:
    """Every resource of ``state`` with the addresses ``live`` knows filled in."""
    resources = {key: resolve_addresses(res, live) for key, res in state.resources.items()}
    return dataclasses.replace(state, resources=resources)
