"""Network watchers: one per region, usually the one Azure enables itself (see
``reachability/watchers.py``); shaped as the REST spec example ``NetworkWatcherCreate.json``
shows it (``provisioningState`` only)."""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.resources.base import Handler, WriteCtx, top_level_shell
from provisioner.localcloud.rules import check_network_watcher_put

TYPE = "Microsoft.Network/networkWatchers"


class NetworkWatchers(Handler):
    type = TYPE
    rules_check = staticmethod(check_network_watcher_put)

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        doc["properties"] = {"provisioningState": "Succeeded"}
        return doc
