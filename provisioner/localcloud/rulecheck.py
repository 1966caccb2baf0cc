"""Bridge to the Azure rule checks (``provisioner.localcloud.rules``, written separately).

The rules package may be missing or partial; whatever it lacks is simply not checked.
``Lookup`` is the read-only view of the cloud it gets: the stored state without the resource
being written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from typing import Any

from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import key, parse_id
from provisioner.localcloud.resources.base import WriteCtx

log = logging.getLogger(__name__)

try:  # pragma: no cover - depends on the other package's progress
    from provisioner.localcloud import rules as _rules
except Exception as exc:  # noqa: BLE001 - a broken rules package must not break the cloud
    log.warning("local cloud rule checks unavailable: %s", exc)
    _rules = None

_VIOLATION: type[BaseException] | tuple[()] = getattr(_rules, "RuleViolation", ()) or ()


class StoreLookup:
    """What the rule checks may read (case-insensitive ids, top-level or inline children)."""

    def __init__(self, w: WriteCtx) -> None:
        self.w = w

    def get(self, resource_id: str) -> dict[str, Any] | None:
        return self.w.resolve(resource_id)

    def of_type(self, arm_type: str) -> Iterable[dict[str, Any]]:
        for row in self.w.tx.of_type(self.w.sub, arm_type.lower()):
            if row.key != self.w.exclude:
                yield json.loads(row.doc)


class HidingLookup(StoreLookup):
    """The store as it will be once ``gone`` (top-level keys) are deleted."""

    def __init__(self, w: WriteCtx, gone: set[str]) -> None:
        super().__init__(w)
        self.gone = gone

    def get(self, resource_id: str) -> dict[str, Any] | None:
        parsed = parse_id(resource_id)
        if parsed is None or parsed.top_key in self.gone:
            return None
        return super().get(resource_id)

    def of_type(self, arm_type: str) -> Iterable[dict[str, Any]]:
        for doc in super().of_type(arm_type):
            if key(doc.get("id", "")) not in self.gone:
                yield doc


def run(
    check: str | None, doc: dict[str, Any], w: WriteCtx, lookup: StoreLookup | None = None
) -> None:
    """Call ``rules.<check>(doc, lookup)``; a RuleViolation becomes the ARM error it names."""
    fn = getattr(_rules, check, None) if (_rules is not None and check) else None
    if fn is None:
        return
    try:
        fn(doc, lookup or StoreLookup(w))
    except NotImplementedError:
        return
    except _VIOLATION as exc:  # type: ignore[misc]
        raise ArmError(
            int(getattr(exc, "status", 400)),
            str(getattr(exc, "code", "BadRequest")),
            str(getattr(exc, "message", exc)),
            list(getattr(exc, "details", []) or []),
        ) from exc


def catalog_error(name: str, **fields: Any) -> ArmError | None:
    """The ARM error of ``rules.catalog.<name>`` with its template filled, if the rules exist."""
    entry = getattr(getattr(_rules, "catalog", None), name, None)
    if entry is None:
        return None
    return ArmError(entry.status, entry.code, entry.template.format(**fields))
