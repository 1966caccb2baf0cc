"""Checks on a Network Watcher PUT: one watcher per region and subscription."""

from __future__ import annotations

from . import catalog
from .ids import key

WATCHER_TYPE = "Microsoft.Network/networkWatchers"


def check(doc: dict, lookup) -> None:
    """Another watcher in the same region (the one Azure created, say) refuses a second."""
    location = str(doc.get("location") or "").lower()
    for other in lookup.of_type(WATCHER_TYPE):
        if key(other.get("id")) == key(doc.get("id")):
            continue
        if str(other.get("location") or "").lower() == location:
            raise catalog.NETWORK_WATCHER_COUNT.violation()
