"""NAT gateways and the public IP prefixes they (or load balancer frontends) may use.

A NAT gateway echoes its SKU (Standard when omitted), its idle timeout (4 when omitted) and its
public IPs and prefixes as ``{"id"}`` references (REST spec ``NatGatewayCreateOrUpdate.json``);
``subnets`` is the read-only list of subnets that name it. The public IPs and prefixes it uses
list it back as ``natGateway``. A prefix is shaped, but no address range is handed out to it.
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import key
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    norm_choice,
    parent_key,
    ref_id,
    ref_ids,
    resource_guid,
    same_id,
    top_level_shell,
)
from provisioner.localcloud.rules import check_nat_gateway_put

TYPE = "Microsoft.Network/natGateways"
PREFIX_TYPE = "Microsoft.Network/publicIPPrefixes"
#: reference lists a NAT gateway holds to public IPs and prefixes
PUBLIC_LISTS = (
    "publicIpAddresses",
    "publicIpAddressesV6",
    "publicIpPrefixes",
    "publicIpPrefixesV6",
)


def public_refs(nat_doc: dict[str, Any]) -> list[str]:
    """Every public IP and prefix id a NAT gateway names."""
    p = nat_doc.get("properties") or {}
    return [i for field in PUBLIC_LISTS for i in ref_ids(p.get(field))]


def nat_gateway_using(resource_id: str, w: WriteCtx) -> str | None:
    """The id of the NAT gateway that names a public IP or prefix, if one does."""
    for other in w.referrers(key(resource_id)):
        if str(other.get("type", "")).lower() == TYPE.lower() and any(
            same_id(i, resource_id) for i in public_refs(other)
        ):
            return other["id"]
    return None


class NatGateways(Handler):
    type = TYPE
    rules_check = staticmethod(check_nat_gateway_put)

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        sku = dict(body.get("sku") or {})
        sku["name"] = norm_choice(sku.get("name"), ("Standard", "StandardV2"), "Standard")
        doc["sku"] = sku
        p = {
            k: v
            for k, v in (body.get("properties") or {}).items()
            if k not in ("subnets", "provisioningState", "resourceGuid")
        }
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        p.setdefault("idleTimeoutInMinutes", 4)
        for field in PUBLIC_LISTS:
            if field in p:
                p[field] = [{"id": i} for i in ref_ids(p[field])]
        doc["properties"] = p
        return doc

    def refs(self, doc: dict[str, Any]) -> set[str]:
        return {k for i in public_refs(doc) if (k := parent_key(i))}

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        """``subnets``: every subnet that names this NAT gateway, omitted while none does."""
        p = doc["properties"]
        subnets = []
        for other in w.referrers(key(doc["id"])):
            if str(other.get("type", "")).lower() != "microsoft.network/virtualnetworks":
                continue
            for subnet in (other.get("properties") or {}).get("subnets") or []:
                sp = subnet.get("properties") or {}
                if same_id(ref_id(sp.get("natGateway")), doc["id"]):
                    subnets.append({"id": subnet["id"]})
        if subnets:
            p["subnets"] = subnets
        else:
            p.pop("subnets", None)


class PublicIPPrefixes(Handler):
    """Shaped and echoed (Standard, IPv4, the prefix length asked); no range is allocated."""

    type = PREFIX_TYPE

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(PREFIX_TYPE, body, rid, old)
        sku = dict(body.get("sku") or {})
        sku["name"] = norm_choice(sku.get("name"), ("Standard", "StandardV2"), "Standard")
        sku["tier"] = norm_choice(sku.get("tier"), ("Regional", "Global"), "Regional")
        doc["sku"] = sku
        read_only = ("natGateway", "publicIPAddresses", "loadBalancerFrontendIpConfiguration")
        p = {
            k: v
            for k, v in (body.get("properties") or {}).items()
            if k not in (*read_only, "provisioningState", "resourceGuid", "ipPrefix")
        }
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        p["publicIPAddressVersion"] = norm_choice(
            p.get("publicIPAddressVersion"), ("IPv4", "IPv6"), "IPv4"
        )
        p.setdefault("ipTags", [])
        doc["properties"] = p
        return doc

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        p = doc["properties"]
        nat = nat_gateway_using(doc["id"], w)
        if nat:
            p["natGateway"] = {"id": nat}
        else:
            p.pop("natGateway", None)
