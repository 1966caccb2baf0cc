"""Network Watcher: the regional resource ``ipFlowVerify`` is asked through.

"When you create or update a virtual network in your subscription, Network Watcher is enabled
automatically in your virtual network's region" as ``NetworkWatcher_{region}`` in the resource
group ``NetworkWatcherRG`` (learn.microsoft.com/azure/network-watcher/network-watcher-create;
opt-out: the ``DisableNetworkWatcherAutocreation`` feature, here the cloud's
``network_watcher_autocreate`` setting). One watcher per region and subscription
(``NetworkWatcherCountLimitReached``, Azure/azure-cli#15796).

What the platform creates this way is not the user's: it carries no tags (so the tool's
discovery, which goes by its tags, never counts it) and the store marks it platform-created,
so ``LocalCloud.resources()`` leaves it out unless asked. ARM's listings show it, as Azure's do.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.localcloud.ids import RESOURCE_GROUP_TYPE, key
from provisioner.localcloud.resources.base import WriteCtx, new_etag
from provisioner.localcloud.store import Row

TYPE = "Microsoft.Network/networkWatchers"
GROUP = "NetworkWatcherRG"


def watcher_name(location: str) -> str:
    return f"NetworkWatcher_{location}"


def watcher_in(w: WriteCtx, location: str) -> dict[str, Any] | None:
    """The subscription's Network Watcher in ``location``, if it has one."""
    for row in w.tx.of_type(w.sub, TYPE.lower()):
        doc = json.loads(row.doc)
        if str(doc.get("location", "")).lower() == location.lower():
            return doc
    return None


def enable_in_region(w: WriteCtx, location: str) -> None:
    """Create ``NetworkWatcherRG`` and ``NetworkWatcher_{location}`` unless the region has one."""
    if not location or watcher_in(w, location) is not None:
        return
    group_id = f"/subscriptions/{w.sub}/resourceGroups/{GROUP}"
    group_key = key(group_id)
    group_row = w.tx.get(group_key)
    if group_row is None:
        group = {
            "id": group_id,
            "name": GROUP,
            "type": RESOURCE_GROUP_TYPE,
            "location": location,
            "properties": {"provisioningState": "Succeeded"},
        }
        _put(w, group_key, RESOURCE_GROUP_TYPE, GROUP, group, "")
    rg_name = json.loads(w.tx.get(group_key).doc)["name"]  # type: ignore[union-attr]
    name = watcher_name(location)
    rid = f"/subscriptions/{w.sub}/resourceGroups/{rg_name}/providers/{TYPE}/{name}"
    doc = {
        "name": name,
        "id": rid,
        "etag": new_etag(),
        "type": TYPE,
        "location": location,
        "properties": {"provisioningState": "Succeeded"},
    }
    _put(w, key(rid), TYPE, rg_name, doc, doc["etag"])


def _put(w: WriteCtx, k: str, arm_type: str, rg: str, doc: dict[str, Any], etag: str) -> None:
    w.tx.put(Row(k, w.sub.lower(), rg.lower(), arm_type.lower(), "", json.dumps(doc), etag, 0, ""))
    w.tx.mark_platform(k)
