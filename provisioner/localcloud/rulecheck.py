"""Bridge to the Azure rule checks (``provisioner.localcloud.rules``, written separately).

The rules are the one place the local cloud refuses a write, so they are imported outright: a
rules package that does not import is a broken cloud, not a cloud that checks less. A handler
names its check as a function (``Handler.rules_check``), so a misspelt check is an import error.
``Lookup`` is the read-only view of the cloud a check gets: the stored state without the
resource being written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import key, parse_id
from provisioner.localcloud.resources.base import WriteCtx
from provisioner.localcloud.rules import RuleCheck, RuleViolation


class StoreLookup:
    """What the rule checks may read (case-insensitive ids, top-level or inline children)."""

    def __init__(self, w: WriteCtx) -> None:
        self.w = w
        #: how many Basic IPv4 public IPs the subscription may hold (Azure: 0 since retirement)
        self.basic_public_ip_quota = w.basic_public_ip_quota

    def get(self, resource_id: str) -> dict[str, Any] | None:
        return self.w.resolve(resource_id)

    def of_type(self, arm_type: str) -> Iterable[dict[str, Any]]:
        for row in self.w.tx.of_type(self.w.sub, arm_type.lower()):
            if row.key != self.w.exclude:
                yield json.loads(row.doc)

    def count(self, arm_type: str) -> int:
        return self.w.tx.count_of_type(self.w.sub, arm_type.lower(), self.w.exclude)


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

    def count(self, arm_type: str) -> int:
        return sum(1 for _ in self.of_type(arm_type))


def run(
    check: RuleCheck | None, doc: dict[str, Any], w: WriteCtx, lookup: StoreLookup | None = None
) -> None:
    """Call ``check(doc, lookup)``; a RuleViolation becomes the ARM error it names."""
    if check is None:
        return
    try:
        check(doc, lookup or StoreLookup(w))
    except RuleViolation as exc:
        raise arm_error(exc) from exc


def arm_error(violation: RuleViolation) -> ArmError:
    """The ARM error a rule violation is answered with (status, code, message, details)."""
    return ArmError(violation.status, violation.code, violation.message, violation.details)
