"""What a plan says: per resource, create / update / delete / nothing, and which fields change."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from provisioner.compile.desired import Kind, MappingRow, Ownership
from provisioner.errors import Finding


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    NOOP = "noop"


class FieldChange(NamedTuple):
    """One field that differs: ``path`` as users see it (``loadBalancingRules[web].frontendPort``),
    the live value (None when absent) and the desired one (None when it goes away)."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Change:
    action: Action
    key: str
    kind: Kind
    name: str
    id: str
    field_changes: tuple[FieldChange, ...] = ()
    #: The ETag the plan read; the executor sends it as If-Match on load balancer updates.
    etag: str | None = None
    ownership: Ownership = Ownership.OWNED
    #: Live fields the blueprint does not manage that the update carries over (never erases).
    kept: tuple[str, ...] = ()

    @property
    def tags_only(self) -> bool:
        """An update of tags alone: a tags PATCH, never a PUT of the body."""
        return (
            self.action is Action.UPDATE
            and bool(self.field_changes)
            and all(fc.path.startswith("tags.") for fc in self.field_changes)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": str(self.action),
            "key": self.key,
            "kind": str(self.kind),
            "name": self.name,
            "id": self.id,
            "tags_only": self.tags_only,
            "field_changes": [
                {"path": fc.path, "before": fc.before, "after": fc.after}
                for fc in self.field_changes
            ],
            "kept": list(self.kept) if self.action is Action.UPDATE else [],
        }


@dataclass(frozen=True)
class Plan:
    env: str
    changes: tuple[Change, ...]
    mapping: tuple[MappingRow, ...] = ()
    #: Live bodies (wire JSON) by resource key, as read for this plan; None when absent.
    live: dict[str, dict[str, Any] | None] = field(default_factory=dict, repr=False)
    #: What the live state makes of the blueprint (an NSG someone else attached where the
    #: blueprint puts its own): errors stop ``up`` before anything is written.
    findings: tuple[Finding, ...] = ()

    @property
    def has_changes(self) -> bool:
        return any(c.action is not Action.NOOP for c in self.changes)

    def by_action(self, action: Action) -> list[Change]:
        return [c for c in self.changes if c.action is action]

    def change(self, key: str) -> Change | None:
        return next((c for c in self.changes if c.key == key), None)

    def summary(self) -> dict[str, int]:
        return {str(a): len(self.by_action(a)) for a in Action}
