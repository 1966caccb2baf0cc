"""Checks on a network security group PUT: at most 1,000 custom rules, every custom rule, then
priorities per direction.

A rule needs a protocol, an access, a direction, a priority from 100 to 4096 that no other rule
of its direction holds, port ranges (``*``, a port, or ``low-high``) and, on each side, an
address: ``*``, a service tag, an address or a CIDR prefix with no host bits in the singular
field, only addresses and prefixes in the plural lists. The default rules (priorities 65000 and
up) are the service's own and are never checked. A child PUT of one rule arrives here as the
whole NSG with that rule merged in, so both ways in get the same answers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from . import catalog
from .ids import items, props, refs
from .model import as_int
from .service_tags import is_service_tag

PROTOCOLS = ("Tcp", "Udp", "Icmp", "Esp", "Ah", "*")
ACCESSES = ("Allow", "Deny")
DIRECTIONS = ("Inbound", "Outbound")
PRIORITY_RANGE = (100, 4096)
#: Custom rules, both directions together, one NSG may hold (the six defaults do not count).
RULES_MAX = 1000


@dataclass(frozen=True)
class SecurityRule:
    """A custom security rule reduced to what the checks read."""

    id: str
    name: str
    props: dict

    @property
    def priority(self) -> int | None:
        return as_int(self.props.get("priority"))

    @property
    def direction(self) -> object:
        return self.props.get("direction")


def parse_rules(doc: dict) -> list[SecurityRule]:
    nsg_id = str(doc.get("id") or "")
    out = []
    for entry in items(props(doc).get("securityRules")):
        name = str(entry.get("name") or "")
        rid = str(entry.get("id") or f"{nsg_id}/securityRules/{name}")
        out.append(SecurityRule(rid, name, props(entry)))
    return out


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this NSG document."""
    rules = parse_rules(doc)
    if len(rules) > RULES_MAX:
        raise catalog.NSG_RULE_COUNT.violation(limit=RULES_MAX)
    for rule in rules:
        check_rule(rule)
    check_priorities(rules)


def check_rule(rule: SecurityRule) -> None:
    """One rule on its own: required parameters, enums, priority, ports and addresses."""
    p = rule.props
    if p.get("protocol") not in PROTOCOLS:
        raise catalog.NSG_PROTOCOL.violation(value=_shown(p.get("protocol")))
    if p.get("access") not in ACCESSES:
        raise catalog.NSG_ACCESS.violation(rule=rule.id, value=_shown(p.get("access")))
    if rule.direction not in DIRECTIONS:
        raise catalog.NSG_DIRECTION.violation(rule=rule.id, value=_shown(rule.direction))
    low, high = PRIORITY_RANGE
    priority = rule.priority
    if priority is None or not low <= priority <= high:
        raise catalog.NSG_PRIORITY.violation(value=_shown(p.get("priority", 0)))
    for side in ("source", "destination"):
        _check_ports(rule, side)
        _check_addresses(rule, side)


def _shown(value: object) -> str:
    return "" if value is None else str(value)


def _check_ports(rule: SecurityRule, side: str) -> None:
    single = rule.props.get(f"{side}PortRange")
    many = rule.props.get(f"{side}PortRanges")
    many = many if isinstance(many, list) else []
    if single in (None, "") and not many:
        cap = side.capitalize()
        raise catalog.NSG_PARAMETERS_MISSING.violation(
            rule=rule.id, what=f"{cap}PortRanges or {cap}PortRange"
        )
    for value in ([single] if single not in (None, "") else []) + many:
        if not valid_port_range(value):
            raise catalog.NSG_PORT_RANGE.violation(value=value)


def valid_port_range(value: object) -> bool:
    """``*``, a port, or ``low-high`` with ``low <= high``, all within 0-65535."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value <= 65535
    if not isinstance(value, str):
        return False
    if value == "*":
        return True
    parts = value.split("-")
    if len(parts) > 2 or not all(part.isdigit() for part in parts):
        return False
    ports = [int(part) for part in parts]
    return all(0 <= port <= 65535 for port in ports) and ports[0] <= ports[-1]


def _check_addresses(rule: SecurityRule, side: str) -> None:
    cap = side.capitalize()
    single = rule.props.get(f"{side}AddressPrefix")
    many = rule.props.get(f"{side}AddressPrefixes")
    many = many if isinstance(many, list) else []
    groups = refs(rule.props.get(f"{side}ApplicationSecurityGroups"))
    if single in (None, "") and not many and not groups:
        raise catalog.NSG_PARAMETERS_MISSING.violation(
            rule=rule.id,
            what=f"{cap}AddressPrefixes, {cap}AddressPrefix, or {cap}ApplicationSecurityGroups",
        )
    if single not in (None, "") and not is_address(single):
        raise catalog.NSG_ADDRESS_PREFIX.violation(value=single)
    for value in many:
        if isinstance(value, str) and (value == "*" or is_service_tag(value)):
            raise catalog.NSG_UNSUPPORTED_VALUE.violation(
                parameter=f"{cap}AddressPrefix", rule=rule.id, value=value
            )
        if not isinstance(value, str) or not is_prefix(value):
            raise catalog.NSG_ADDRESS_PREFIX.violation(value=value)


def is_address(value: object) -> bool:
    """What the singular address fields take: ``*``, a service tag, an address or a prefix."""
    return isinstance(value, str) and (value == "*" or is_service_tag(value) or is_prefix(value))


def is_prefix(value: str) -> bool:
    """An address or a CIDR prefix whose host bits are zero (``20.20.20.20/16`` is refused)."""
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError:
        return False
    return True


def check_priorities(rules: list[SecurityRule]) -> None:
    """No two rules of one direction share a priority; the earlier one is named first."""
    seen: dict[tuple[object, int | None], SecurityRule] = {}
    for rule in rules:
        slot = (rule.direction, rule.priority)
        first = seen.get(slot)
        if first is not None:
            raise catalog.NSG_CONFLICT.violation(first=first.name, second=rule.name)
        seen[slot] = rule
