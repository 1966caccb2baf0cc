"""Virtual networks and their inline subnets (subnets may also be written one at a time)."""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import INLINE_CHILDREN, key
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    inline_children,
    ref_id,
    resource_guid,
    top_level_shell,
)
from provisioner.localcloud.rules import check_virtual_network_put

TYPE = "Microsoft.Network/virtualNetworks"


class VirtualNetworks(Handler):
    type = TYPE
    rules_check = staticmethod(check_virtual_network_put)
    children = INLINE_CHILDREN[TYPE.lower()]

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        p_in = body.get("properties") or {}
        p = {k: v for k, v in p_in.items() if k not in ("subnets", "provisioningState")}
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        p.setdefault("addressSpace", {"addressPrefixes": []})
        p.setdefault("virtualNetworkPeerings", [])
        p.setdefault("enableDdosProtection", False)
        p.setdefault("enableVmProtection", False)
        subnets = inline_children(rid, TYPE, "subnets", p_in.get("subnets"), doc["etag"])
        for s in subnets:
            sp = s["properties"]
            sp.pop("ipConfigurations", None)
            sp.setdefault("delegations", [])
            sp.setdefault("privateEndpointNetworkPolicies", "Disabled")
            sp.setdefault("privateLinkServiceNetworkPolicies", "Enabled")
        p["subnets"] = subnets
        doc["properties"] = p
        return doc

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        subnets = doc["properties"].get("subnets") or []
        for s in subnets:
            s["properties"].pop("ipConfigurations", None)
        by_key = {key(s["id"]): s for s in subnets}
        for other in w.referrers(key(doc["id"])):
            props = other.get("properties") or {}
            for coll in ("ipConfigurations", "frontendIPConfigurations"):
                for conf in props.get(coll) or []:
                    target = ref_id((conf.get("properties") or {}).get("subnet"))
                    if target and key(target) in by_key:
                        by_key[key(target)]["properties"].setdefault("ipConfigurations", []).append(
                            {"id": conf["id"]}
                        )
