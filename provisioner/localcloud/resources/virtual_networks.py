"""Virtual networks and their inline subnets (subnets may also be written one at a time).

A subnet echoes what it attaches (``networkSecurityGroup``, ``natGateway``, ``routeTable``) as
``{"id"}`` references, and ``defaultOutboundAccess`` as Azure decides it: network API
2025-07-01 and later create the subnets of a *new* virtual network private (``false``) when the
request leaves the field out; older API versions leave it out (null, which still allows default
outbound). An existing subnet keeps what it had when a later PUT leaves the field out, and a
subnet added to an existing virtual network gets no default (existing networks are unchanged).
Sources: Azure Networking blog "Private subnets by default in Azure virtual networks" (2026),
learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access.
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import INLINE_CHILDREN, key
from provisioner.localcloud.reachability.watchers import enable_in_region
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    api_at_least,
    find_child,
    inline_children,
    only_id,
    parent_key,
    ref_id,
    resource_guid,
    top_level_shell,
)
from provisioner.localcloud.rules import check_virtual_network_put

TYPE = "Microsoft.Network/virtualNetworks"
#: what a subnet may attach: each a single ``{"id"}`` reference
ATTACHMENTS = ("networkSecurityGroup", "natGateway", "routeTable")
#: the first network API version whose new virtual networks have private subnets
PRIVATE_SUBNETS_API = "2025-07-01"


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
            for field in ATTACHMENTS:
                only_id(sp, field)
            before = find_child(old, "subnets", s["name"]) if old else None
            default_outbound_access(sp, before, old is None, w.api_version)
        p["subnets"] = subnets
        doc["properties"] = p
        return doc

    def refs(self, doc: dict[str, Any]) -> set[str]:
        """The NSGs, NAT gateways and route tables its subnets attach."""
        out = set()
        for s in doc["properties"].get("subnets") or []:
            for field in ATTACHMENTS:
                target = ref_id((s.get("properties") or {}).get(field))
                if target and (k := parent_key(target)):
                    out.add(k)
        return out

    def platform_effects(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """Creating or updating a virtual network enables Network Watcher in its region."""
        if w.enable_network_watcher:
            enable_in_region(w, doc["location"])

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


def default_outbound_access(
    sp: dict[str, Any], old_subnet: dict[str, Any] | None, new_vnet: bool, api_version: str
) -> None:
    """A boolean the request sends; else the value the subnet already had; else ``false`` for
    the subnets of a virtual network this request creates at 2025-07-01 or later; else none."""
    if isinstance(sp.get("defaultOutboundAccess"), bool):
        return
    sp.pop("defaultOutboundAccess", None)
    before = ((old_subnet or {}).get("properties") or {}).get("defaultOutboundAccess")
    if isinstance(before, bool):
        sp["defaultOutboundAccess"] = before
    elif new_vnet and api_at_least(api_version, PRIVATE_SUBNETS_API):
        sp["defaultOutboundAccess"] = False
