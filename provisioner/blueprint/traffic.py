"""The inbound traffic a blueprint asks Azure to deliver, as network security groups see it.

A Standard load balancer delivers nothing from outside the virtual network unless an NSG on the
backend's subnet (or NIC) allows it (azure-traffic.md §1), and what the NSG sees is the packet
as the backend's NIC receives it: from the client (``Internet`` for a public load balancer,
``VirtualNetwork`` for an internal one, or the rule's ``allow_from``), to the **frontend
address** with Floating IP and to the **backend NIC's address** without it, on the backend
port; health probes come from ``AzureLoadBalancer`` to the NIC's address on the probe port.

This module turns a blueprint into those flows, and groups them into *families*: the flows one
NSG rule admits (same IP version, source, protocol and destination port; the destinations are
the union of the family's). ``compile.security`` writes one NSG rule per family; the rules check
explicit NSG rules and existing NSGs against the flows. Both read the same flows from here, so
what is written and what is checked cannot drift apart. When one rule per family would not fit
an NSG, ``fold`` groups the families that differ only in their port into port lists, and the
compiler and the rule count read the same folds.

Pure and tolerant: names that do not resolve are skipped (validation reports them).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from provisioner.blueprint.model import Blueprint, LoadBalancer, Rule, SubnetSecurity

IpVersion = Literal["ipv4", "ipv6"]
NsgProtocol = Literal["Tcp", "Udp", "*"]
FlowKind = Literal["rule", "probe"]

INTERNET = "Internet"
VIRTUAL_NETWORK = "VirtualNetwork"
AZURE_LOAD_BALANCER = "AzureLoadBalancer"
ANY = "*"

_PROTOCOL: dict[str, NsgProtocol] = {"tcp": "Tcp", "udp": "Udp", "all": "*"}


@dataclass(frozen=True)
class Source:
    """One NSG source: a service tag (or ``*``) alone, or prefixes of one IP version."""

    tag: str | None = None
    prefixes: tuple[str, ...] = ()

    def describe(self) -> str:
        return self.tag if self.tag is not None else ", ".join(self.prefixes)


@dataclass(frozen=True)
class Address:
    """A destination known in the blueprint: a static frontend address."""

    value: str


@dataclass(frozen=True)
class SubnetPrefix:
    """A destination anywhere in a subnet of the blueprint (a backend NIC, a dynamic internal
    frontend), in the flow's IP version."""

    subnet: str


@dataclass(frozen=True)
class PublicFrontend:
    """The address of a public frontend: Azure allocates it when the public IP is created."""

    load_balancer: str
    frontend: str


Destination = Address | SubnetPrefix | PublicFrontend


@dataclass(frozen=True)
class Flow:
    """Traffic one load balancer rule (or one health probe) delivers to its backends."""

    kind: FlowKind
    load_balancer: str
    name: str  # the rule's or the probe's name
    ip_version: IpVersion
    protocol: NsgProtocol
    port: int | None  # the destination port the NIC sees; None: every port (HA ports)
    sources: tuple[Source, ...]
    destinations: tuple[Destination, ...]
    #: Subnets of the backends: whose NSG decides (the destination may be a frontend address).
    backend_subnets: tuple[str, ...] = ()

    @property
    def path(self) -> tuple[str, ...]:
        collection = "rules" if self.kind == "rule" else "probes"
        return ("load_balancers", self.load_balancer, collection, self.name)

    @property
    def label(self) -> str:
        what = "rule" if self.kind == "rule" else "probe"
        return f"{what} {self.load_balancer}/{self.name}"


@dataclass(frozen=True)
class Family:
    """The flows one NSG rule admits: one source, one protocol and port, one IP version."""

    kind: FlowKind
    ip_version: IpVersion
    protocol: NsgProtocol
    port: int | None
    source: Source
    flows: tuple[Flow, ...] = field(default=())

    @property
    def destinations(self) -> tuple[Destination, ...]:
        return tuple(dict.fromkeys(d for f in self.flows for d in f.destinations))


def is_network(value: str) -> bool:
    """A CIDR prefix (host bits zero) or a single address: what NSG prefix lists hold."""
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return True


def version_of(value: str) -> IpVersion | None:
    """The IP version of a prefix or address; None for a service tag or ``*``."""
    try:
        return "ipv6" if ipaddress.ip_network(value, strict=False).version == 6 else "ipv4"
    except ValueError:
        return None


def allow_from(lb: LoadBalancer, rule: Rule) -> list[str]:
    """Who may reach a rule: its own ``allow_from``, its load balancer's, else the default."""
    if rule.allow_from is not None:
        return list(rule.allow_from)
    if lb.allow_from is not None:
        return list(lb.allow_from)
    return [INTERNET if lb.type == "public" else VIRTUAL_NETWORK]


def sources_for(entries: Iterable[str], version: IpVersion) -> tuple[Source, ...]:
    """NSG sources of one IP version: each service tag alone (Azure takes a tag only in the
    singular field), the prefixes of ``version`` together; prefixes of the other version (and
    unparsable values, reported by validation) are left out."""
    tags: list[Source] = []
    prefixes: list[str] = []
    for entry in entries:
        v = version_of(entry)
        if v is None:
            if not any(ch in entry for ch in "/:") or entry == ANY:
                tags.append(Source(tag=entry))
        elif v == version and is_network(entry):
            prefixes.append(str(ipaddress.ip_network(entry, strict=True)))
    out = list(dict.fromkeys(tags))
    if prefixes:
        out.append(Source(prefixes=tuple(sorted(set(prefixes)))))
    return tuple(out)


class _Backends:
    """Subnets of the VMs the environment creates, per pool entry (``web`` or ``web-2``)."""

    def __init__(self, bp: Blueprint) -> None:
        self.bp = bp
        self.expanded = bp.expanded_vms()

    def subnets(self, entries: Iterable[str]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for entry in entries:
            vm = self.bp.vms.get(entry)
            if vm is None and entry in self.expanded:
                vm = self.expanded[entry][1]
            if vm is None or vm.existing_id is not None or vm.subnet is None:
                continue  # an existing VM's NIC is not behind the environment's NSG
            if vm.subnet in self.bp.network.subnets:
                out[vm.subnet] = None
        return tuple(out)


def frontend_destination(
    bp: Blueprint, lb_name: str, fe_name: str, version: IpVersion
) -> Destination | None:
    """Where a Floating IP flow is addressed: the frontend's own address."""
    lb = bp.load_balancers[lb_name]
    fe = lb.frontends.get(fe_name)
    if fe is None:
        return None
    if lb.type == "public":
        return PublicFrontend(lb_name, fe_name)
    if fe.private_ip is not None:
        return Address(fe.private_ip)
    if fe.subnet is not None and fe.subnet in bp.network.subnets:
        return SubnetPrefix(fe.subnet)  # a dynamic address: somewhere in its subnet
    return None


def _version(lb: LoadBalancer, rule: Rule) -> IpVersion:
    frontend = lb.frontends.get(rule.frontend)
    return "ipv4" if frontend is None else frontend.ip_version


def _has_prefix(bp: Blueprint, subnet: str, version: IpVersion) -> bool:
    spec = bp.network.subnets[subnet]
    return spec.ipv6_prefix is not None if version == "ipv6" else True


def rule_flows(bp: Blueprint) -> list[Flow]:
    """One flow per load balancing rule whose backends the environment creates."""
    backends = _Backends(bp)
    out: list[Flow] = []
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            pool = lb.pools.get(rule.pool)
            if pool is None or rule.frontend not in lb.frontends:
                continue
            version = _version(lb, rule)
            subnets = [s for s in backends.subnets(pool.vms) if _has_prefix(bp, s, version)]
            if not subnets:
                continue
            destinations: tuple[Destination, ...]
            if rule.floating_ip:
                target = frontend_destination(bp, lb_name, rule.frontend, version)
                destinations = (target,) if target is not None else ()
            else:
                destinations = tuple(SubnetPrefix(s) for s in subnets)
            protocol = _PROTOCOL[rule.protocol]
            port = None if protocol == ANY else rule.effective_backend_port
            out.append(
                Flow(
                    kind="rule",
                    load_balancer=lb_name,
                    name=rule_name,
                    ip_version=version,
                    protocol=protocol,
                    port=port,
                    sources=sources_for(allow_from(lb, rule), version),
                    destinations=destinations,
                    backend_subnets=tuple(subnets),
                )
            )
    return out


def probe_flows(bp: Blueprint) -> list[Flow]:
    """One flow per probe and IP version of the rules that use it: from ``AzureLoadBalancer``
    to the backends' NIC addresses (never the frontend, even with Floating IP), over TCP."""
    backends = _Backends(bp)
    out: list[Flow] = []
    for lb_name, lb in bp.load_balancers.items():
        subnets_of: dict[tuple[str, IpVersion], dict[str, None]] = {}
        for rule in lb.rules.values():
            pool = lb.pools.get(rule.pool)
            if rule.probe is None or rule.probe not in lb.probes or pool is None:
                continue
            version = _version(lb, rule)
            found = subnets_of.setdefault((rule.probe, version), {})
            for subnet in backends.subnets(pool.vms):
                if _has_prefix(bp, subnet, version):
                    found[subnet] = None
        for (probe_name, version), subnets in subnets_of.items():
            if not subnets:
                continue
            out.append(
                Flow(
                    kind="probe",
                    load_balancer=lb_name,
                    name=probe_name,
                    ip_version=version,
                    protocol="Tcp",  # http and https probes are TCP connections too
                    port=lb.probes[probe_name].port,
                    sources=(Source(tag=AZURE_LOAD_BALANCER),),
                    destinations=tuple(SubnetPrefix(s) for s in subnets),
                    backend_subnets=tuple(subnets),
                )
            )
    return out


def inbound_flows(bp: Blueprint) -> list[Flow]:
    """Every rule flow, then every probe flow, in blueprint order."""
    return [*rule_flows(bp), *probe_flows(bp)]


def families(flows: Iterable[Flow]) -> list[Family]:
    """Flows grouped by what one NSG rule can admit, in order of first appearance."""
    grouped: dict[tuple[object, ...], list[Flow]] = {}
    keys: dict[tuple[object, ...], tuple[FlowKind, IpVersion, NsgProtocol, int | None, Source]] = {}
    for flow in flows:
        for source in flow.sources:
            key = (flow.kind, flow.ip_version, flow.protocol, flow.port, source)
            grouped.setdefault(key, []).append(flow)
            keys[key] = (flow.kind, flow.ip_version, flow.protocol, flow.port, source)
    out = []
    for key, members in grouped.items():
        kind, version, protocol, port, source = keys[key]
        out.append(Family(kind, version, protocol, port, source, tuple(members)))
    return out


#: Security rules one NSG may hold, the user's and the derived together (azure-docs
#: includes/azure-virtual-network-limits.md, "NSG rules per NSG"; azure-rest-api-specs#3003 for
#: the refusal, ``SecurityRuleCountLimitReached``).
NSG_RULES_MAX = 1000
#: Ports one folded rule may cover: an aligned block, so at most half as many port list entries
#: once adjacent ports are compacted. Azure documents no cap on a rule's ``destinationPortRanges``
#: (the REST spec's ``SecurityRulePropertiesFormat`` sets no ``maxItems``; the limits page caps
#: rules per NSG at 1,000 and addresses and ranges per NSG at 4,000 per side), but its usages API
#: counts "Security rules addresses or ports per Network Security Group"
#: (``SecurityRuleAddressesOrPortsPerNetworkSecurityGroup``), so a port list is not free: a
#: block keeps each rule's list bounded (at most 512 entries) and the fold's name stable.
FOLD_BLOCK = 1024


@dataclass(frozen=True)
class Fold:
    """Families that differ only in their port, in one aligned block of ports: one NSG rule
    with a port list. Folding happens only when one rule per family would not fit the NSG."""

    kind: FlowKind
    ip_version: IpVersion
    protocol: NsgProtocol
    source: Source
    destinations: tuple[Destination, ...]
    block: int  # the ports ``block * FOLD_BLOCK`` up to the next block
    families: tuple[Family, ...]

    @property
    def flows(self) -> tuple[Flow, ...]:
        return tuple(f for family in self.families for f in family.flows)

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(sorted({f.port for f in self.families if f.port is not None}))

    @property
    def first_port(self) -> int:
        return self.block * FOLD_BLOCK

    @property
    def last_port(self) -> int:
        return min(self.first_port + FOLD_BLOCK - 1, 65535)


def must_fold(families_: Iterable[Family], own_rules: int) -> bool:
    """One NSG rule per family, plus the user's own, would exceed what an NSG holds."""
    return len(list(families_)) + own_rules > NSG_RULES_MAX


def fold(families_: Iterable[Family]) -> list[Family | Fold]:
    """Families sharing kind, IP version, protocol, source and destinations folded into one
    rule per block of ports; a family of every port (HA ports) stays as it is. In order of
    first appearance."""
    slots: dict[object, list[Family]] = {}
    for i, family in enumerate(families_):
        if family.port is None:
            slots[i] = [family]
            continue
        key = (
            family.kind,
            family.ip_version,
            family.protocol,
            family.source,
            frozenset(family.destinations),
            family.port // FOLD_BLOCK,
        )
        slots.setdefault(key, []).append(family)
    out: list[Family | Fold] = []
    for members in slots.values():
        first = members[0]
        if first.port is None:
            out.append(first)
            continue
        destinations = tuple(dict.fromkeys(d for f in members for d in f.destinations))
        block = first.port // FOLD_BLOCK
        out.append(
            Fold(
                first.kind,
                first.ip_version,
                first.protocol,
                first.source,
                destinations,
                block,
                tuple(members),
            )
        )
    return out


def compact_ports(ports: Iterable[int]) -> list[str]:
    """Sorted ports as an NSG port list: ``[80, 81, 82, 443]`` → ``["80-82", "443"]``."""
    out: list[str] = []
    run: list[int] = []
    for port in sorted(set(ports)):
        if run and port == run[-1] + 1:
            run.append(port)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [port]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return out


def vm_subnets(bp: Blueprint) -> tuple[str, ...]:
    """Subnets that hold VMs the environment creates (and so need outbound), in order."""
    found = {
        vm.subnet: None
        for vm in bp.vms.values()
        if vm.existing_id is None and vm.subnet in bp.network.subnets
    }
    return tuple(s for s in bp.network.subnets if s in found)


def outbound_mode(bp: Blueprint) -> str:
    """The blueprint's outbound mode, with its default filled in: a NAT gateway for a virtual
    network the environment creates, the existing subnets' own outbound otherwise."""
    if bp.outbound.mode is not None:
        return bp.outbound.mode
    return "existing" if bp.network.existing_id is not None else "nat_gateway"


def outbound_load_balancer(bp: Blueprint) -> str | None:
    """``lb_outbound_rule``: the public load balancer that carries the outbound rule (the one
    named, else the only public one); None when there is none to choose."""
    if outbound_mode(bp) != "lb_outbound_rule":
        return None
    if bp.outbound.load_balancer is not None:
        return bp.outbound.load_balancer
    public = [name for name, lb in bp.load_balancers.items() if lb.type == "public"]
    return public[0] if len(public) == 1 else None


def subnet_security(bp: Blueprint, subnet: str) -> SubnetSecurity:
    """The security a subnet gets: its own ``security``, else the blueprint's."""
    spec = bp.network.subnets.get(subnet)
    own = spec.security if spec is not None else None
    return own if own is not None else bp.security
