"""A load balancer compiles to one body holding every child, each wired to the others by id."""

from __future__ import annotations

from compile_helpers import SUBSCRIPTION, TWO_FRONTENDS, compile_text

from provisioner.compile.desired import Kind, Ownership

LB_ID = (
    f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test"
    "/providers/Microsoft.Network/loadBalancers/lb-test-lb"
)

FULL = """
blueprint: 1
name: full
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {front: 10.0.0.0/24, back: 10.0.1.0/24}
vms:
  web: {subnet: back, count: 2}
load_balancers:
  lb:
    type: internal
    frontends:
      fixed: {subnet: front, private_ip: 10.0.0.10, zones: ["1", "2", "3"]}
      moving: {subnet: front}
    pools: {app: [web]}
    probes:
      http: {protocol: http, port: 8080, path: /healthz, interval: 15, threshold: 3}
      tcp: {protocol: tcp, port: 22}
    rules:
      a:
        frontend: fixed
        protocol: udp
        port: 53
        backend_port: 5353
        pool: app
        probe: tcp
        idle_timeout: 30
        tcp_reset: true
        load_distribution: source_ip_protocol
        disable_outbound_snat: true
      b: {frontend: moving, port: 80, pool: app, floating_ip: true}
"""


def lb_of(state):
    (lb,) = [r for r in state.order() if r.kind is Kind.LOAD_BALANCER]
    return lb


def test_two_frontends_two_rules_are_one_load_balancer_resource():
    state = compile_text(TWO_FRONTENDS)
    lb = lb_of(state)
    assert lb.id == LB_ID
    body = lb.body.as_dict()
    props = body["properties"]
    assert body["sku"] == {"name": "Standard", "tier": "Regional"}
    assert [f["id"] for f in props["frontendIPConfigurations"]] == [
        f"{LB_ID}/frontendIPConfigurations/green",
        f"{LB_ID}/frontendIPConfigurations/purple",
    ]
    assert [p["id"] for p in props["backendAddressPools"]] == [f"{LB_ID}/backendAddressPools/app"]
    assert [p["id"] for p in props["probes"]] == [f"{LB_ID}/probes/health"]
    assert [r["id"] for r in props["loadBalancingRules"]] == [
        f"{LB_ID}/loadBalancingRules/green",
        f"{LB_ID}/loadBalancingRules/purple",
    ]


def test_rules_reference_their_frontend_pool_and_probe_inside_the_same_document():
    props = lb_of(compile_text(TWO_FRONTENDS)).body.as_dict()["properties"]
    child_ids = {
        c["id"]
        for key in ("frontendIPConfigurations", "backendAddressPools", "probes")
        for c in props[key]
    }
    for rule in props["loadBalancingRules"]:
        rp = rule["properties"]
        refs = [rp["frontendIPConfiguration"]["id"], rp["backendAddressPool"]["id"]]
        refs.append(rp["probe"]["id"])
        assert set(refs) <= child_ids
        assert "backendAddressPools" not in rp  # never both forms (Azure rejects a mismatch)
    green = props["loadBalancingRules"][0]["properties"]
    assert green["frontendIPConfiguration"]["id"].endswith("/frontendIPConfigurations/green")


def frontend_ips(state):
    """The public IPs of load balancer frontends (the NAT gateway has one of its own)."""
    return [r for r in state.order() if r.kind is Kind.PUBLIC_IP and r.source[0] != "outbound"]


def test_public_frontends_point_at_their_own_standard_static_public_ip():
    state = compile_text(TWO_FRONTENDS)
    frontends = lb_of(state).body.frontend_ip_configurations
    pips = {r.id: r for r in frontend_ips(state)}
    assert [fe.public_ip_address.id for fe in frontends] == list(pips)
    for pip in pips.values():
        assert pip.body.sku.name == "Standard"
        assert pip.body.public_ip_allocation_method == "Static"
        assert pip.body.public_ip_address_version == "IPv4"
        assert pip.key in lb_of(state).depends_on


def test_internal_frontends_are_static_when_given_an_address_else_dynamic():
    state = compile_text(FULL)
    fixed, moving = lb_of(state).body.frontend_ip_configurations
    front = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-test/providers/Microsoft.Network"
        "/virtualNetworks/vnet-test/subnets/front"
    )
    assert fixed.subnet.id == moving.subnet.id == front
    assert (fixed.private_ip_allocation_method, fixed.private_ip_address) == ("Static", "10.0.0.10")
    assert fixed.private_ip_address_version == "IPv4"
    assert fixed.zones == ["1", "2", "3"]
    assert moving.private_ip_allocation_method == "Dynamic"
    assert moving.private_ip_address is None
    assert not frontend_ips(state)
    assert "virtual_network/vnet-test" in lb_of(state).depends_on


def test_every_rule_and_probe_setting_reaches_the_wire_in_azure_casing():
    props = lb_of(compile_text(FULL)).body.as_dict()["properties"]
    a, b = (r["properties"] for r in props["loadBalancingRules"])
    assert a["protocol"] == "Udp"
    assert (a["frontendPort"], a["backendPort"]) == (53, 5353)
    assert a["idleTimeoutInMinutes"] == 30
    assert a["enableTcpReset"] is True
    assert a["loadDistribution"] == "SourceIPProtocol"
    assert a["disableOutboundSnat"] is True
    assert a["enableFloatingIP"] is False
    assert (b["protocol"], b["backendPort"], b["enableFloatingIP"]) == ("Tcp", 80, True)
    assert "probe" not in b
    http, tcp = (p["properties"] for p in props["probes"])
    assert http == {
        "protocol": "Http",
        "port": 8080,
        "requestPath": "/healthz",
        "intervalInSeconds": 15,
        "probeThreshold": 3,
    }
    assert tcp["protocol"] == "Tcp" and "requestPath" not in tcp


def test_ha_ports_rule_is_protocol_all_on_port_zero():
    text = FULL.replace(
        "b: {frontend: moving, port: 80, pool: app, floating_ip: true}",
        "b: {frontend: moving, protocol: all, port: 0, pool: app, floating_ip: true}",
    )
    rule = lb_of(compile_text(text)).body.load_balancing_rules[1]
    assert (rule.protocol, rule.frontend_port, rule.backend_port) == ("All", 0, 0)


def test_an_existing_public_ip_is_referenced_not_created():
    pip_id = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/shared"
        "/providers/Microsoft.Network/publicIPAddresses/reserved"
    )
    text = TWO_FRONTENDS.replace("green: {}", f"green: {{public_ip_id: {pip_id}}}")
    state = compile_text(text)
    (ref,) = [r for r in state.order() if r.ownership is Ownership.REFERENCED]
    assert (ref.key, ref.id, ref.resource_group, ref.body) == (
        "public_ip/reserved",
        pip_id,
        "shared",
        None,
    )
    assert lb_of(state).body.frontend_ip_configurations[0].public_ip_address.id == pip_id
    assert ref.key in lb_of(state).depends_on
    assert len(frontend_ips(state)) == 2


def test_ipv6_public_frontend_gets_an_ipv6_public_ip():
    text = TWO_FRONTENDS.replace("purple: {}", "purple: {ip_version: ipv6}")
    pips = frontend_ips(compile_text(text))
    assert [p.body.public_ip_address_version for p in pips] == ["IPv4", "IPv6"]
