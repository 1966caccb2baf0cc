"""Network security groups: custom rules inline (or one at a time as ``securityRules/{name}``),
the six default rules Azure adds to every NSG, and the subnets and NICs that use it.

Shapes follow Azure's recordings (azure-sdk-for-python ``test_network_security_groups.yaml``)
and the REST spec example ``NetworkSecurityGroupCreate.json``: every rule, default or custom,
carries the NSG's etag, its type, and the four plural lists (empty when unused); enum casing
is normalised (``tcp`` → ``Tcp``). ``subnets`` and ``networkInterfaces`` are read-only
back-references, present only while something uses the NSG.
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import INLINE_CHILDREN, key
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    inline_children,
    norm_choice,
    ref_id,
    resource_guid,
    same_id,
    top_level_shell,
)
from provisioner.localcloud.rules import check_network_security_group_put

TYPE = "Microsoft.Network/networkSecurityGroups"
PLURALS = (
    "sourcePortRanges",
    "destinationPortRanges",
    "sourceAddressPrefixes",
    "destinationAddressPrefixes",
)
#: what a client may not set: the service fills these in
READ_ONLY = ("defaultSecurityRules", "subnets", "networkInterfaces", "flowLogs", "resourceGuid")

#: (name, description, source, destination, access, priority, direction), in Azure's order
DEFAULT_RULES = (
    (
        "AllowVnetInBound",
        "Allow inbound traffic from all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Inbound",
    ),
    (
        "AllowAzureLoadBalancerInBound",
        "Allow inbound traffic from azure load balancer",
        "AzureLoadBalancer",
        "*",
        "Allow",
        65001,
        "Inbound",
    ),
    ("DenyAllInBound", "Deny all inbound traffic", "*", "*", "Deny", 65500, "Inbound"),
    (
        "AllowVnetOutBound",
        "Allow outbound traffic from all VMs to all VMs in VNET",
        "VirtualNetwork",
        "VirtualNetwork",
        "Allow",
        65000,
        "Outbound",
    ),
    (
        "AllowInternetOutBound",
        "Allow outbound traffic from all VMs to Internet",
        "*",
        "Internet",
        "Allow",
        65001,
        "Outbound",
    ),
    ("DenyAllOutBound", "Deny all outbound traffic", "*", "*", "Deny", 65500, "Outbound"),
)


def default_rules(nsg_id: str, etag: str) -> list[dict[str, Any]]:
    """The six rules Azure puts in every NSG's ``defaultSecurityRules``."""
    out = []
    for name, description, source, destination, access, priority, direction in DEFAULT_RULES:
        props: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "description": description,
            "protocol": "*",
            "sourcePortRange": "*",
            "destinationPortRange": "*",
            "sourceAddressPrefix": source,
            "destinationAddressPrefix": destination,
            "access": access,
            "priority": priority,
            "direction": direction,
        }
        props.update({plural: [] for plural in PLURALS})
        out.append(
            {
                "name": name,
                "id": f"{nsg_id}/defaultSecurityRules/{name}",
                "etag": etag,
                "type": f"{TYPE}/defaultSecurityRules",
                "properties": props,
            }
        )
    return out


def shape_rule(props: dict[str, Any]) -> None:
    """Echo a custom rule as Azure stores it: enum casing, empty plural lists."""
    props["protocol"] = norm_choice(props.get("protocol"), ("Tcp", "Udp", "Icmp", "Esp", "Ah"))
    props["access"] = norm_choice(props.get("access"), ("Allow", "Deny"))
    props["direction"] = norm_choice(props.get("direction"), ("Inbound", "Outbound"))
    for plural in PLURALS:
        if props.get(plural) is None:
            props[plural] = []
    for field in ("sourceApplicationSecurityGroups", "destinationApplicationSecurityGroups"):
        if field in props:
            props[field] = [{"id": i} for i in (ref_id(g) for g in props[field] or []) if i]


class NetworkSecurityGroups(Handler):
    type = TYPE
    rules_check = staticmethod(check_network_security_group_put)
    children = INLINE_CHILDREN[TYPE.lower()]
    read_only_children = frozenset({"defaultSecurityRules"})

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        p_in = body.get("properties") or {}
        p = {
            k: v
            for k, v in p_in.items()
            if k not in ("securityRules", "provisioningState", *READ_ONLY)
        }
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        p.setdefault("flushConnection", False)
        rules = inline_children(rid, TYPE, "securityRules", p_in.get("securityRules"), doc["etag"])
        for rule in rules:
            shape_rule(rule["properties"])
        p["securityRules"] = rules
        p["defaultSecurityRules"] = default_rules(rid, doc["etag"])
        doc["properties"] = p
        return doc

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """``subnets`` and ``networkInterfaces`` that name this NSG, omitted while unused."""
        p = doc["properties"]
        subnets: list[dict[str, str]] = []
        nics: list[dict[str, str]] = []
        for other in w.referrers(key(doc["id"])):
            props = other.get("properties") or {}
            kind = str(other.get("type", "")).lower()
            if kind == "microsoft.network/virtualnetworks":
                for subnet in props.get("subnets") or []:
                    sp = subnet.get("properties") or {}
                    if same_id(ref_id(sp.get("networkSecurityGroup")), doc["id"]):
                        subnets.append({"id": subnet["id"]})
            elif same_id(ref_id(props.get("networkSecurityGroup")), doc["id"]):
                nics.append({"id": other["id"]})  # a NIC: only NICs and subnets name an NSG
        for field, found in (("subnets", subnets), ("networkInterfaces", nics)):
            if found:
                p[field] = found
            else:
                p.pop(field, None)
