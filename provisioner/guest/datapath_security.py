"""The data path's security hop: the NSGs in force at a backend NIC, as an nftables filter.

Input is what Azure answers for ``networkInterfaces/{nic}/effectiveNetworkSecurityGroups`` (the
subnet's NSG, then the NIC's, each with its custom and default rules, service tags already
expanded to prefixes), read through ``provisioner/arm``. Each NSG becomes one chain, its inbound
rules in priority order: the first that matches decides, ``Allow`` passes the packet on to the
next NSG (``return``), ``Deny`` drops it; a packet must pass every NSG, subnet first. With no
NSG at all, a backend of a Standard load balancer is *secure by default*: traffic from outside
its virtual network is dropped, traffic from inside it and the platform's probes
(168.63.129.16) pass.

The filter hooks ``prerouting`` in the VM's namespace (the NSG sits in front of the VM, not in
its firewall, and the guest scripts only ever touch ``input`` chains). Established flows pass,
as NSGs are stateful; IPv6 neighbour discovery passes (it is the host's, not the VM's).

Each rule records the flows it decided in a dynamic set keyed by (destination address,
protocol, destination port), so that a row that fails can be told which rule dropped it — the
kernel's answer, not a second evaluation.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

TABLE = "pvnsg"
PROBE_SOURCE = "168.63.129.16"
#: how the secure-by-default drop is named in results (Azure publishes no rule name for it)
SECURE_BY_DEFAULT = "no NSG on the subnet or the NIC: a Standard SKU is closed to inbound traffic"
_ANY = frozenset({"*", "0.0.0.0/0", "::/0", "any"})
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "esp": "esp", "ah": "ah"}


class SecurityError(ValueError):
    """An effective rule the data path cannot express."""


@dataclass(frozen=True)
class FilterRule:
    """One inbound rule as the filter applies it."""

    name: str  # "securityRules/web", "defaultSecurityRules/DenyAllInBound"
    priority: int
    allow: bool
    protocol: str | None  # "tcp", "udp" … or None for any
    sources: tuple[str, ...] | None  # prefixes; None is any address
    destinations: tuple[str, ...] | None
    source_ports: tuple[tuple[int, int], ...] | None  # None is any port
    destination_ports: tuple[tuple[int, int], ...] | None


@dataclass(frozen=True)
class NsgFilter:
    nsg_id: str
    scope: str  # "subnet" or "NIC"
    rules: tuple[FilterRule, ...]  # inbound, in priority order

    @property
    def nsg_name(self) -> str:
        return self.nsg_id.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class VmSecurity:
    """What stands in front of one backend VM's NIC."""

    groups: tuple[NsgFilter, ...] = ()  # subnet first, then NIC
    secure_by_default: bool = False  # Standard SKU: no NSG means closed to the outside
    inside: tuple[str, ...] = ()  # the virtual network's address space

    def filters(self, enforce_secure_by_default: bool) -> bool:
        return bool(self.groups) or (self.secure_by_default and enforce_secure_by_default)


# --- reading Azure's answer --------------------------------------------------------------------


def _prefixes(rule: Mapping[str, Any], side: str) -> tuple[str, ...] | None:
    expanded = rule.get(f"expanded{side.capitalize()}AddressPrefix")
    if expanded is not None:
        values = list(expanded)
    else:
        single = rule.get(f"{side}AddressPrefix")
        values = [single] if single else list(rule.get(f"{side}AddressPrefixes") or [])
        if any(str(v).lower() in _ANY for v in values):
            return None
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_network(str(value), strict=False)))
        except ValueError as exc:
            raise SecurityError(f"{rule.get('name')}: {side} {value!r} is not a prefix") from exc
    return tuple(out)


def _ports(rule: Mapping[str, Any], side: str) -> tuple[tuple[int, int], ...] | None:
    single = rule.get(f"{side}PortRange")
    values = [single] if single else list(rule.get(f"{side}PortRanges") or [])
    out = []
    for value in values:
        text = str(value)
        if text == "*":
            return None
        low, _, high = text.partition("-")
        try:
            pair = (int(low), int(high or low))
        except ValueError as exc:
            raise SecurityError(f"{rule.get('name')}: {side} port {value!r}") from exc
        if pair == (0, 65535):
            return None
        out.append(pair)
    return tuple(out)


def _rule(raw: Mapping[str, Any]) -> FilterRule:
    protocol = str(raw.get("protocol") or "All").lower()
    return FilterRule(
        name=str(raw.get("name") or "?"),
        priority=int(raw.get("priority") or 0),
        allow=str(raw.get("access")).lower() == "allow",
        protocol=None if protocol in ("all", "*") else _PROTOCOLS.get(protocol, protocol),
        sources=_prefixes(raw, "source"),
        destinations=_prefixes(raw, "destination"),
        source_ports=_ports(raw, "source"),
        destination_ports=_ports(raw, "destination"),
    )


def from_effective(
    groups: Iterable[Mapping[str, Any]], inside: Sequence[str], secure_by_default: bool
) -> VmSecurity:
    """A VM's security from the ``value`` of an effectiveNetworkSecurityGroups answer."""
    out = []
    for group in groups:
        association = group.get("association") or {}
        scope = "subnet" if association.get("subnet") else "NIC"
        rules = [
            _rule(r)
            for r in group.get("effectiveSecurityRules") or []
            if str(r.get("direction")).lower() == "inbound"
        ]
        nsg_id = str((group.get("networkSecurityGroup") or {}).get("id") or "?")
        out.append(NsgFilter(nsg_id, scope, tuple(sorted(rules, key=lambda r: r.priority))))
    out.sort(key=lambda g: g.scope != "subnet")  # subnet first, as Azure evaluates inbound
    return VmSecurity(tuple(out), secure_by_default, tuple(inside))


# --- the nftables program ----------------------------------------------------------------------


@dataclass
class Ruleset:
    """The program for one VM namespace and what each of its hit sets stands for."""

    text: str
    labels: dict[str, tuple[str, bool]] = field(default_factory=dict)  # set → (label, allow)


def _family(prefixes: Iterable[str], version: int) -> list[str]:
    return [p for p in prefixes if ipaddress.ip_network(p).version == version]


def _ports_expr(ports: tuple[tuple[int, int], ...]) -> str:
    items = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ports]
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def _match(rule: FilterRule, version: int) -> str | None:
    """The nft match of ``rule`` for one IP version; None when it can match none of its
    packets (a side whose prefixes are all of the other version, or empty)."""
    ip = "ip6" if version == 6 else "ip"
    parts = []
    for side, prefixes in (("saddr", rule.sources), ("daddr", rule.destinations)):
        if prefixes is None:
            continue
        mine = _family(prefixes, version)
        if not mine:
            return None
        parts.append(f"{ip} {side} {{ {', '.join(mine)} }}")
    if rule.protocol is not None:
        parts.append(f"meta l4proto {rule.protocol}")
    for side, ports in (("sport", rule.source_ports), ("dport", rule.destination_ports)):
        if ports is not None:
            parts.append(f"th {side} {_ports_expr(ports)}")
    return " ".join(parts)


def _key(version: int) -> str:
    ip = "ip6" if version == 6 else "ip"
    return f"{ip} daddr . meta l4proto . th dport"


def _set_decl(name: str, version: int) -> str:
    addr = "ipv6_addr" if version == 6 else "ipv4_addr"
    return f"  set {name} {{ type {addr} . inet_proto . inet_service; flags dynamic; }}"


def _emit(
    body: list[str],
    sets: list[str],
    labels: dict[str, tuple[str, bool]],
    label: str,
    match: str,
    version: int,
    verdict: str,
    allow: bool,
) -> None:
    """A rule that records the flows it sees in its own set, then its verdict."""
    name = f"h{len(labels)}"
    labels[name] = (label, allow)
    sets.append(_set_decl(name, version))
    guard = " ".join(x for x in (f"meta nfproto ipv{version}", match) if x)
    body.append(f"    {guard} meta l4proto {{ tcp, udp }} update @{name} {{ {_key(version)} }}")
    comment = label.replace('"', "'")[:120]
    body.append(f'    {guard} {verdict} comment "{comment}"')


def ruleset(security: VmSecurity, enforce_secure_by_default: bool) -> Ruleset:
    """The nftables program that puts ``security`` in front of a VM."""
    labels: dict[str, tuple[str, bool]] = {}
    sets: list[str] = []
    chains: list[str] = []
    jumps: list[str] = []
    for n, group in enumerate(security.groups):
        body: list[str] = []
        for rule in group.rules:
            label = f"{group.nsg_name} ({group.scope}): {rule.name}"
            verdict = "return" if rule.allow else "drop"
            for version in (4, 6):
                match = _match(rule, version)
                if match is not None:
                    _emit(body, sets, labels, label, match, version, verdict, rule.allow)
        chains += [f"  chain nsg{n} {{", *body, "  }"]
        jumps.append(f"    jump nsg{n}")
    if not security.groups and security.secure_by_default and enforce_secure_by_default:
        body = []
        inside = (*security.inside, f"{PROBE_SOURCE}/32")
        for version in (4, 6):
            mine = _family(inside, version)
            if mine:
                ip = "ip6" if version == 6 else "ip"
                body.append(f"    {ip} saddr {{ {', '.join(mine)} }} return")
            _emit(body, sets, labels, SECURE_BY_DEFAULT, "", version, "drop", False)
        chains += ["  chain nonsg {", *body, "  }"]
        jumps.append("    jump nonsg")
    head = [
        f"table inet {TABLE} {{",
        *sets,
        *chains,
        "  chain front { type filter hook prerouting priority -150; policy accept;",
        '    iif "lo" accept',
        "    ct state established,related accept",
        "    icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert, nd-router-solicit,"
        " nd-router-advert } accept",
        *jumps,
        "  }",
        "}",
        "",
    ]
    return Ruleset("\n".join(head), labels)


# --- reading the kernel's verdicts -------------------------------------------------------------


def parse_hits(listing: str) -> dict[str, set[tuple[str, str, int]]]:
    """``nft -j list sets`` output → set name → {(destination, protocol, port)}."""
    out: dict[str, set[tuple[str, str, int]]] = {}
    for item in json.loads(listing).get("nftables", []):
        s = item.get("set")
        if not s or s.get("table") != TABLE:
            continue
        found = out.setdefault(s["name"], set())
        for elem in s.get("elem") or []:
            parts = elem.get("concat") if isinstance(elem, dict) else None
            if isinstance(elem, dict) and "elem" in elem:
                parts = elem["elem"].get("val", {}).get("concat")
            if parts and len(parts) == 3:
                found.add((str(ipaddress.ip_address(parts[0])), str(parts[1]), int(parts[2])))
    return out


def deciding(
    ruleset_labels: Mapping[str, tuple[str, bool]],
    hits: Mapping[str, set[tuple[str, str, int]]],
    destination: str,
    protocol: str,
    port: int,
) -> list[str]:
    """The rules that dropped traffic to (destination, protocol, port), as labels."""
    flow = (str(ipaddress.ip_address(destination)), protocol, port)
    return [
        label
        for name, (label, allow) in ruleset_labels.items()
        if not allow and flow in hits.get(name, set())
    ]
