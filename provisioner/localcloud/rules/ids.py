"""Resource id helpers: ARM compares ids case-insensitively, so every index keys on ``key()``."""

from __future__ import annotations

from collections.abc import Iterable


def key(resource_id: str | None) -> str:
    """The comparison form of an id (lower case, no trailing slash)."""
    return (resource_id or "").rstrip("/").lower()


def ref(value: object) -> str | None:
    """The id inside a ``{"id": ...}`` reference, or None when absent or malformed."""
    if isinstance(value, dict):
        rid = value.get("id")
        return rid if isinstance(rid, str) and rid else None
    return None


def refs(values: object) -> list[str]:
    """The ids of a list of ``{"id": ...}`` references, skipping malformed entries."""
    if not isinstance(values, list):
        return []
    return [rid for rid in (ref(v) for v in values) if rid]


def parent(resource_id: str) -> str:
    """The id of a child resource's parent (``.../loadBalancers/lb/probes/p`` → ``.../lb``)."""
    parts = resource_id.rstrip("/").split("/")
    return "/".join(parts[:-2])


def under(resource_id: str | None, prefix_id: str) -> bool:
    """Whether ``resource_id`` is ``prefix_id`` itself or one of its children."""
    rid, pre = key(resource_id), key(prefix_id)
    return rid == pre or rid.startswith(pre + "/")


def props(doc: object) -> dict:
    """A document's ``properties`` dict (empty when missing) — docs come from the wire."""
    if isinstance(doc, dict):
        value = doc.get("properties")
        if isinstance(value, dict):
            return value
    return {}


def items(value: object) -> list[dict]:
    """The dict entries of a list property, tolerating a missing or malformed list."""
    if not isinstance(value, list):
        return []
    return [entry for entry in value if isinstance(entry, dict)]


def others(docs: Iterable[dict], own_id: str | None) -> list[dict]:
    """Stored documents except the one being written (ids compared case-insensitively)."""
    own = key(own_id)
    return [d for d in docs if isinstance(d, dict) and key(d.get("id")) != own]
