"""Every example blueprint, deployed as is, would carry traffic on Azure (issue 10, "Done when").

The compiled NSGs are judged by an evaluator written here, for this test, from Azure's documented
behaviour — not by the code that generated the rules (``compile/security.py``) nor the one the
rules use (``rules/nsg.py``):

- learn.microsoft.com/azure/virtual-network/network-security-groups-overview: rules are
  evaluated by priority, lowest number first, and the first match decides; every NSG carries
  ``AllowVnetInBound`` (65000), ``AllowAzureLoadBalancerInBound`` (65001) and
  ``DenyAllInBound`` (65500); for inbound traffic the subnet's NSG is evaluated first, then the
  NIC's, and both must allow;
- learn.microsoft.com/azure/load-balancer/load-balancer-overview#securebydefault: with no NSG
  on subnet or NIC, traffic from outside the virtual network is dropped, from inside delivered;
- azure-traffic.md §1 (kubernetes-sigs/cloud-provider-azure#10083): with Floating IP the packet
  reaches the NIC still addressed to the frontend IP; without it, to the NIC's own address; the
  port is the backend port; probes come from 168.63.129.16 (``AzureLoadBalancer``) to the NIC.

Packets are concrete: a client address, a destination address, a protocol and a port. Public
frontend addresses are made up here (as if Azure had allocated them) and written into the NSG in
place of the compiler's placeholders, as the executor does with the live ones.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import pytest
from compile_helpers import BLUEPRINTS, context, load

from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import DesiredState, Kind

EXAMPLES = sorted(BLUEPRINTS.glob("*.yaml"))

INTERNET_CLIENT = {4: "20.30.40.50", 6: "2603:1030::50"}
PROBE_SOURCE = {4: "168.63.129.16", 6: "fe80::1234:5678:9abc"}
DEFAULTS = [
    ("AllowVnetInBound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork"),
    ("AllowAzureLoadBalancerInBound", 65001, "Allow", "AzureLoadBalancer", "*"),
    ("DenyAllInBound", 65500, "Deny", "*", "*"),
]


@dataclass(frozen=True)
class Packet:
    source: str
    destination: str
    protocol: str  # tcp | udp
    port: int


class Cloud:
    """The compiled state as Azure would hold it, with made-up public addresses."""

    def __init__(self, state: DesiredState) -> None:
        self.bodies = {k: _wire(r.body) for k, r in state.resources.items()}
        self.by_id = {r.id.lower(): self.bodies[k] for k, r in state.resources.items()}
        self.public: dict[str, str] = {}
        for n, (key, res) in enumerate(state.resources.items(), start=1):
            if res.kind is Kind.PUBLIC_IP:
                v6 = (self.bodies[key].get("properties") or {}).get(
                    "publicIPAddressVersion"
                ) == "IPv6"
                self.public[key] = f"2603:1020::{n}" if v6 else f"52.10.0.{n}"
        vnet = next(b for k, b in self.bodies.items() if k.startswith("virtual_network/"))
        props = vnet["properties"]
        self.space = [ipaddress.ip_network(p) for p in props["addressSpace"]["addressPrefixes"]]
        self.subnets = {s["name"]: s["properties"] for s in props["subnets"]}

    def nsg(self, ref: dict[str, Any] | None) -> list[dict[str, Any]] | None:
        if not ref:
            return None
        body = self.by_id[ref["id"].lower()]
        return [self._filled(r) for r in body["properties"].get("securityRules", [])]

    def _filled(self, rule: dict[str, Any]) -> dict[str, Any]:
        props = dict(rule["properties"])
        for field in ("destinationAddressPrefixes", "sourceAddressPrefixes"):
            if field in props:
                props[field] = [self._address(v) for v in props[field]]
        return {**rule, "properties": props}

    def _address(self, value: str) -> str:
        if value.startswith("<address of "):
            return self.public[value.removeprefix("<address of ").removesuffix(">")]
        return value

    # -- what a tag holds -------------------------------------------------------------------
    def in_vnet(self, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        return any(ip.version == n.version and ip in n for n in self.space)

    def holds(self, value: str, address: str) -> bool:
        ip = ipaddress.ip_address(address)
        if value == "*":
            return True
        if value == "VirtualNetwork":
            return self.in_vnet(address)
        if value == "AzureLoadBalancer":
            return address in PROBE_SOURCE.values()
        if value == "Internet":
            return not self.in_vnet(address) and address not in PROBE_SOURCE.values()
        net = ipaddress.ip_network(value, strict=False)
        return ip.version == net.version and ip in net

    # -- one NSG, then subnet and NIC ---------------------------------------------------------
    def verdict(self, rules: list[dict[str, Any]], p: Packet) -> tuple[str, str]:
        custom = [
            (
                r["name"],
                r["properties"]["priority"],
                r["properties"]["access"],
                r["properties"],
            )
            for r in rules
            if r["properties"]["direction"] == "Inbound"
        ]
        defaults = [
            (
                n,
                pr,
                acc,
                {
                    "protocol": "*",
                    "sourceAddressPrefix": s,
                    "destinationAddressPrefix": d,
                    "destinationPortRange": "*",
                },
            )
            for n, pr, acc, s, d in DEFAULTS
        ]
        for name, _, access, props in sorted(custom + defaults, key=lambda r: r[1]):
            if self.matches(props, p):
                return access, name
        raise AssertionError("DenyAllInBound matches everything")

    def matches(self, props: dict[str, Any], p: Packet) -> bool:
        if props["protocol"] != "*" and props["protocol"].lower() != p.protocol:
            return False
        ports = [props.get("destinationPortRange")] + list(props.get("destinationPortRanges", []))
        if not any(_in_range(r, p.port) for r in ports if r):
            return False
        for side, address in (("source", p.source), ("destination", p.destination)):
            values = [props.get(f"{side}AddressPrefix")] + list(
                props.get(f"{side}AddressPrefixes", [])
            )
            if not any(self.holds(v, address) for v in values if v):
                return False
        return True

    def delivered(self, subnet: str, nic: dict[str, Any], p: Packet) -> bool:
        nsgs = [
            self.nsg(self.subnets[subnet].get("networkSecurityGroup")),
            self.nsg((nic.get("properties") or {}).get("networkSecurityGroup")),
        ]
        present = [n for n in nsgs if n is not None]
        if not present:  # secure by default: only traffic from inside the virtual network
            return self.in_vnet(p.source)
        return all(self.verdict(rules, p)[0] == "Allow" for rules in present)


def _wire(body: Any) -> dict[str, Any]:
    return body.as_dict() if hasattr(body, "as_dict") else body


def _in_range(spec: str, port: int) -> bool:
    if spec == "*":
        return True
    low, _, high = spec.partition("-")
    return int(low) <= port <= int(high or low)


def _nic_address(prefix: str) -> str:
    """The first address Azure hands out in a subnet (the first four are reserved)."""
    return str(ipaddress.ip_network(prefix).network_address + 4)


def _backends(state: DesiredState, cloud: Cloud, vms: tuple[str, ...]):
    """(subnet, NIC body) of each backend VM the environment creates."""
    for vm in vms:
        key = f"network_interface/nic-{state.env}-{vm}"
        nic = cloud.bodies.get(key)
        if nic is None:
            continue
        cfg = nic["properties"]["ipConfigurations"][0]["properties"]
        subnet = cfg["subnet"]["id"].rsplit("/", 1)[-1]
        yield vm, subnet, nic


def _frontend_address(state: DesiredState, cloud: Cloud, lb: str, frontend: str) -> str:
    pip = f"public_ip/pip-{state.env}-{lb}-{frontend}"
    if pip in cloud.public:
        return cloud.public[pip]
    lb_body = cloud.bodies[f"load_balancer/lb-{state.env}-{lb}"]
    (fe,) = [f for f in lb_body["properties"]["frontendIPConfigurations"] if f["name"] == frontend]
    return fe["properties"]["privateIPAddress"]


def _protocols(row_protocol: str) -> list[tuple[str, int | None]]:
    """HA ports (All, port 0): any TCP and any UDP port."""
    if row_protocol == "All":
        return [("tcp", 443), ("udp", 53), ("tcp", 60001)]
    return [(row_protocol.lower(), None)]


def _compiled(path) -> tuple[Any, DesiredState, Cloud]:
    bp = load(path)
    state = compile_blueprint(bp, context(env=bp.name))
    return bp, state, Cloud(state)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_mapping_row_is_admitted_from_its_source_to_its_destination(path):
    bp, state, cloud = _compiled(path)
    assert state.mapping, "an example without rows proves nothing"
    for row in state.mapping:
        lb = bp.load_balancers[row.load_balancer]
        frontend = _frontend_address(state, cloud, row.load_balancer, row.frontend)
        version = ipaddress.ip_address(frontend).version
        if lb.type == "public":
            client = INTERNET_CLIENT[version]
        else:  # an internal client: somewhere in the virtual network, outside the backends
            client = str(next(n for n in cloud.space if n.version == version)[200])
        for vm, subnet, nic in _backends(state, cloud, row.backends):
            prefix = cloud.subnets[subnet].get("addressPrefix") or next(
                p
                for p in cloud.subnets[subnet]["addressPrefixes"]
                if ipaddress.ip_network(p).version == version
            )
            destination = frontend if row.floating_ip else _nic_address(prefix)
            for protocol, port in _protocols(row.protocol):
                packet = Packet(client, destination, protocol, port or row.destination_port)
                assert cloud.delivered(subnet, nic, packet), f"{row.rule} to {vm}: {packet}"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_probe_is_admitted_from_azure_load_balancer_to_the_nic(path):
    bp, state, cloud = _compiled(path)
    probed = 0
    for row in state.mapping:
        lb = bp.load_balancers[row.load_balancer]
        rule = lb.rules[row.rule]
        if rule.probe is None:
            continue
        frontend = _frontend_address(state, cloud, row.load_balancer, row.frontend)
        version = ipaddress.ip_address(frontend).version
        for _, subnet, nic in _backends(state, cloud, row.backends):
            props = cloud.subnets[subnet]
            prefixes = (
                [props["addressPrefix"]] if "addressPrefix" in props else props["addressPrefixes"]
            )
            prefix = next(p for p in prefixes if ipaddress.ip_network(p).version == version)
            packet = Packet(
                PROBE_SOURCE[version], _nic_address(prefix), "tcp", lb.probes[rule.probe].port
            )
            assert cloud.delivered(subnet, nic, packet), f"probe of {row.rule}: {packet}"
            probed += 1
    assert probed


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_a_port_no_rule_uses_is_denied_from_the_internet(path):
    bp, state, cloud = _compiled(path)
    used = {row.destination_port for row in state.mapping} | {
        probe.port for lb in bp.load_balancers.values() for probe in lb.probes.values()
    }
    unused = next(p for p in range(1024, 65536) if p not in used)
    for row in state.mapping:
        frontend = _frontend_address(state, cloud, row.load_balancer, row.frontend)
        version = ipaddress.ip_address(frontend).version
        for _, subnet, nic in _backends(state, cloud, row.backends):
            for destination in {
                frontend,
                _nic_address(
                    cloud.subnets[subnet].get("addressPrefix")
                    or cloud.subnets[subnet]["addressPrefixes"][0]
                ),
            }:
                if ipaddress.ip_address(destination).version != version:
                    continue
                packet = Packet(INTERNET_CLIENT[version], destination, "tcp", unused)
                assert not cloud.delivered(subnet, nic, packet), packet


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_internal_rows_are_not_open_to_the_internet(path):
    bp, state, cloud = _compiled(path)
    for row in state.mapping:
        if bp.load_balancers[row.load_balancer].type != "internal":
            continue
        for _, subnet, nic in _backends(state, cloud, row.backends):
            packet = Packet(INTERNET_CLIENT[4], row.frontend_ip, "tcp", row.destination_port or 80)
            assert not cloud.delivered(subnet, nic, packet), packet


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_subnet_with_vms_has_explicit_outbound(path):
    bp, state, cloud = _compiled(path)
    with_vms = {vm.subnet for vm in bp.vms.values() if vm.existing_id is None}
    outbound_lbs = [
        b
        for k, b in cloud.bodies.items()
        if k.startswith("load_balancer/") and b["properties"].get("outboundRules")
    ]
    for name, props in cloud.subnets.items():
        assert props["defaultOutboundAccess"] is False, name  # said, never left to the SDK
        if name not in with_vms:
            continue
        if "natGateway" in props:
            nat = cloud.by_id[props["natGateway"]["id"].lower()]
            assert nat["properties"]["publicIpAddresses"], name
            continue
        # otherwise every NIC in the subnet sits in the pool of an outbound rule
        pools = {
            o["properties"]["backendAddressPool"]["id"].lower()
            for lb in outbound_lbs
            for o in lb["properties"]["outboundRules"]
        }
        for _, subnet, nic in _backends(state, cloud, tuple(bp.expanded_vms())):
            if subnet != name:
                continue
            cfg = nic["properties"]["ipConfigurations"][0]["properties"]
            joined = {p["id"].lower() for p in cfg.get("loadBalancerBackendAddressPools", [])}
            assert joined & pools, f"{name}: no outbound for {nic['properties']}"
