"""The desired state: what a blueprint compiles to, and the only thing later stages read.

Resource bodies are the Azure SDK's own model objects, so what the planner diffs and what the
executor PUTs is exactly what goes on the wire. Everything else here is plain frozen data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from provisioner.compile.tags import (
    EXPIRES_WITH_GROUP,
    MANAGED_VALUE,
    TAG_BLUEPRINT,
    TAG_CREATED,
    TAG_ENV,
    TAG_EXPIRES,
    TAG_MANAGED,
)

#: A path into the blueprint document, e.g. ("load_balancers", "lb", "rules", "green", "port").
#: The CLI turns it into file:line:column through the loader's source map.
BlueprintPath = tuple[str | int, ...]


class Kind(StrEnum):
    RESOURCE_GROUP = "resource_group"
    VIRTUAL_NETWORK = "virtual_network"
    PUBLIC_IP = "public_ip"
    NAT_GATEWAY = "nat_gateway"
    NETWORK_SECURITY_GROUP = "network_security_group"
    LOAD_BALANCER = "load_balancer"
    NETWORK_INTERFACE = "network_interface"
    VIRTUAL_MACHINE = "virtual_machine"


class Ownership(StrEnum):
    #: Created, updated and deleted by this environment; carries the ownership tags.
    OWNED = "owned"
    #: Exists outside the environment (brownfield); read and referenced, never written or deleted.
    REFERENCED = "referenced"
    #: Exists outside the environment, but the environment adds to it (an existing VM's NIC
    #: joins pools): the executor merges its additions into the live resource, and ``down``
    #: takes them out.
    ADOPTED = "adopted"


@dataclass(frozen=True)
class DesiredResource:
    """One Azure resource as the blueprint wants it."""

    key: str  # graph key, unique in the state: f"{kind}/{name}"
    kind: Kind
    name: str
    id: str  # full ARM id, case as Azure will echo it
    resource_group: str
    body: Any  # azure.mgmt.*.models object to PUT (a ResourceGroup for the group); wire JSON
    # when compiled with ``sdk_bodies=False`` (``validate``, which never PUTs)
    depends_on: tuple[str, ...] = ()
    source: BlueprintPath = ()
    ownership: Ownership = Ownership.OWNED
    #: Lower-case ids of resources the environment owns that this body deliberately does not
    #: reference (the environment's NSG on a subnet with ``security: none``, its NAT gateway on
    #: a subnet without VMs): an update never carries such a reference over from live.
    releases: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FrontendRef:
    load_balancer: str  # blueprint name of the load balancer
    frontend: str  # blueprint name of the frontend
    resource_key: str  # key of the DesiredResource whose live state holds the IP (LB or public IP)


@dataclass(frozen=True)
class GuestListener:
    """One Floating IP rule's demand on one VM: hold ``frontend``'s IP, open protocol/port."""

    frontend: FrontendRef
    ip_version: Literal["ipv4", "ipv6"]
    protocol: Literal["tcp", "udp", "all"]
    port: int  # the backend port (the destination port the VM sees)
    rule: str  # "<lb>/<rule>", for messages


@dataclass(frozen=True)
class GuestProbe:
    """A health probe that reaches one VM: TCP (http and https probes too) to its NIC address."""

    ip_version: Literal["ipv4", "ipv6"]
    port: int
    probe: str  # "<lb>/<probe>", for messages


@dataclass(frozen=True)
class GuestRequirement:
    """What one backend VM's guest OS must have: the Floating IP rules that reach it, the probe
    ports to open on its NIC address, and IP forwarding for an appliance."""

    vm: str  # concrete VM name in the blueprint (after count expansion)
    vm_resource_key: str
    os: Literal["linux", "windows"]
    listeners: tuple[GuestListener, ...]
    firewall: Literal["auto", "off"] = "auto"
    persist: bool = True
    owned_vm: bool = True  # False for brownfield VMs: ``down`` runs the removal script
    probes: tuple[GuestProbe, ...] = ()
    forwarding: bool = False  # ``ip_forwarding: true``: the guest forwards IPv4


@dataclass(frozen=True)
class MappingRow:
    """One row of the seeds' "complete mapping" table, per load-balancing rule."""

    load_balancer: str
    rule: str
    frontend: str
    frontend_ip: str  # the address, or "allocated at apply" until it is known
    protocol: str  # Tcp | Udp | All (Azure's casing)
    frontend_port: int
    destination_ip: str  # the frontend IP (Floating IP) or "backend NIC IP"
    destination_port: int
    floating_ip: bool
    backends: tuple[str, ...]  # VM names in the rule's pool
    backend_ips: tuple[str, ...] = ()  # NIC IPs when known (after apply), same order as backends
    ip_version: Literal["ipv4", "ipv6"] = "ipv4"


@dataclass(frozen=True)
class Tags:
    """The tags the environment writes.

    Ownership (env, managed) and the creation time go on every owned resource. The blueprint
    digest and the expiry timestamp go on the environment's *holder*: its resource group when it
    creates one (everything it owns lives and dies with the group), so a blueprint edit or a new
    ``--ttl`` is one tag write, not one per resource; the others carry ``provisioner-expires:
    with-group``. An environment in an existing group has no such holder, and every resource
    carries the digest and the timestamp.
    """

    env: str
    digest: str
    expires: str | None  # ISO 8601 UTC, or None when no TTL
    created: str | None = None  # ISO 8601 UTC of the environment's first ``up``; kept from live
    #: The user's own tags (blueprint ``tags:``, ``--tag``); the tool's always win.
    user: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self, *, holder: bool = True) -> dict[str, str]:
        out = {**self.user, TAG_ENV: self.env, TAG_MANAGED: MANAGED_VALUE}
        if holder:
            out[TAG_BLUEPRINT] = self.digest
        if self.expires:
            out[TAG_EXPIRES] = self.expires if holder else EXPIRES_WITH_GROUP
        if self.created:
            out[TAG_CREATED] = self.created
        return out


@dataclass(frozen=True)
class DesiredState:
    env: str
    subscription_id: str
    location: str
    resource_group: str
    creates_resource_group: bool
    tags: Tags
    resources: dict[str, DesiredResource]  # by key, in a topological order
    guest: tuple[GuestRequirement, ...]
    mapping: tuple[MappingRow, ...]
    warnings: tuple[Any, ...] = field(default=())

    def order(self) -> list[DesiredResource]:
        """Resources in dependency order (dependencies first)."""
        return list(self.resources.values())
