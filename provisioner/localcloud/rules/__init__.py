"""Azure's load balancer rules, enforced by the local cloud before it commits a write.

The engine calls one ``check_*`` function per PUT or DELETE; each raises :class:`RuleViolation`
carrying Azure's own status, error code and message, so SDK clients see what production returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class RuleViolation(Exception):
    """A write Azure would refuse; rendered by the engine as an ARM error body."""

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details or [])


class Lookup(Protocol):
    """Read access to the store as it is without the resource being written."""

    def get(self, resource_id: str) -> dict | None: ...

    def of_type(self, arm_type: str) -> Iterable[dict]: ...


def check_load_balancer_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a load balancer PUT that Azure would refuse."""


def check_network_interface_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a network interface PUT that Azure would refuse."""


def check_public_ip_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a public IP PUT that Azure would refuse."""


def check_virtual_network_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a virtual network PUT that Azure would refuse."""


def check_virtual_machine_put(doc: dict, lookup: Lookup) -> None:
    """Refuse a virtual machine PUT that Azure would refuse."""


def check_delete(doc: dict, lookup: Lookup) -> None:
    """Refuse a DELETE of a resource that is still in use."""


__all__ = [
    "Lookup",
    "RuleViolation",
    "check_delete",
    "check_load_balancer_put",
    "check_network_interface_put",
    "check_public_ip_put",
    "check_virtual_machine_put",
    "check_virtual_network_put",
]
