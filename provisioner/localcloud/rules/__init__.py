"""Azure's rules, enforced by the local cloud before it commits a write: its only refusals.

The engine calls one ``check_*`` function per PUT (with the normalised ARM document about to be
stored, before addresses are allocated) or ``check_delete`` before a DELETE (with the stored
document). Each raises the
first :class:`RuleViolation` Azure would report, carrying Azure's status, error code and message
template, so SDK clients see what production returns. ``catalog.ALL_CODES`` lists every code,
whether it was seen in real Azure traffic, and where.

Written independently of the tool's own blueprint validator (``provisioner.rules``): the two
check each other, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from . import (
    deletes,
    load_balancer,
    nat_gateway,
    network_interface,
    network_security_group,
    network_watcher,
    public_ip,
    virtual_machine,
    virtual_network,
)
from .catalog import ALL_CODES, ErrorCode
from .violation import RuleViolation


class Lookup(Protocol):
    """Read access to the store as it is *without* the resource being written.

    ``get`` is case-insensitive and resolves top-level and child ids (subnets, LB children, NIC
    ipConfigurations); ``of_type`` yields every stored document of an ARM type and ``count``
    says how many there are without reading them.
    """

    def get(self, resource_id: str) -> dict | None: ...

    def of_type(self, arm_type: str) -> Iterable[dict]: ...

    def count(self, arm_type: str) -> int: ...


RuleCheck = Callable[[dict, Lookup], None]
"""The shape of every ``check_*`` below: raise the first violation, or return."""


def check_load_balancer_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a load balancer PUT Azure would refuse (schema, references, SKU, U1–U3, HA ports,
    limits, outbound rules, and the backend checks of NICs already in its pools)."""
    load_balancer.check(doc, lookup)


def check_network_security_group_put(doc: dict, lookup: Lookup) -> None:
    """Refuse an NSG PUT Azure would refuse (each rule's protocol, access, direction, priority,
    ports and addresses; one priority per direction)."""
    network_security_group.check(doc, lookup)


def check_network_watcher_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a second Network Watcher in a region (one per region and subscription)."""
    network_watcher.check(doc, lookup)


def check_nat_gateway_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a NAT gateway PUT Azure would refuse (Standard public IPs and prefixes that exist,
    are free and fit its zone; idle timeout; 16 addresses)."""
    nat_gateway.check(doc, lookup)


def check_network_interface_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a NIC PUT Azure would refuse (references and its NSG, private addresses and subnet
    room, public IPs, U4/U5, floating IP on secondary ipconfigs, HA ports exclusivity, 300 rules
    per NIC, outbound rule ports and secondary members)."""
    network_interface.check(doc, lookup)


def check_public_ip_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a public IP PUT Azure would refuse (SKU vs allocation method, quota)."""
    public_ip.check(doc, lookup)


def check_virtual_network_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a VNet PUT Azure would refuse (subnet ranges, overlaps, each subnet's NSG and NAT
    gateway, dropping used subnets)."""
    virtual_network.check(doc, lookup)


def check_virtual_machine_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a VM PUT Azure would refuse (missing NIC, NIC or disk attached to another VM)."""
    virtual_machine.check(doc, lookup)


def check_delete(doc: dict, lookup: Lookup) -> None:
    """Refuse a DELETE of a public IP, VNet, subnet, NIC, LB, NSG, NAT gateway, public IP
    prefix or disk that is still in use."""
    deletes.check(doc, lookup)


__all__ = [
    "ALL_CODES",
    "ErrorCode",
    "Lookup",
    "RuleCheck",
    "RuleViolation",
    "check_delete",
    "check_load_balancer_put",
    "check_nat_gateway_put",
    "check_network_interface_put",
    "check_network_security_group_put",
    "check_network_watcher_put",
    "check_public_ip_put",
    "check_virtual_machine_put",
    "check_virtual_network_put",
]
