"""Network interfaces: IP configurations with allocated addresses and pool membership.

Joining a backend pool is a NIC write (``loadBalancerBackendAddressPools``); the pool's
``backendIPConfigurations`` is the mirror the service maintains.
"""

from __future__ import annotations

import hashlib
from typing import Any

from provisioner.localcloud.ids import INLINE_CHILDREN, key
from provisioner.localcloud.resources.addressing import assign_private, shape_private
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    inline_children,
    only_id,
    parent_key,
    ref_id,
    ref_ids,
    resource_guid,
    top_level_shell,
)
from provisioner.localcloud.rules import check_network_interface_put

TYPE = "Microsoft.Network/networkInterfaces"
_REF_LISTS = (
    "loadBalancerBackendAddressPools",
    "loadBalancerInboundNatRules",
    "applicationSecurityGroups",
    "applicationGatewayBackendAddressPools",
)


def _inherit_subnet(confs: list[dict[str, Any]]) -> None:
    """An IP configuration that names no subnet sits in the primary one's (REST spec
    ``NetworkInterfaceCreate.json``: ``ipconfig2`` asks only for a /28 prefix and gets the
    subnet of ``ipconfig1``)."""
    primary = next((c for c in confs if c["properties"].get("primary")), None)
    subnet = ref_id((primary or {}).get("properties", {}).get("subnet"))
    for c in confs:
        if subnet and not ref_id(c["properties"].get("subnet")):
            c["properties"]["subnet"] = {"id": subnet}


class NetworkInterfaces(Handler):
    type = TYPE
    rules_check = staticmethod(check_network_interface_put)
    children = INLINE_CHILDREN[TYPE.lower()]

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        p_in = body.get("properties") or {}
        p = {
            k: v
            for k, v in p_in.items()
            if k
            not in (
                "ipConfigurations",
                "virtualMachine",
                "macAddress",
                "primary",
                "provisioningState",
            )
        }
        p["provisioningState"] = "Succeeded"
        p["resourceGuid"] = resource_guid(old)
        dns = dict(p.get("dnsSettings") or {})
        dns.setdefault("dnsServers", [])
        dns.setdefault("appliedDnsServers", [])
        p["dnsSettings"] = dns
        p.setdefault("enableAcceleratedNetworking", False)
        p.setdefault("enableIPForwarding", False)
        p.setdefault("disableTcpStateTracking", False)
        p.setdefault("vnetEncryptionSupported", False)
        p.setdefault("nicType", "Standard")
        p.setdefault("hostedWorkloads", [])
        p.setdefault("tapConfigurations", [])
        confs = inline_children(
            rid, TYPE, "ipConfigurations", p_in.get("ipConfigurations"), doc["etag"]
        )
        if confs and not any(c["properties"].get("primary") for c in confs):
            confs[0]["properties"]["primary"] = True
        for c in confs:
            c["properties"].setdefault("primary", False)
        _inherit_subnet(confs)
        p["ipConfigurations"] = confs
        only_id(p, "networkSecurityGroup")
        doc["properties"] = p
        for c in confs:
            cp = c["properties"]
            if ref_id(cp.get("subnet")):
                shape_private(c)
            pip = ref_id(cp.get("publicIPAddress"))
            if pip:
                cp["publicIPAddress"] = {"id": pip}
            for field in ("loadBalancerBackendAddressPools", "loadBalancerInboundNatRules"):
                if field in cp:
                    cp[field] = [{"id": i} for i in ref_ids(cp[field])]
        return doc

    def allocate(self, doc: dict[str, Any], old: dict[str, Any] | None, w: WriteCtx) -> None:
        assign_private(w, doc, old, "ipConfigurations")

    def refs(self, doc: dict[str, Any]) -> set[str]:
        out = set()
        for c in doc["properties"].get("ipConfigurations") or []:
            cp = c["properties"]
            targets = [ref_id(cp.get("subnet")), ref_id(cp.get("publicIPAddress"))]
            for field in _REF_LISTS:
                targets.extend(ref_ids(cp.get(field)))
            for t in targets:
                if t and (k := parent_key(t)):
                    out.add(k)
        nsg = ref_id(doc["properties"].get("networkSecurityGroup"))
        if nsg and (k := parent_key(nsg)):
            out.add(k)
        return out

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        p = doc["properties"]
        p.pop("virtualMachine", None)
        p.pop("macAddress", None)
        p.pop("primary", None)
        for vm in w.referrers(key(doc["id"])):
            if not vm.get("type", "").lower().endswith("virtualmachines"):
                continue
            p["virtualMachine"] = {"id": vm["id"]}
            digest = hashlib.sha256(key(doc["id"]).encode()).hexdigest()[:6].upper()
            p["macAddress"] = "00-22-48-" + "-".join(digest[i : i + 2] for i in (0, 2, 4))
            nics = (vm.get("properties") or {}).get("networkProfile", {}).get(
                "networkInterfaces"
            ) or []
            for n in nics:
                if key(n.get("id", "")) == key(doc["id"]):
                    p["primary"] = bool((n.get("properties") or {}).get("primary", len(nics) == 1))
