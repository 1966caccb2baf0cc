"""One load balancer body with every frontend, pool, probe and rule inline.

Azure writes a load balancer's children only through a PUT of the whole load balancer; tools that
model rules as separate resources pay a GET+PUT per rule and race themselves. Compiling the
whole document here means one PUT per load balancer, which the executor guards with If-Match.
Children keep the blueprint's names; their ids are computed so the rules can reference them in
the same document. Pool membership is not here: it lives on the NICs (``interfaces.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.blueprint.model import Frontend, LoadBalancer, Probe, Rule
from provisioner.compile import ids, wire
from provisioner.compile.names import OUTBOUND_SNAT
from provisioner.compile.network import IP_VERSION
from provisioner.compile.scope import Scope

if TYPE_CHECKING:  # imported where a body is built: ``validate`` compiles without the SDK
    from azure.mgmt.network import models as net

FRONTENDS = "frontendIPConfigurations"
POOLS = "backendAddressPools"
PROBES = "probes"
RULES = "loadBalancingRules"
OUTBOUND_RULES = "outboundRules"

PROTOCOL = {"tcp": "Tcp", "udp": "Udp", "all": "All"}
PROBE_PROTOCOL = {"tcp": "Tcp", "http": "Http", "https": "Https"}
LOAD_DISTRIBUTION = {
    "default": "Default",
    "source_ip": "SourceIP",
    "source_ip_protocol": "SourceIPProtocol",
}


def frontend_id(lb_id: str, name: str) -> str:
    return ids.child_id(lb_id, FRONTENDS, name)


def pool_id(lb_id: str, name: str) -> str:
    return ids.child_id(lb_id, POOLS, name)


def probe_id(lb_id: str, name: str) -> str:
    return ids.child_id(lb_id, PROBES, name)


def rule_id(lb_id: str, name: str) -> str:
    return ids.child_id(lb_id, RULES, name)


def frontend_body(
    scope: Scope,
    lb_id: str,
    name: str,
    frontend: Frontend,
    *,
    internal: bool,
    public_ip_id: str | None,
    default_subnet: str,
) -> dict[str, Any]:
    """Public: a reference to its public IP. Internal: an address in a subnet, Static when the
    blueprint gives one (Azure then keeps exactly that address), else Dynamic. (Wire JSON.)"""
    body: dict[str, Any] = {"name": name, "id": frontend_id(lb_id, name)}
    if not internal:
        address = {} if public_ip_id is None else {"id": public_ip_id}
        body["properties"] = {"publicIPAddress": address}
        return body
    props: dict[str, Any] = {
        "subnet": {"id": scope.subnet_id(frontend.subnet or default_subnet)},
        "privateIPAddressVersion": IP_VERSION[frontend.ip_version],
    }
    if frontend.private_ip is not None:
        props["privateIPAllocationMethod"] = "Static"
        props["privateIPAddress"] = frontend.private_ip
    else:
        props["privateIPAllocationMethod"] = "Dynamic"
    body["properties"] = props
    if frontend.zones:
        body["zones"] = list(frontend.zones)
    return body


def probe_body(lb_id: str, name: str, probe: Probe) -> dict[str, Any]:
    props: dict[str, Any] = {
        "protocol": PROBE_PROTOCOL[probe.protocol],
        "port": probe.port,
        "intervalInSeconds": probe.interval,
        "probeThreshold": probe.threshold,
    }
    if probe.path is not None:
        props["requestPath"] = probe.path
    return {"name": name, "id": probe_id(lb_id, name), "properties": props}


def outbound_rule_id(lb_id: str, name: str) -> str:
    return ids.child_id(lb_id, OUTBOUND_RULES, name)


def rule_body(lb_id: str, name: str, rule: Rule, *, snat_disabled: bool = False) -> dict[str, Any]:
    props: dict[str, Any] = {
        "frontendIPConfiguration": {"id": frontend_id(lb_id, rule.frontend)},
        "backendAddressPool": {"id": pool_id(lb_id, rule.pool)},
        "protocol": PROTOCOL[rule.protocol],
        "frontendPort": rule.port,
        "backendPort": rule.effective_backend_port,
        "enableFloatingIP": rule.floating_ip,
        "idleTimeoutInMinutes": rule.idle_timeout,
        "enableTcpReset": rule.tcp_reset,
        "loadDistribution": LOAD_DISTRIBUTION[rule.load_distribution],
        "disableOutboundSnat": rule.disable_outbound_snat or snat_disabled,
    }
    if rule.probe is not None:
        props["probe"] = {"id": probe_id(lb_id, rule.probe)}
    return {"name": name, "id": rule_id(lb_id, name), "properties": props}


def outbound_snat_children(lb_id: str, public_ip_id: str) -> dict[str, dict[str, Any]]:
    """``outbound: lb_outbound_rule``: a frontend of its own (so no load balancing rule shares
    it), a pool every VM the environment creates joins, and an outbound rule SNATing that pool
    through that frontend, all named ``outbound_snat``. Protocol All; 0 ports lets Azure size
    the allocation by the pool's size (its default allocation table)."""
    return {
        FRONTENDS: {
            "name": OUTBOUND_SNAT,
            "id": frontend_id(lb_id, OUTBOUND_SNAT),
            "properties": {"publicIPAddress": {"id": public_ip_id}},
        },
        POOLS: {"name": OUTBOUND_SNAT, "id": pool_id(lb_id, OUTBOUND_SNAT)},
        OUTBOUND_RULES: {
            "name": OUTBOUND_SNAT,
            "id": outbound_rule_id(lb_id, OUTBOUND_SNAT),
            "properties": {
                "frontendIPConfigurations": [{"id": frontend_id(lb_id, OUTBOUND_SNAT)}],
                "backendAddressPool": {"id": pool_id(lb_id, OUTBOUND_SNAT)},
                "protocol": "All",
                "allocatedOutboundPorts": 0,
                "idleTimeoutInMinutes": 4,
                "enableTcpReset": True,
            },
        },
    }


def load_balancer_body(
    scope: Scope,
    lb_id: str,
    lb: LoadBalancer,
    public_ip_ids: dict[str, str],
    default_subnet: str,
    outbound_ip_id: str | None = None,
) -> net.LoadBalancer:
    """The whole load balancer document. ``public_ip_ids`` maps a public frontend's name to the
    id of its public IP (new or existing); ``default_subnet`` serves an internal frontend that
    names no subnet (validation asks for one; the compiler just does not crash).

    ``outbound_ip_id``: this load balancer carries the environment's outbound rule
    (:func:`outbound_snat_children`), and every load balancing rule disables outbound SNAT, as
    Azure requires of rules next to an outbound rule and recommends for all of them."""
    internal = lb.type == "internal"
    frontends = [
        frontend_body(
            scope,
            lb_id,
            name,
            fe,
            internal=internal,
            public_ip_id=public_ip_ids.get(name),
            default_subnet=default_subnet,
        )
        for name, fe in lb.frontends.items()
    ]
    snat = outbound_ip_id is not None
    properties: dict[str, Any] = {
        FRONTENDS: frontends,
        POOLS: [{"name": n, "id": pool_id(lb_id, n)} for n in lb.pools],
        PROBES: [probe_body(lb_id, name, probe) for name, probe in lb.probes.items()],
        RULES: [
            rule_body(lb_id, name, rule, snat_disabled=snat) for name, rule in lb.rules.items()
        ],
    }
    if outbound_ip_id is not None:
        extra = outbound_snat_children(lb_id, outbound_ip_id)
        properties[FRONTENDS].append(extra[FRONTENDS])
        properties[POOLS].append(extra[POOLS])
        properties[OUTBOUND_RULES] = [extra[OUTBOUND_RULES]]
    raw = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": properties,
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.LoadBalancer, raw)
