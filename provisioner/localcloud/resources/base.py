"""What every resource type shares: the handler contract and the write context.

A handler turns a client's PUT body into the full document Azure would store (ids of
children, defaults echoed, casing normalised), names the rule check that document must pass,
allocates what the service hands out (addresses) once it has, and recomputes the read-only
back-references other resources imply. Handlers never refuse: every refusal is a rule
(``localcloud/rules``), so a handler may take the document it shapes as valid. Handlers hold
no state: the store does.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from provisioner.localcloud.ids import key, parse_id
from provisioner.localcloud.rules import RuleCheck
from provisioner.localcloud.store import Txn


def new_etag() -> str:
    return f'W/"{uuid.uuid4()}"'


def ref_id(obj: Any) -> str | None:
    """The ``id`` of a ``{"id": ...}`` reference, or None."""
    if isinstance(obj, dict):
        value = obj.get("id")
        return value if isinstance(value, str) and value else None
    return None


def ref_ids(items: Any) -> list[str]:
    return [i for i in (ref_id(x) for x in (items or [])) if i]


def parent_key(resource_id: str) -> str | None:
    """The store key of the top-level resource an id points into (itself if top-level)."""
    parsed = parse_id(resource_id)
    return parsed.top_key if parsed else None


def norm_choice(value: Any, choices: tuple[str, ...], default: str | None = None) -> Any:
    """Echo an enum value in Azure's casing (``tcp`` → ``Tcp``); unknown values pass through."""
    if value is None:
        return default
    if isinstance(value, str):
        for c in choices:
            if c.lower() == value.lower():
                return c
    return value


@dataclass
class WriteCtx:
    """Everything a handler may read while the write transaction is open."""

    tx: Txn
    sub: str
    now: float
    exclude: str = ""  # key of the resource being written: its stored version is stale
    api_version: str = ""  # of the request: some defaults depend on it (subnets' outbound)
    #: the platform enables Network Watcher in a virtual network's region (a cloud setting)
    enable_network_watcher: bool = False
    #: Basic IPv4 public IPs the subscription may hold (None: unchecked; a cloud setting)
    basic_public_ip_quota: int | None = None
    _docs: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def doc(self, k: str) -> dict[str, Any] | None:
        """The stored document of a top-level resource (cached for this transaction)."""
        if k == self.exclude:
            return None
        if k not in self._docs:
            row = self.tx.get(k)
            self._docs[k] = json.loads(row.doc) if row else None
        return self._docs[k]

    def forget(self, k: str) -> None:
        self._docs.pop(k, None)

    def referrers(self, k: str) -> list[dict[str, Any]]:
        """Documents of every stored resource that references ``k``."""
        out = []
        for src in sorted(self.tx.refs_to(k)):
            d = self.doc(src)
            if d is not None:
                out.append(d)
        return out

    def resolve(self, target_id: str) -> dict[str, Any] | None:
        parsed = parse_id(target_id)
        if parsed is None:
            return None
        top = self.doc(parsed.top_key)
        if top is None or not parsed.child:
            return top
        return find_child(top, parsed.child, parsed.child_name)


def find_child(doc: dict[str, Any], collection: str, name: str) -> dict[str, Any] | None:
    for item in (doc.get("properties") or {}).get(collection) or []:
        if str(item.get("name", "")).lower() == name.lower():
            return item
    return None


def same_id(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and key(a) == key(b)


def only_id(props: dict[str, Any], field: str) -> None:
    """Keep a reference field as Azure echoes it (``{"id": ...}``), or drop it when empty."""
    target = ref_id(props.get(field))
    if target:
        props[field] = {"id": target}
    else:
        props.pop(field, None)


def api_at_least(api_version: str, date: str) -> bool:
    """Whether ``api_version`` (``2025-07-01``, ``2025-07-01-preview``) is ``date`` or later."""
    return api_version[:10] >= date


class Handler:
    """Behaviour of one resource type; subclasses override what differs."""

    type: str = ""
    provider: str = "Microsoft.Network"
    #: the rule check of a PUT (a ``provisioner.localcloud.rules.check_*_put``), as a staticmethod
    rules_check: RuleCheck | None = None
    #: inline child collections, lower-cased → canonical
    children: dict[str, str] = {}
    #: child collections the service fills in: readable, never written (defaultSecurityRules)
    read_only_children: frozenset[str] = frozenset()
    #: state shown while a create / update is still running
    creating_state: str = "Updating"

    def status(self, created: bool) -> int:
        """The status of a PUT's first answer (network and VMs: 201 created, 200 updated)."""
        return 201 if created else 200

    @property
    def lro_kind(self) -> str:
        """Which operation URLs and status document its writes answer with (``lro.Operation``)."""
        return "network" if self.provider == "Microsoft.Network" else "compute"

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(self.type, body, rid, old)
        doc["properties"] = dict(body.get("properties") or {})
        doc["properties"]["provisioningState"] = "Succeeded"
        return doc

    def allocate(self, doc: dict[str, Any], old: dict[str, Any] | None, w: WriteCtx) -> None:
        """Assign what the service hands out (addresses), once the rules accepted ``doc``."""

    def refs(self, doc: dict[str, Any]) -> set[str]:
        return set()

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """Recompute the read-only fields other resources imply (idempotent)."""

    def platform_effects(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """What the platform does by itself once the write is stored (Network Watcher)."""

    def removed_with(self, doc: dict[str, Any]) -> set[str]:
        """Store keys of other top-level resources deleted with this one (a VM's disks
        attached with ``deleteOption: Delete``)."""
        return set()


def location_name(value: Any) -> str:
    """A region as ARM echoes it: ``West US`` → ``westus`` (display names are accepted, the
    name is stored; resource groups do the same)."""
    text = str(value or "westeurope")
    return text.lower().replace(" ", "")


def top_level_shell(
    type_name: str, body: dict[str, Any], rid: str, old: dict[str, Any] | None
) -> dict[str, Any]:
    """id, name, type, location, tags, etag: the envelope every ARM resource has."""
    doc: dict[str, Any] = {
        "name": rid.rsplit("/", 1)[-1],
        "id": rid,
        "etag": new_etag(),
        "type": type_name,
        "location": location_name(body.get("location") or (old or {}).get("location")),
    }
    if body.get("tags") is not None:
        doc["tags"] = body["tags"]
    for extra in ("zones", "extendedLocation", "identity", "plan", "kind", "managedBy"):
        if body.get(extra) is not None:
            doc[extra] = body[extra]
    return doc


def inline_children(
    parent_id: str,
    parent_type: str,
    collection: str,
    items: Any,
    etag: str,
) -> list[dict[str, Any]]:
    """Give each inline child its id, type, etag; read-only fields are recomputed later."""
    out = []
    for item in items or []:
        name = item.get("name") or ""
        child = {
            "name": name,
            "id": f"{parent_id}/{collection}/{name}",
            "etag": etag,
            "type": f"{parent_type}/{collection}",
            "properties": dict(item.get("properties") or {}),
        }
        child["properties"]["provisioningState"] = "Succeeded"
        out.append(child)
    return out


def resource_guid(old: dict[str, Any] | None) -> str:
    guid = ((old or {}).get("properties") or {}).get("resourceGuid")
    return guid or str(uuid.uuid4())
