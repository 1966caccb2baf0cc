"""The mapping table read from live load balancers alone, for ``status --env`` without a blueprint.

Everything comes from what Azure reports: each rule's frontend (its private IP, or its public
IP's address), protocol and ports, Floating IP, and the NICs in its pool (through the pool's
``backendIPConfigurations`` back-references). Backends are named by NIC, since the live state
does not know blueprint VM names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.arm.listing import ListedResource
from provisioner.arm.reads import get_by_id
from provisioner.arm.retry import Call
from provisioner.compile.desired import Kind, MappingRow

if TYPE_CHECKING:
    from provisioner.arm.target import Target


def _props(body: dict[str, Any] | None) -> dict[str, Any]:
    return (body or {}).get("properties") or {}


def _name(resource_id: str) -> str:
    return resource_id.rstrip("/").split("/")[-1]


def mapping_from_live(
    target: Target, resources: list[ListedResource], call: Call
) -> tuple[MappingRow, ...]:
    rows: list[MappingRow] = []
    nic_cache: dict[str, dict[str, Any] | None] = {}

    def body(kind: Kind, resource_id: str) -> dict[str, Any] | None:
        if resource_id.lower() not in nic_cache:
            nic_cache[resource_id.lower()] = get_by_id(target, kind, resource_id, call)
        return nic_cache[resource_id.lower()]

    for lb in (r for r in resources if r.kind is Kind.LOAD_BALANCER):
        lb_body = body(Kind.LOAD_BALANCER, lb.id)
        props = _props(lb_body)
        fronts: dict[str, str] = {}
        for fe in props.get("frontendIPConfigurations") or []:
            fp = fe.get("properties") or {}
            ip = fp.get("privateIPAddress")
            pip = (fp.get("publicIPAddress") or {}).get("id")
            if pip:
                ip = _props(body(Kind.PUBLIC_IP, str(pip))).get("ipAddress")
            fronts[str(fe.get("id", "")).lower()] = str(ip or "unknown")
            fronts[str(fe.get("name", "")).lower()] = str(ip or "unknown")
        pools: dict[str, list[tuple[str, str]]] = {}
        for pool in props.get("backendAddressPools") or []:
            members = []
            for ref in (pool.get("properties") or {}).get("backendIPConfigurations") or []:
                ref_id = str(ref.get("id", ""))
                nic_id = ref_id.split("/ipConfigurations/")[0]
                nic = body(Kind.NETWORK_INTERFACE, nic_id)
                ip = "unknown"
                for cfg in _props(nic).get("ipConfigurations") or []:
                    if str(cfg.get("id", "")).lower() == ref_id.lower():
                        ip = (cfg.get("properties") or {}).get("privateIPAddress") or ip
                members.append((_name(nic_id), str(ip)))
            pools[str(pool.get("id", "")).lower()] = members
        for rule in props.get("loadBalancingRules") or []:
            rp = rule.get("properties") or {}
            fe_id = str((rp.get("frontendIPConfiguration") or {}).get("id", ""))
            frontend_ip = fronts.get(fe_id.lower(), "unknown")
            floating = bool(rp.get("enableFloatingIP"))
            members = pools.get(str((rp.get("backendAddressPool") or {}).get("id", "")).lower(), [])
            rows.append(
                MappingRow(
                    load_balancer=lb.name,
                    rule=str(rule.get("name")),
                    frontend=_name(fe_id),
                    frontend_ip=frontend_ip,
                    protocol=str(rp.get("protocol")),
                    frontend_port=int(rp.get("frontendPort") or 0),
                    destination_ip=frontend_ip if floating else "backend NIC IP",
                    destination_port=int(rp.get("backendPort") or 0),
                    floating_ip=floating,
                    backends=tuple(m[0] for m in members),
                    backend_ips=tuple(m[1] for m in members),
                )
            )
    return tuple(rows)
