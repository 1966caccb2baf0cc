"""The environment's network security group: the rules the load balancer rules need, derived.

A Standard load balancer delivers nothing from outside the virtual network unless an NSG allows
it (azure-traffic.md §1), so ``security: managed`` (the default) gives the environment one NSG,
attached inline to every subnet it secures (in the VNet PUT: a "deny subnets without an NSG"
policy never sees a bare subnet), or to the environment's NICs when the VNet is not its own.

Its rules, besides the user's own (``security.rules``, priorities as written):

- one **Allow** rule per family of flows (``blueprint/traffic.py``): same IP version, source,
  protocol and destination port; destinations are the family's frontend addresses (Floating
  IP), backend subnets (no Floating IP) or both. HA ports are protocol and ports ``*``.
- one **Allow** rule per probe port and IP version, from ``AzureLoadBalancer`` to the backend
  subnets. The default ``AllowAzureLoadBalancerInBound`` (65001) admits probes already; the
  explicit rule says so in the NSG itself and nothing the tool writes ever denies.

Derived rules are named from their identity (``lb_tcp-80_ipv4_internet``, ``probe_tcp-8080_ipv4``;
``_`` never appears in a blueprint name) and take the priority a hash of that name points at in
1000-4096, stepping to the next free one on a collision (ascending, wrapping); the user's rules
keep theirs. So adding a rule to the blueprint adds or changes only the NSG rule of its family:
the others keep their numbers. ``plan.merge`` goes one step further and keeps the priority a
derived rule already has live, so not even a hash collision renumbers a rule that exists.

An NSG holds at most 1,000 rules. When one rule per family and the user's own would exceed that,
and only then (``traffic.must_fold``), families that differ only in their port fold into one rule
per aligned block of ports (``traffic.fold``) with a sorted, compacted ``destinationPortRanges``,
named for the fold (``lb_tcp-20480-21503_ipv4_internet_to-1a2b3c4d``) and never for its ports, so
one port more or less changes that rule's list and nothing else. Below the line the rules are
what they always were, byte for byte.

A public frontend's address is allocated when its public IP is created: the destination is a
placeholder (``address_placeholder``) that the planner and the executor fill in from the live
public IP, which the graph creates first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from provisioner.blueprint.model import Blueprint, NsgRule
from provisioner.blueprint.traffic import (
    ANY,
    Address,
    Destination,
    Family,
    Fold,
    PublicFrontend,
    Source,
    SubnetPrefix,
    compact_ports,
    families,
    fold,
    inbound_flows,
    must_fold,
)
from provisioner.compile import ids, names, wire
from provisioner.compile.scope import Scope

if TYPE_CHECKING:  # imported where a body is built: ``validate`` compiles without the SDK
    from azure.mgmt.network import models as net

#: Priorities derived rules take; the user's own rules below 1000 come before all of them.
DERIVED_LOW, DERIVED_HIGH = 1000, 4096
RULES = "securityRules"
DESCRIPTION_MAX = 140

_PLACEHOLDER = re.compile(r"^<address of (?P<key>[^>]+)>$")

_ACCESS = {"allow": "Allow", "deny": "Deny"}
_DIRECTION = {"inbound": "Inbound", "outbound": "Outbound"}
_PROTOCOL = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "all": "*"}


def address_placeholder(resource_key: str) -> str:
    """Stands for the address of the public IP ``resource_key`` until Azure allocates it."""
    return f"<address of {resource_key}>"


def placeholder_key(value: object) -> str | None:
    """The resource key an address placeholder names; None for anything else."""
    match = _PLACEHOLDER.match(value) if isinstance(value, str) else None
    return match["key"] if match else None


def is_derived(rule_name: str) -> bool:
    """A rule the tool derived (its name holds ``_``, which no blueprint name can)."""
    return "_" in rule_name


def _token(value: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", value.lower()).strip("-") or "any"


def _source_token(source: Source) -> str:
    if source.tag is not None:
        return "any" if source.tag == ANY else _token(source.tag)
    digest = hashlib.sha256(",".join(source.prefixes).encode()).hexdigest()[:8]
    return f"cidrs-{digest}"


def family_rule_name(family: Family) -> str:
    """``lb_tcp-80_ipv4_internet``, ``lb_all_ipv4_virtualnetwork``, ``probe_tcp-8080_ipv6``."""
    protocol = "all" if family.protocol == ANY else family.protocol.lower()
    port = f"{protocol}-{family.port}" if family.port is not None else protocol
    if family.kind == "probe":
        return names.fit(f"probe_{port}_{family.ip_version}", names.SECURITY_RULE_MAX)
    source = _source_token(family.source)
    return names.fit(f"lb_{port}_{family.ip_version}_{source}", names.SECURITY_RULE_MAX)


def _destinations_token(destinations: Iterable[Destination]) -> str:
    """The destination set as a short stable token: what the blueprint names (a subnet, a
    frontend), not the addresses Azure allocates, so the name is known before they are."""
    text = "|".join(sorted(repr(d) for d in set(destinations)))
    return "to-" + hashlib.sha256(text.encode()).hexdigest()[:8]


def fold_rule_name(group: Fold) -> str:
    """``lb_tcp-10240-11263_ipv4_internet_to-1a2b3c4d``: the fold's identity (protocol, block of
    ports, IP version, source, destinations), never the ports it holds, so adding or removing
    a port keeps the rule's name (and its priority)."""
    protocol = "all" if group.protocol == ANY else group.protocol.lower()
    block = f"{protocol}-{group.first_port}-{group.last_port}"
    to = _destinations_token(group.destinations)
    if group.kind == "probe":
        return names.fit(f"probe_{block}_{group.ip_version}_{to}", names.SECURITY_RULE_MAX)
    source = _source_token(group.source)
    return names.fit(f"lb_{block}_{group.ip_version}_{source}_{to}", names.SECURITY_RULE_MAX)


def derived_groups(bp: Blueprint) -> list[Family | Fold]:
    """What becomes one derived rule each: the families, folded by port when one rule per
    family and the user's own would not fit the NSG (``traffic.must_fold``)."""
    found = families(inbound_flows(bp))
    return fold(found) if must_fold(found, len(bp.security.rules)) else found


def priority_slot(rule_name: str) -> int:
    """Where a derived rule's priority starts looking: a stable hash of its name."""
    digest = int(hashlib.sha256(rule_name.encode()).hexdigest()[:8], 16)
    return DERIVED_LOW + digest % (DERIVED_HIGH - DERIVED_LOW + 1)


def assign_priorities(
    rule_names: Iterable[str], taken: Iterable[int], keep: Mapping[str, int] | None = None
) -> dict[str, int]:
    """A priority for each derived rule: the one it has live (``keep``) when still free, else
    its hash slot or the next free one after it (wrapping in 1000-4096). ``taken`` are the
    user's own inbound priorities. Deterministic: the same names, taken and kept give the same
    answer, whatever order the names come in."""
    used = set(taken)
    out: dict[str, int] = {}
    wanted = sorted(set(rule_names))
    for name in wanted:
        live = (keep or {}).get(name)
        if live is not None and DERIVED_LOW <= live <= DERIVED_HIGH and live not in used:
            out[name] = live
            used.add(live)
    size = DERIVED_HIGH - DERIVED_LOW + 1
    for name in sorted((n for n in wanted if n not in out), key=lambda n: (priority_slot(n), n)):
        slot = priority_slot(name)
        for step in range(size):
            candidate = DERIVED_LOW + (slot - DERIVED_LOW + step) % size
            if candidate not in used:
                out[name] = candidate
                used.add(candidate)
                break
        else:  # more rules than priorities: validation refuses such a blueprint first
            raise ValueError("no free priority left for derived security rules")
    return out


def _destination_prefixes(
    bp: Blueprint, family: Family | Fold, frontend_ips: Mapping[tuple[str, str], str]
) -> list[str]:
    out: list[str] = []
    for target in family.destinations:
        if isinstance(target, Address):
            out.append(target.value)
        elif isinstance(target, SubnetPrefix):
            subnet = bp.network.subnets[target.subnet]
            prefix = subnet.ipv6_prefix if family.ip_version == "ipv6" else subnet.prefix
            if prefix is not None:
                out.append(prefix)
        elif isinstance(target, PublicFrontend):
            address = frontend_ips.get((target.load_balancer, target.frontend))
            if address is not None:
                out.append(address)
    return list(dict.fromkeys(out))


def _description(group: Family | Fold) -> str:
    what = "probes" if group.kind == "probe" else "load balancer rules"
    flows = dict.fromkeys(f.load_balancer + "/" + f.name for f in group.flows)
    text = f"provisioner: {what} " + ", ".join(flows)
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"


def _rule(nsg_id: str, name: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "id": ids.child_id(nsg_id, RULES, name), "properties": props}


def _side(props: dict[str, Any], side: str, values: list[str]) -> None:
    """One address per singular field (tags and ``*`` only fit there), several in the list."""
    if len(values) == 1:
        props[f"{side}AddressPrefix"] = values[0]
    else:
        props[f"{side}AddressPrefixes"] = list(values)


def derived_rules(
    bp: Blueprint,
    nsg_id: str,
    frontend_ips: Mapping[tuple[str, str], str],
    taken: Iterable[int] = (),
) -> list[dict[str, Any]]:
    """The Allow rules the load balancer rules and probes need (wire JSON), by name."""
    found: dict[str, tuple[Family | Fold, list[str]]] = {}
    for group in derived_groups(bp):
        destinations = _destination_prefixes(bp, group, frontend_ips)
        if destinations:
            name = fold_rule_name(group) if isinstance(group, Fold) else family_rule_name(group)
            found[name] = (group, destinations)
    priorities = assign_priorities(found, taken)
    out = []
    for name, (group, destinations) in sorted(found.items(), key=lambda kv: priorities[kv[0]]):
        props: dict[str, Any] = {
            "description": _description(group),
            "priority": priorities[name],
            "access": "Allow",
            "direction": "Inbound",
            "protocol": group.protocol,
            "sourcePortRange": ANY,
        }
        if isinstance(group, Fold):
            props["destinationPortRanges"] = compact_ports(group.ports)
        else:
            props["destinationPortRange"] = ANY if group.port is None else str(group.port)
        source = group.source
        _side(props, "source", [source.tag] if source.tag is not None else list(source.prefixes))
        props["destinationAddressPrefixes"] = destinations  # addresses and prefixes only
        out.append(_rule(nsg_id, name, props))
    return out


def explicit_rule(nsg_id: str, name: str, rule: NsgRule) -> dict[str, Any]:
    """A rule of the user's own, as written."""
    props: dict[str, Any] = {
        "priority": rule.priority,
        "access": _ACCESS[rule.access],
        "direction": _DIRECTION[rule.direction],
        "protocol": _PROTOCOL[rule.protocol],
        "sourcePortRange": ANY,
    }
    ports = [str(p) for p in rule.ports]
    if len(ports) == 1:
        props["destinationPortRange"] = ports[0]
    else:
        props["destinationPortRanges"] = ports
    _side(props, "source", list(rule.sources))
    _side(props, "destination", list(rule.destinations))
    return _rule(nsg_id, name, props)


def security_rules(
    bp: Blueprint, nsg_id: str, frontend_ips: Mapping[tuple[str, str], str]
) -> list[dict[str, Any]]:
    """The user's rules, then the derived ones (in priority order)."""
    explicit = [explicit_rule(nsg_id, n, r) for n, r in bp.security.rules.items()]
    taken = [r.priority for r in bp.security.rules.values() if r.direction == "inbound"]
    return [*explicit, *derived_rules(bp, nsg_id, frontend_ips, taken)]


def network_security_group_body(
    scope: Scope, bp: Blueprint, nsg_id: str, frontend_ips: Mapping[tuple[str, str], str]
) -> net.NetworkSecurityGroup:
    """The environment's NSG. ``frontend_ips`` maps a public frontend (load balancer, frontend)
    to its address, or to the placeholder of its public IP's address."""
    raw = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "properties": {RULES: security_rules(bp, nsg_id, frontend_ips)},
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.NetworkSecurityGroup, raw)
