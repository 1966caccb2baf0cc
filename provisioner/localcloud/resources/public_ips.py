"""Public IP addresses: Standard ones get their address at creation, Basic dynamic ones when
they are attached, always from the documentation ranges."""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import key
from provisioner.localcloud.ipam import allocate_public
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    norm_choice,
    ref_id,
    resource_guid,
    same_id,
    top_level_shell,
)
from provisioner.localcloud.resources.nat_gateways import nat_gateway_using
from provisioner.localcloud.rules import check_public_ip_put

TYPE = "Microsoft.Network/publicIPAddresses"


class PublicIPs(Handler):
    type = TYPE
    rules_check = staticmethod(check_public_ip_put)

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        sku = dict(body.get("sku") or {})
        # Azure still fills in Basic (REST examples up to 2025-07-01; SkyFall-Pack#5, 2026-01):
        # since Basic's retirement that request is refused by the Basic quota (rules/public_ip)
        sku["name"] = norm_choice(sku.get("name"), ("Basic", "Standard"), "Basic")
        sku["tier"] = norm_choice(sku.get("tier"), ("Regional", "Global"), "Regional")
        doc["sku"] = sku
        p = dict(body.get("properties") or {})
        for ro in ("ipConfiguration", "natGateway", "provisioningState", "resourceGuid"):
            p.pop(ro, None)
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        default_method = "Static" if sku["name"] == "Standard" else "Dynamic"
        p["publicIPAllocationMethod"] = norm_choice(
            p.get("publicIPAllocationMethod"), ("Static", "Dynamic"), default_method
        )
        p["publicIPAddressVersion"] = norm_choice(
            p.get("publicIPAddressVersion"), ("IPv4", "IPv6"), "IPv4"
        )
        p.setdefault("idleTimeoutInMinutes", 4)
        p.setdefault("ipTags", [])
        p.setdefault("ddosSettings", {"protectionMode": "VirtualNetworkInherited"})
        dns = p.get("dnsSettings")
        if isinstance(dns, dict) and dns.get("domainNameLabel"):
            dns.setdefault("fqdn", f"{dns['domainNameLabel']}.{doc['location']}.cloudapp.azure.com")
        old_p = (old or {}).get("properties") or {}
        p.pop("ipAddress", None)
        if (
            old_p.get("ipAddress")
            and old_p.get("publicIPAddressVersion") == p["publicIPAddressVersion"]
        ):
            p["ipAddress"] = old_p["ipAddress"]
        doc["properties"] = p
        return doc

    def allocate(self, doc: dict[str, Any], old: dict[str, Any] | None, w: WriteCtx) -> None:
        p = doc["properties"]
        if p["publicIPAllocationMethod"] == "Static" and not p.get("ipAddress"):
            p["ipAddress"] = self._allocate(w, p["publicIPAddressVersion"], key(doc["id"]))

    @staticmethod
    def _allocate(w: WriteCtx, version: str, skip: str) -> str:
        used = [
            (r.parsed().get("properties") or {}).get("ipAddress", "")
            for r in w.tx.of_type(w.sub, TYPE.lower())
            if r.key != skip
        ]
        return allocate_public(version, used)

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        p = doc["properties"]
        p.pop("ipConfiguration", None)
        owner = None
        for other in w.referrers(key(doc["id"])):
            props = other.get("properties") or {}
            for coll in ("ipConfigurations", "frontendIPConfigurations"):
                for conf in props.get(coll) or []:
                    if same_id(
                        ref_id((conf.get("properties") or {}).get("publicIPAddress")), doc["id"]
                    ):
                        owner = owner or conf["id"]
        if owner:
            p["ipConfiguration"] = {"id": owner}
        p.pop("natGateway", None)
        nat = nat_gateway_using(doc["id"], w)
        if nat:
            p["natGateway"] = {"id": nat}
        if p.get("publicIPAllocationMethod") == "Dynamic":
            if owner and not p.get("ipAddress"):
                p["ipAddress"] = self._allocate(w, p["publicIPAddressVersion"], key(doc["id"]))
            elif not owner:
                p.pop("ipAddress", None)
