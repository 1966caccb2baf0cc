"""The one NSG evaluation: which rule decides a 5-tuple at a NIC, and what Azure answers.

A NIC's traffic passes the NSG of its subnet and the NSG of the NIC itself. Inbound, the
subnet's NSG is evaluated first and then the NIC's; outbound, the other way round; a packet
must be allowed by every NSG on its way, and inside one NSG the rule with the lowest priority
number that matches decides (custom rules 100–4096, then the six defaults 65000–65500).
(learn.microsoft.com/azure/virtual-network/network-security-group-how-it-works.)

With no NSG on the subnet or the NIC, a NIC behind a Standard load balancer or with a Standard
public IP is *secure by default*: inbound traffic from outside the virtual network does not
reach it, traffic from inside it and the platform's health probes do
(learn.microsoft.com/azure/load-balancer/load-balancer-overview#securebydefault, …/skus;
the NSG overview's own example VM4, quoted in MicrosoftDocs/azure-docs#122231). Azure publishes
no rule name for that case; the local cloud answers ``NoNetworkSecurityGroup/…`` names.

Rules are matched on the packet as the NIC sees it: inbound, the source is the remote end and
the destination the local one (with Floating IP, the frontend IP), and the other way round
outbound. Service tags stand for what ``tags.py`` says; an application security group stands
for the addresses of the NIC IP configurations that name it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from provisioner.localcloud.reachability import tags
from provisioner.localcloud.rules.ids import props as _props
from provisioner.localcloud.rules.ids import ref as _ref
from provisioner.localcloud.rules.ids import refs as _refs

#: rule names answered when no NSG applies (Azure publishes none)
NO_NSG_DENY = "NoNetworkSecurityGroup/DenyInboundFromOutsideVirtualNetwork"
NO_NSG_ALLOW = "NoNetworkSecurityGroup/AllowAll"

NIC_TYPE = "microsoft.network/networkinterfaces"
ALL_PORTS = ((0, 65535),)


class Lookup(Protocol):
    """Read access to stored documents (``rulecheck.StoreLookup`` is one)."""

    def get(self, resource_id: str) -> dict | None: ...

    def of_type(self, arm_type: str) -> Iterable[dict]: ...


# --- one side of a rule ------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """The source or the destination of a rule: addresses (as written and as expanded) and
    ports. ``any`` is ``*``; ``tag`` is the service tag named, if one is."""

    written: tuple[str, ...]
    expanded: tuple[str, ...]
    ports: tuple[tuple[int, int], ...]
    any: bool = False
    tag: str | None = None

    def holds(self, address: str, port: int | None) -> bool:
        if not self.any and not tags.contains(tags.networks(self.expanded), address):
            return False
        if port is None:  # "*" in a query: only a rule covering every port matches
            return self.ports == ALL_PORTS
        return any(low <= port <= high for low, high in self.ports)


def _ports(single: Any, many: Any) -> tuple[tuple[int, int], ...]:
    values = ([single] if single not in (None, "") else []) + list(many or [])
    out: list[tuple[int, int]] = []
    for v in values:
        text = str(v)
        if text == "*":
            return ALL_PORTS
        low, _, high = text.partition("-")
        try:
            out.append((int(low), int(high or low)))
        except ValueError:
            continue
    return tuple(out)


def _canonical_prefix(value: str) -> str:
    """``10.0.0.5`` → ``10.0.0.5/32``; a prefix as ``ipaddress`` writes it."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        return value


def _side(p: dict, side: str, context: NicContext, lookup: Lookup) -> Side:
    ports = _ports(p.get(f"{side}PortRange"), p.get(f"{side}PortRanges"))
    single = p.get(f"{side}AddressPrefix")
    many = [x for x in p.get(f"{side}AddressPrefixes") or [] if isinstance(x, str)]
    groups = _refs(p.get(f"{side}ApplicationSecurityGroups"))
    if single == "*":
        return Side(("0.0.0.0/0",), (), ports, any=True)
    if isinstance(single, str) and single:
        expanded = tags.expand(single, context.vnet_prefixes)
        if expanded is not None or not _is_prefix(single):
            return Side((single,), tuple(expanded or ()), ports, tag=single)
        many = [single, *many]
    written = tuple(_canonical_prefix(x) for x in many)
    members = tuple(f"{a}/{32 if ':' not in a else 128}" for a in _asg_members(groups, lookup))
    return Side(written + members, written + members, ports)


def _is_prefix(value: str) -> bool:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def _asg_members(groups: Sequence[str], lookup: Lookup) -> list[str]:
    """Private addresses of every NIC IP configuration that names one of ``groups``."""
    if not groups:
        return []
    wanted = {g.lower() for g in groups}
    out = []
    for nic in lookup.of_type("Microsoft.Network/networkInterfaces"):
        for ipc in _props(nic).get("ipConfigurations") or []:
            p = _props(ipc)
            named = {g.lower() for g in _refs(p.get("applicationSecurityGroups"))}
            if named & wanted and isinstance(p.get("privateIPAddress"), str):
                out.append(p["privateIPAddress"])
    return out


# --- rules and groups --------------------------------------------------------------------------


@dataclass(frozen=True)
class EffectiveRule:
    """A security rule as it is in force at one NIC."""

    name: str  # "securityRules/web" or "defaultSecurityRules/DenyAllInBound"
    direction: str
    access: str
    priority: int
    protocol: str  # Tcp, Udp, Icmp, Esp, Ah or All
    source: Side
    destination: Side

    def matches(self, flow: Flow) -> bool:
        if self.direction != flow.direction:
            return False
        if self.protocol != "All" and self.protocol.lower() != flow.protocol.lower():
            return False
        if flow.direction == "Inbound":
            return self.source.holds(flow.remote_ip, flow.remote_port) and self.destination.holds(
                flow.local_ip, flow.local_port
            )
        return self.source.holds(flow.local_ip, flow.local_port) and self.destination.holds(
            flow.remote_ip, flow.remote_port
        )

    def as_wire(self) -> dict[str, Any]:
        """The rule as ``effectiveSecurityRules`` lists it (REST spec example
        ``NetworkInterfaceEffectiveNSGList.json``)."""
        doc: dict[str, Any] = {"name": self.name, "protocol": self.protocol}
        for key, side in (("source", self.source), ("destination", self.destination)):
            ranges = [f"{low}-{high}" for low, high in side.ports]
            if len(ranges) == 1:
                doc[f"{key}PortRange"] = ranges[0]
            else:
                doc[f"{key}PortRanges"] = ranges
        for key, side in (("source", self.source), ("destination", self.destination)):
            cap = key.capitalize()
            if len(side.written) == 1:
                doc[f"{key}AddressPrefix"] = side.written[0]
            else:
                doc[f"{key}AddressPrefixes"] = list(side.written)
            if side.tag is not None:
                doc[f"expanded{cap}AddressPrefix"] = list(side.expanded)
        doc.update(access=self.access, priority=self.priority, direction=self.direction)
        return doc


@dataclass(frozen=True)
class EffectiveGroup:
    """One NSG in force at a NIC, through its subnet or on the NIC itself."""

    nsg_id: str
    association: dict[str, Any]  # {"subnet": {"id"}} or {"networkInterface": {"id"}}
    rules: tuple[EffectiveRule, ...]

    def decide(self, flow: Flow) -> EffectiveRule | None:
        """The rule with the lowest priority number that matches ``flow``."""
        ordered = sorted(
            (r for r in self.rules if r.direction == flow.direction), key=lambda r: r.priority
        )
        return next((r for r in ordered if r.matches(flow)), None)

    def as_wire(self) -> dict[str, Any]:
        tag_map: dict[str, list[str]] = {}
        for rule in self.rules:
            for side in (rule.source, rule.destination):
                if side.tag is not None:
                    tag_map[side.tag] = list(side.expanded)
        return {
            "networkSecurityGroup": {"id": self.nsg_id},
            "association": self.association,
            "effectiveSecurityRules": [r.as_wire() for r in self.rules],
            "tagMap": tag_map,
        }


def _protocol(value: Any) -> str:
    text = str(value or "*")
    return "All" if text == "*" else text[:1].upper() + text[1:].lower()


def _rules(nsg: dict, context: NicContext, lookup: Lookup) -> tuple[EffectiveRule, ...]:
    out = []
    for collection in ("securityRules", "defaultSecurityRules"):
        for entry in _props(nsg).get(collection) or []:
            p = _props(entry)
            try:
                priority = int(p.get("priority"))
            except (TypeError, ValueError):
                continue
            out.append(
                EffectiveRule(
                    name=f"{collection}/{entry.get('name')}",
                    direction=str(p.get("direction")),
                    access=str(p.get("access")),
                    priority=priority,
                    protocol=_protocol(p.get("protocol")),
                    source=_side(p, "source", context, lookup),
                    destination=_side(p, "destination", context, lookup),
                )
            )
    return tuple(out)


# --- a NIC and what applies to it --------------------------------------------------------------


@dataclass(frozen=True)
class NicContext:
    """A NIC with what its traffic meets: the NSGs in force, its virtual network's address
    space, and whether Standard's secure-by-default applies when no NSG does."""

    nic: dict[str, Any]
    subnet_id: str | None
    vnet_prefixes: tuple[str, ...]
    secure_by_default: bool
    groups: tuple[EffectiveGroup, ...] = field(default=())

    @property
    def addresses(self) -> list[str]:
        out = []
        for ipc in _props(self.nic).get("ipConfigurations") or []:
            address = _props(ipc).get("privateIPAddress")
            if isinstance(address, str) and address:
                out.append(address)
        return out


def primary_ipconfig(nic: dict) -> dict:
    confs = [c for c in _props(nic).get("ipConfigurations") or [] if isinstance(c, dict)]
    return next((c for c in confs if _props(c).get("primary") is True), confs[0] if confs else {})


def _vnet_id(subnet_id: str) -> str:
    return subnet_id.rstrip("/").rsplit("/subnets/", 1)[0]


def nic_context(nic: dict, lookup: Lookup) -> NicContext:
    """What applies at ``nic``: its subnet's NSG, then its own, and the secure-by-default rule."""
    subnet_id = _ref(_props(primary_ipconfig(nic)).get("subnet"))
    vnet = lookup.get(_vnet_id(subnet_id)) if subnet_id else None
    space = _props(vnet).get("addressSpace") or {}
    prefixes = tuple(p for p in space.get("addressPrefixes") or [] if isinstance(p, str))
    context = NicContext(nic, subnet_id, prefixes, _secure_by_default(nic, lookup))
    groups = []
    subnet = lookup.get(subnet_id) if subnet_id else None
    for nsg_id, association in (
        (_ref(_props(subnet).get("networkSecurityGroup")), {"subnet": {"id": subnet_id}}),
        (_ref(_props(nic).get("networkSecurityGroup")), {"networkInterface": {"id": nic["id"]}}),
    ):
        nsg = lookup.get(nsg_id) if nsg_id else None
        if nsg is not None:
            groups.append(EffectiveGroup(nsg["id"], association, _rules(nsg, context, lookup)))
    return NicContext(nic, subnet_id, prefixes, context.secure_by_default, tuple(groups))


def _sku(doc: dict | None) -> str:
    sku = doc.get("sku") if isinstance(doc, dict) else None
    return str(sku.get("name") or "") if isinstance(sku, dict) else ""


def _secure_by_default(nic: dict, lookup: Lookup) -> bool:
    """A member of a Standard load balancer's pool (or NAT rule), or holder of a Standard public
    IP: Standard SKUs are closed to inbound traffic unless an NSG opens them."""
    for ipc in _props(nic).get("ipConfigurations") or []:
        p = _props(ipc)
        for child in (
            *_refs(p.get("loadBalancerBackendAddressPools")),
            *_refs(p.get("loadBalancerInboundNatRules")),
        ):
            lb_id = child.rstrip("/").rsplit("/", 2)[0]
            if _sku(lookup.get(lb_id)) == "Standard":
                return True
        pip = _ref(p.get("publicIPAddress"))
        if pip and _sku(lookup.get(pip)) == "Standard":
            return True
    return False


# --- deciding a flow ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """A 5-tuple at a NIC, as ``ipFlowVerify`` states it (ports None for ``*``)."""

    direction: str  # Inbound / Outbound
    protocol: str  # TCP / UDP
    local_ip: str
    local_port: int | None
    remote_ip: str
    remote_port: int | None


@dataclass(frozen=True)
class Verdict:
    access: str  # Allow / Deny
    rule: str  # the deciding rule, as ipFlowVerify names it
    nsg_id: str | None = None

    @property
    def allowed(self) -> bool:
        return self.access == "Allow"


def evaluate(context: NicContext, flow: Flow) -> Verdict:
    """Allow or Deny, and the rule that decided. Every NSG on the way must allow; inbound the
    subnet's NSG is asked first, outbound the NIC's."""
    groups = context.groups if flow.direction == "Inbound" else tuple(reversed(context.groups))
    if not groups:
        return _without_nsg(context, flow)
    verdict = Verdict("Allow", NO_NSG_ALLOW)
    for group in groups:
        rule = group.decide(flow)
        if rule is None:
            continue
        if rule.access != "Allow":
            return Verdict("Deny", rule.name, group.nsg_id)
        verdict = Verdict("Allow", rule.name, group.nsg_id)
    return verdict


def _without_nsg(context: NicContext, flow: Flow) -> Verdict:
    if flow.direction != "Inbound" or not context.secure_by_default:
        return Verdict("Allow", NO_NSG_ALLOW)
    inside = tags.networks((*context.vnet_prefixes, *tags.AZURE_LOAD_BALANCER))
    if tags.contains(inside, flow.remote_ip):
        return Verdict("Allow", NO_NSG_ALLOW)
    return Verdict("Deny", NO_NSG_DENY)
