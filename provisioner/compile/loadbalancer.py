"""One load balancer body with every frontend, pool, probe and rule inline.

Azure writes a load balancer's children only through a PUT of the whole load balancer; tools that
model rules as separate resources pay a GET+PUT per rule and race themselves. Compiling the
whole document here means one PUT per load balancer, which the executor guards with If-Match.
Children keep the blueprint's names; their ids are computed so the rules can reference them in
the same document. Pool membership is not here: it lives on the NICs (``interfaces.py``).
"""

from __future__ import annotations

from azure.mgmt.network import models as net

from provisioner.blueprint.model import Frontend, LoadBalancer, Probe, Rule
from provisioner.compile import ids
from provisioner.compile.network import IP_VERSION
from provisioner.compile.scope import Scope

FRONTENDS = "frontendIPConfigurations"
POOLS = "backendAddressPools"
PROBES = "probes"
RULES = "loadBalancingRules"

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
) -> net.FrontendIPConfiguration:
    """Public: a reference to its public IP. Internal: an address in a subnet, Static when the
    blueprint gives one (Azure then keeps exactly that address), else Dynamic."""
    body = net.FrontendIPConfiguration(name=name, id=frontend_id(lb_id, name))
    if not internal:
        body.public_ip_address = net.PublicIPAddress(id=public_ip_id)
        return body
    body.subnet = net.Subnet(id=scope.subnet_id(frontend.subnet or default_subnet))
    body.private_ip_address_version = IP_VERSION[frontend.ip_version]
    if frontend.private_ip is not None:
        body.private_ip_allocation_method = "Static"
        body.private_ip_address = frontend.private_ip
    else:
        body.private_ip_allocation_method = "Dynamic"
    if frontend.zones:
        body.zones = list(frontend.zones)
    return body


def probe_body(lb_id: str, name: str, probe: Probe) -> net.Probe:
    body = net.Probe(
        name=name,
        id=probe_id(lb_id, name),
        protocol=PROBE_PROTOCOL[probe.protocol],
        port=probe.port,
        interval_in_seconds=probe.interval,
        probe_threshold=probe.threshold,
    )
    if probe.path is not None:
        body.request_path = probe.path
    return body


def rule_body(lb_id: str, name: str, rule: Rule) -> net.LoadBalancingRule:
    body = net.LoadBalancingRule(
        name=name,
        id=rule_id(lb_id, name),
        frontend_ip_configuration=net.SubResource(id=frontend_id(lb_id, rule.frontend)),
        backend_address_pool=net.SubResource(id=pool_id(lb_id, rule.pool)),
        protocol=PROTOCOL[rule.protocol],
        frontend_port=rule.port,
        backend_port=rule.effective_backend_port,
        enable_floating_ip=rule.floating_ip,
        idle_timeout_in_minutes=rule.idle_timeout,
        enable_tcp_reset=rule.tcp_reset,
        load_distribution=LOAD_DISTRIBUTION[rule.load_distribution],
        disable_outbound_snat=rule.disable_outbound_snat,
    )
    if rule.probe is not None:
        body.probe = net.SubResource(id=probe_id(lb_id, rule.probe))
    return body


def load_balancer_body(
    scope: Scope,
    lb_id: str,
    lb: LoadBalancer,
    public_ip_ids: dict[str, str],
    default_subnet: str,
) -> net.LoadBalancer:
    """The whole load balancer document. ``public_ip_ids`` maps a public frontend's name to the
    id of its public IP (new or existing); ``default_subnet`` serves an internal frontend that
    names no subnet (validation asks for one; the compiler just does not crash)."""
    internal = lb.type == "internal"
    return net.LoadBalancer(
        location=scope.location,
        tags=dict(scope.tags),
        sku=net.LoadBalancerSku(name="Standard", tier="Regional"),
        frontend_ip_configurations=[
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
        ],
        backend_address_pools=[
            net.BackendAddressPool(name=name, id=pool_id(lb_id, name)) for name in lb.pools
        ],
        probes=[probe_body(lb_id, name, probe) for name, probe in lb.probes.items()],
        load_balancing_rules=[rule_body(lb_id, name, rule) for name, rule in lb.rules.items()],
    )
