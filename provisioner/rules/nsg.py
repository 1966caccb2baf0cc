"""What a network security group decides for the traffic a blueprint asks Azure to deliver.

Azure evaluates an NSG's inbound rules in priority order (lower first), custom rules (100-4096)
before the defaults (``AllowVnetInBound`` 65000, ``AllowAzureLoadBalancerInBound`` 65001,
``DenyAllInBound`` 65500); the first rule that matches a packet decides
(learn.microsoft.com/azure/virtual-network/network-security-groups-overview). Here the packet is
a *flow* of ``blueprint.traffic`` (a rule's or a probe's traffic, from a whole source such as
``Internet`` to a whole destination such as a backend subnet), so "matches" means *covers the
whole flow*: a rule that admits or denies only part of it (one /24 of the Internet) decides
nothing about the rest and is passed over. Addresses Azure has not allocated yet (a public
frontend before ``up``) are covered only by ``*`` and ``Internet``.

Used twice: ``validate`` asks whether a rule the user wrote denies a flow of the managed NSG,
and the plan asks whether an existing NSG (``security: {existing: ID}``) blocks a flow, and
which rule decides. Pure: NSG rules come as wire JSON (``securityRules`` entries).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.blueprint.model import Blueprint, NsgRule
from provisioner.blueprint.traffic import (
    ANY,
    AZURE_LOAD_BALANCER,
    INTERNET,
    VIRTUAL_NETWORK,
    Address,
    Destination,
    Flow,
    PublicFrontend,
    Source,
    SubnetPrefix,
)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Where health probes come from (the ``AzureLoadBalancer`` tag's address).
PROBE_SOURCE = ipaddress.ip_network("168.63.129.16/32")

#: Azure's default inbound rules, as every NSG carries them.
DEFAULT_INBOUND: tuple[dict[str, Any], ...] = (
    {
        "name": "AllowVnetInBound",
        "properties": {
            "priority": 65000,
            "access": "Allow",
            "direction": "Inbound",
            "protocol": "*",
            "sourceAddressPrefix": VIRTUAL_NETWORK,
            "destinationAddressPrefix": VIRTUAL_NETWORK,
            "destinationPortRange": "*",
        },
    },
    {
        "name": "AllowAzureLoadBalancerInBound",
        "properties": {
            "priority": 65001,
            "access": "Allow",
            "direction": "Inbound",
            "protocol": "*",
            "sourceAddressPrefix": AZURE_LOAD_BALANCER,
            "destinationAddressPrefix": ANY,
            "destinationPortRange": "*",
        },
    },
    {
        "name": "DenyAllInBound",
        "properties": {
            "priority": 65500,
            "access": "Deny",
            "direction": "Inbound",
            "protocol": "*",
            "sourceAddressPrefix": ANY,
            "destinationAddressPrefix": ANY,
            "destinationPortRange": "*",
        },
    },
)


@dataclass(frozen=True)
class Endpoint:
    """The addresses one side of a flow stands for."""

    tag: str | None = None  # Internet, VirtualNetwork, AzureLoadBalancer, or * for anything
    networks: tuple[Network, ...] = ()
    unallocated: bool = False  # a public address Azure allocates at apply
    text: str = ""

    def __str__(self) -> str:
        return self.text or self.tag or ", ".join(map(str, self.networks))


def _within(inner: Network, outer: Network) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def _network(value: str) -> Network | None:
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


class Space:
    """The blueprint's address space: what ``VirtualNetwork`` stands for, and subnet prefixes."""

    def __init__(self, bp: Blueprint, addresses: Mapping[tuple[str, str], str] | None = None):
        self.bp = bp
        self.vnet = tuple(n for p in bp.network.address_space if (n := _network(p)) is not None)
        #: Public frontends whose address is known (from live state): (lb, frontend) → address.
        self.addresses = dict(addresses or {})

    def source(self, source: Source) -> Endpoint:
        if source.tag is not None:
            return Endpoint(tag=source.tag, text=source.tag)
        nets = tuple(n for p in source.prefixes if (n := _network(p)) is not None)
        return Endpoint(networks=nets, text=", ".join(source.prefixes))

    def destination(self, target: Destination, version: str) -> Endpoint:
        if isinstance(target, Address):
            return Endpoint(networks=(ipaddress.ip_network(target.value),), text=target.value)
        if isinstance(target, SubnetPrefix):
            spec = self.bp.network.subnets[target.subnet]
            prefix = spec.ipv6_prefix if version == "ipv6" else spec.prefix
            text = f"subnet {target.subnet} ({prefix})"
            return Endpoint(networks=(ipaddress.ip_network(prefix or "::/128"),), text=text)
        assert isinstance(target, PublicFrontend)
        label = f"frontend {target.load_balancer}/{target.frontend}"
        known = self.addresses.get((target.load_balancer, target.frontend))
        if known is not None and _network(known) is not None:
            net = ipaddress.ip_network(known)
            return Endpoint(networks=(net,), text=f"{label} ({known})")
        return Endpoint(unallocated=True, text=f"{label} (allocated at apply)")

    def _in_vnet(self, net: Network) -> bool:
        return any(_within(net, v) for v in self.vnet)

    def covers(self, value: str, ep: Endpoint) -> bool:
        """Whether the NSG address ``value`` (``*``, a service tag, a prefix) holds every
        address ``ep`` stands for."""
        if value == ANY:
            return True
        net = _network(value) if any(ch in value for ch in "./:") else None
        if net is None:  # a service tag
            tag = value.lower()
            if ep.tag is not None:
                return ep.tag.lower() == tag
            if tag == INTERNET.lower():
                return ep.unallocated or (
                    bool(ep.networks) and all(n.is_global for n in ep.networks)
                )
            if tag == VIRTUAL_NETWORK.lower():
                return bool(ep.networks) and all(self._in_vnet(n) for n in ep.networks)
            return False
        if ep.unallocated:
            return net.prefixlen == 0
        if ep.tag is not None:
            tag = ep.tag.lower()
            if tag == VIRTUAL_NETWORK.lower():
                same = [v for v in self.vnet if v.version == net.version]
                return bool(same) and all(_within(v, net) for v in same)
            if tag == AZURE_LOAD_BALANCER.lower():
                return _within(PROBE_SOURCE, net)
            return net.prefixlen == 0  # Internet, *: everything of this version
        return bool(ep.networks) and all(_within(n, net) for n in ep.networks)


def _values(props: Mapping[str, Any], side: str) -> list[str]:
    single = props.get(f"{side}AddressPrefix")
    many = props.get(f"{side}AddressPrefixes") or []
    return [str(v) for v in ([single] if single not in (None, "") else []) + list(many)]


def _ports(props: Mapping[str, Any]) -> list[str]:
    single = props.get("destinationPortRange")
    many = props.get("destinationPortRanges") or []
    return [str(v) for v in ([single] if single not in (None, "") else []) + list(many)]


def _port_covers(spec: str, port: int | None) -> bool:
    if spec == ANY:
        return True
    low, _, high = spec.partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return False
    lo, hi = int(low), int(high or low)
    if port is None:  # every port (HA ports)
        return lo == 0 and hi == 65535
    return lo <= port <= hi


def _protocol_covers(rule_protocol: str, flow_protocol: str) -> bool:
    return rule_protocol == ANY or rule_protocol.lower() == flow_protocol.lower() != ANY


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: str  # the name of the rule that decided
    priority: int


def rule_covers(
    space: Space, rule: Mapping[str, Any], flow: Flow, source: Endpoint, destination: Endpoint
) -> bool:
    """An inbound rule (wire JSON) matches every packet of the flow between these endpoints."""
    props = rule.get("properties") or {}
    if str(props.get("direction", "Inbound")).lower() != "inbound":
        return False
    if not _protocol_covers(str(props.get("protocol", ANY)), flow.protocol):
        return False
    if not any(_port_covers(p, flow.port) for p in _ports(props)):
        return False
    sources, destinations = _values(props, "source"), _values(props, "destination")
    return _side_covers(space, sources, source) and _side_covers(space, destinations, destination)


def _side_covers(space: Space, values: Sequence[str], ep: Endpoint) -> bool:
    if any(space.covers(v, ep) for v in values):
        return True
    if len(ep.networks) > 1:  # several prefixes: each covered by one of the values
        return all(
            any(space.covers(v, Endpoint(networks=(n,))) for v in values) for n in ep.networks
        )
    return False


def evaluate(
    space: Space,
    rules: Iterable[Mapping[str, Any]],
    flow: Flow,
    source: Endpoint,
    destination: Endpoint,
) -> Verdict:
    """Azure's answer for the flow: the first rule by priority that covers it decides."""
    ordered = sorted(rules, key=lambda r: int((r.get("properties") or {}).get("priority") or 0))
    for rule in ordered:
        if rule_covers(space, rule, flow, source, destination):
            props = rule.get("properties") or {}
            allowed = str(props.get("access", "")).lower() == "allow"
            return Verdict(allowed, str(rule.get("name")), int(props.get("priority") or 0))
    return Verdict(False, "DenyAllInBound", 65500)


def nsg_rules(body: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    """An NSG's custom rules and its default ones (Azure's six when it returned none)."""
    props = (body or {}).get("properties") or {}
    defaults = props.get("defaultSecurityRules") or list(DEFAULT_INBOUND)
    return [*(props.get("securityRules") or []), *defaults]


_ACCESS = {"allow": "Allow", "deny": "Deny"}
_PROTOCOL = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "all": "*"}


def as_wire(name: str, rule: NsgRule) -> dict[str, Any]:
    """A blueprint's own NSG rule as the wire JSON Azure would hold (for :func:`evaluate`)."""
    props: dict[str, Any] = {
        "priority": rule.priority,
        "access": _ACCESS[rule.access],
        "direction": rule.direction.capitalize(),
        "protocol": _PROTOCOL[rule.protocol],
        "sourceAddressPrefixes": list(rule.sources),
        "destinationAddressPrefixes": list(rule.destinations),
        "destinationPortRanges": [str(p) for p in rule.ports],
    }
    return {"name": name, "properties": props}
