"""One request being served: what every handler function receives."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from provisioner.localcloud.control import FaultRule, Settings
from provisioner.localcloud.ids import Route
from provisioner.localcloud.store import Row, Store
from provisioner.localcloud.wire import Request


@dataclass(slots=True)
class Call:
    req: Request
    route: Route
    settings: Settings
    store: Store
    now: float
    fault: FaultRule | None = None  # an LRO-outcome fault (canceled / failed) to apply

    @property
    def lro_fault(self) -> str:
        return self.fault.kind if self.fault and self.fault.kind in ("canceled", "failed") else ""

    def fault_error(self, operation: str) -> dict[str, Any]:
        """The error a faulted operation ends with."""
        rule = self.fault
        if self.lro_fault == "canceled":
            return {
                "code": (rule.code if rule else None) or "Canceled",
                "message": (rule.message if rule else None) or "Operation was canceled.",
                "details": [
                    {
                        "code": "CanceledAndSupersededDueToAnotherOperation",
                        "message": f"Operation {operation} was canceled and superseded by "
                        f"operation {operation}.",
                    }
                ],
            }
        return {
            "code": (rule.code if rule else None) or "InternalServerError",
            "message": (rule.message if rule else None)
            or "An error occurred while processing the operation.",
            "details": [],
        }


def rendered(row: Row, now: float) -> str:
    """A stored document as a reader sees it now (provisioning state while an LRO runs)."""
    if row.pending_until <= now:
        return row.doc
    return json.dumps(rendered_doc(row, now))


def rendered_doc(row: Row, now: float) -> dict[str, Any]:
    doc = json.loads(row.doc)
    if row.pending_until > now:
        show_pending(doc, row.pending_state or "Updating")
    return doc


def show_pending(doc: dict[str, Any], state: str) -> None:
    """While a write runs, the resource and its inline children (an NSG's rules, a VNet's
    subnets) report ``state`` instead of Succeeded, as Azure's recordings show."""
    props = doc.get("properties")
    if not isinstance(props, dict):
        return
    if props.get("provisioningState") == "Succeeded":
        props["provisioningState"] = state
    for value in props.values():
        if not isinstance(value, list):
            continue
        for item in value:
            child = item.get("properties") if isinstance(item, dict) else None
            if isinstance(child, dict) and child.get("provisioningState") == "Succeeded":
                child["provisioningState"] = state
