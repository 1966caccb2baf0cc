"""Load balancers: frontends, pools, probes, rules, NAT and outbound rules, all inline.

The service echoes defaults (floating IP off, idle timeout 4, TCP reset off ...), normalises
protocol casing and fills the back-references between the children; pool membership comes
from the NICs (``backendIPConfigurations``).
"""

from __future__ import annotations

from typing import Any

from provisioner.localcloud.ids import INLINE_CHILDREN, key
from provisioner.localcloud.resources.addressing import assign_private, shape_private
from provisioner.localcloud.resources.base import (
    Handler,
    WriteCtx,
    find_child,
    inline_children,
    norm_choice,
    parent_key,
    ref_id,
    ref_ids,
    resource_guid,
    top_level_shell,
)
from provisioner.localcloud.rules import check_load_balancer_put

TYPE = "Microsoft.Network/loadBalancers"
COLLECTIONS = (
    "frontendIPConfigurations",
    "backendAddressPools",
    "loadBalancingRules",
    "probes",
    "inboundNatRules",
    "inboundNatPools",
    "outboundRules",
)
PROTOCOLS = ("Tcp", "Udp", "All")
#: read-only fields the service computes; stripped from input and recomputed
BACKREF_FIELDS = {
    "frontendIPConfigurations": (
        "loadBalancingRules",
        "inboundNatRules",
        "outboundRules",
        "inboundNatPools",
    ),
    "backendAddressPools": (
        "loadBalancingRules",
        "outboundRules",
        "outboundRule",
        "backendIPConfigurations",
        "inboundNatRules",
    ),
    "probes": ("loadBalancingRules",),
    "inboundNatRules": ("backendIPConfiguration",),
}


def normalise_sku(sku: Any) -> dict[str, Any]:
    sku = dict(sku or {})
    # Azure fills in Basic when a request leaves sku out (REST example LoadBalancerCreate.json)
    sku["name"] = norm_choice(sku.get("name"), ("Basic", "Standard", "Gateway"), "Basic")
    sku["tier"] = norm_choice(sku.get("tier"), ("Regional", "Global"), "Regional")
    return sku


class LoadBalancers(Handler):
    type = TYPE
    rules_check = staticmethod(check_load_balancer_put)
    children = INLINE_CHILDREN[TYPE.lower()]

    def normalise(
        self, body: dict[str, Any], rid: str, old: dict[str, Any] | None, w: WriteCtx
    ) -> dict[str, Any]:
        doc = top_level_shell(TYPE, body, rid, old)
        doc["sku"] = normalise_sku(body.get("sku"))
        props_in = body.get("properties") or {}
        props: dict[str, Any] = {}
        for extra, value in props_in.items():
            if extra not in COLLECTIONS and extra not in ("provisioningState", "resourceGuid"):
                props[extra] = value
        props["provisioningState"] = "Succeeded"
        props["resourceGuid"] = resource_guid(old)
        for coll in COLLECTIONS:
            props[coll] = inline_children(rid, TYPE, coll, props_in.get(coll), doc["etag"])
        doc["properties"] = props
        self._defaults(props)
        for fe in props["frontendIPConfigurations"]:
            shape_private(fe)
            pip = ref_id(fe["properties"].get("publicIPAddress"))
            if pip:
                fe["properties"]["publicIPAddress"] = {"id": pip}
        return doc

    def allocate(self, doc: dict[str, Any], old: dict[str, Any] | None, w: WriteCtx) -> None:
        assign_private(w, doc, old, "frontendIPConfigurations")

    @staticmethod
    def _defaults(props: dict[str, Any]) -> None:
        for coll, fields in BACKREF_FIELDS.items():
            for item in props[coll]:
                for f in fields:
                    item["properties"].pop(f, None)
        for rule in props["loadBalancingRules"]:
            p = rule["properties"]
            p["protocol"] = norm_choice(p.get("protocol"), PROTOCOLS)
            p.setdefault("enableFloatingIP", False)
            p.setdefault("idleTimeoutInMinutes", 4)
            p.setdefault("enableTcpReset", False)
            p.setdefault("disableOutboundSnat", False)
            p.setdefault("enableConnectionTracking", False)  # REST spec LoadBalancerCreate.json
            p["loadDistribution"] = norm_choice(
                p.get("loadDistribution"), ("Default", "SourceIP", "SourceIPProtocol"), "Default"
            )
            if p.get("backendPort") is None and p.get("frontendPort") is not None:
                p["backendPort"] = p["frontendPort"]
            single, many = (
                ref_id(p.get("backendAddressPool")),
                ref_ids(p.get("backendAddressPools")),
            )
            if single and not many:
                p["backendAddressPools"] = [{"id": single}]
            elif many and not single and len(many) == 1:
                p["backendAddressPool"] = {"id": many[0]}
        for nat in (*props["inboundNatRules"], *props["inboundNatPools"]):
            p = nat["properties"]
            p["protocol"] = norm_choice(p.get("protocol"), PROTOCOLS)
            p.setdefault("enableFloatingIP", False)
            p.setdefault("idleTimeoutInMinutes", 4)
            p.setdefault("enableTcpReset", False)
        for out in props["outboundRules"]:
            p = out["properties"]
            p["protocol"] = norm_choice(p.get("protocol"), PROTOCOLS)
            p.setdefault("idleTimeoutInMinutes", 4)
            p.setdefault("enableTcpReset", False)
            p.setdefault("allocatedOutboundPorts", 1024)  # echoed when omitted (ASSETS-LB, 2023)
        for probe in props["probes"]:
            p = probe["properties"]
            p["protocol"] = norm_choice(p.get("protocol"), ("Tcp", "Http", "Https"))
            p.setdefault("intervalInSeconds", 15)
            p.setdefault("numberOfProbes", 2)
            p.setdefault("probeThreshold", 1)
        for pool in props["backendAddressPools"]:
            pool["properties"].setdefault("loadBalancerBackendAddresses", [])

    def refs(self, doc: dict[str, Any]) -> set[str]:
        out = set()
        for fe in doc["properties"].get("frontendIPConfigurations") or []:
            for field in ("publicIPAddress", "subnet", "publicIPPrefix"):
                target = ref_id(fe["properties"].get(field))
                if target and (k := parent_key(target)):
                    out.add(k)
        return out

    def backrefs(self, doc: dict[str, Any], w: WriteCtx) -> None:
        props = doc["properties"]
        for coll, fields in BACKREF_FIELDS.items():
            for item in props.get(coll) or []:
                for f in fields:
                    item["properties"].pop(f, None)
        _link_children(doc)
        _link_members(doc, w)


def _add_backref(
    doc: dict[str, Any], coll: str, target: str | None, field: str, source: str
) -> None:
    """List ``source`` under ``field`` of the child ``target`` names, if it is this LB's."""
    if not target:
        return
    child = find_child(doc, coll, target.rstrip("/").rsplit("/", 1)[-1])
    if child is not None and key(target).startswith(key(doc["id"]) + "/"):
        child["properties"].setdefault(field, []).append({"id": source})


def _link_children(doc: dict[str, Any]) -> None:
    """Frontends, pools and probes list the rules that use them."""
    props = doc["properties"]
    for rule in props.get("loadBalancingRules") or []:
        p = rule["properties"]
        frontend = ref_id(p.get("frontendIPConfiguration"))
        _add_backref(doc, "frontendIPConfigurations", frontend, "loadBalancingRules", rule["id"])
        pools = set(ref_ids(p.get("backendAddressPools")))
        single = ref_id(p.get("backendAddressPool"))
        if single:
            pools.add(single)
        for pool in sorted(pools, key=str.lower):
            _add_backref(doc, "backendAddressPools", pool, "loadBalancingRules", rule["id"])
        _add_backref(doc, "probes", ref_id(p.get("probe")), "loadBalancingRules", rule["id"])
    for coll in ("inboundNatRules", "inboundNatPools"):
        for nat in props.get(coll) or []:
            frontend = ref_id(nat["properties"].get("frontendIPConfiguration"))
            _add_backref(doc, "frontendIPConfigurations", frontend, coll, nat["id"])
    for out in props.get("outboundRules") or []:
        p = out["properties"]
        for fe in ref_ids(p.get("frontendIPConfigurations")):
            _add_backref(doc, "frontendIPConfigurations", fe, "outboundRules", out["id"])
        pool = ref_id(p.get("backendAddressPool"))
        _add_backref(doc, "backendAddressPools", pool, "outboundRules", out["id"])


def _link_members(doc: dict[str, Any], w: WriteCtx) -> None:
    """Pools list the NIC ipconfigs in them; NAT rules name the ipconfig they forward to."""
    lb_key = key(doc["id"])
    for nic in w.referrers(lb_key):
        for ipc in (nic.get("properties") or {}).get("ipConfigurations") or []:
            ip = ipc.get("properties") or {}
            for pool in ref_ids(ip.get("loadBalancerBackendAddressPools")):
                _add_backref(doc, "backendAddressPools", pool, "backendIPConfigurations", ipc["id"])
            for nat in ref_ids(ip.get("loadBalancerInboundNatRules")):
                child = find_child(doc, "inboundNatRules", nat.rstrip("/").rsplit("/", 1)[-1])
                if child is not None and key(nat).startswith(lb_key + "/"):
                    child["properties"]["backendIPConfiguration"] = {"id": ipc["id"]}
