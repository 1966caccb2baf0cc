"""Read what the environment has in the cloud: by deterministic id, and by its tags.

Reading by id finds every resource the blueprint names; reading by the ``provisioner-env`` tag
finds the ones it no longer names (a removed VM, a renamed load balancer), which the plan then
deletes. Only resources carrying ``provisioner-managed=true`` *and* the environment's tag count
as ours. The SDK clients come in as a plain object (``clients.network`` / ``.compute`` /
``.resources``) and every call goes through ``call`` (the caller's retry policy), so this module
does no I/O policy of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from azure.core.exceptions import ResourceNotFoundError

from provisioner.compile.desired import DesiredResource, DesiredState, Kind, Ownership
from provisioner.compile.ids import resource_group_of

T = TypeVar("T")
Call = Callable[[Callable[[], T]], T]

ENV_TAG = "provisioner-env"
MANAGED_TAG = "provisioner-managed"
DIGEST_TAG = "provisioner-blueprint"
EXPIRES_TAG = "provisioner-expires"
CREATED_TAG = "provisioner-created"

#: ARM resource type → our kind (lower-case keys: ARM types are case-insensitive).
KIND_OF_TYPE: dict[str, Kind] = {
    "microsoft.resources/resourcegroups": Kind.RESOURCE_GROUP,
    "microsoft.network/virtualnetworks": Kind.VIRTUAL_NETWORK,
    "microsoft.network/publicipaddresses": Kind.PUBLIC_IP,
    "microsoft.network/loadbalancers": Kind.LOAD_BALANCER,
    "microsoft.network/networkinterfaces": Kind.NETWORK_INTERFACE,
    "microsoft.compute/virtualmachines": Kind.VIRTUAL_MACHINE,
}

#: Which client and operation group serves each kind.
OPERATIONS: dict[Kind, tuple[str, str]] = {
    Kind.RESOURCE_GROUP: ("resources", "resource_groups"),
    Kind.VIRTUAL_NETWORK: ("network", "virtual_networks"),
    Kind.PUBLIC_IP: ("network", "public_ip_addresses"),
    Kind.LOAD_BALANCER: ("network", "load_balancers"),
    Kind.NETWORK_INTERFACE: ("network", "network_interfaces"),
    Kind.VIRTUAL_MACHINE: ("compute", "virtual_machines"),
}


class Clients(Protocol):
    network: Any
    compute: Any
    resources: Any


@dataclass(frozen=True)
class LiveResource:
    """A resource found by tag: enough to show it, decide ownership and delete it."""

    id: str
    kind: Kind | None  # None: a type we do not manage (an OS disk, say)
    type: str
    name: str
    resource_group: str
    tags: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.kind or self.type}/{self.name}"


def operations(clients: Clients, kind: Kind) -> Any:
    client_attr, group_attr = OPERATIONS[kind]
    return getattr(getattr(clients, client_attr), group_attr)


def tag_filter() -> str:
    """The server-side filter for an environment's resources: by tag *name* only.

    Azure returns resources without their tags when a listing is filtered by tag name *and*
    value, which would make nothing look owned; so the value (the environment's name) is checked
    in code by :func:`is_owned`.
    """
    return f"tagName eq '{ENV_TAG}'"


def tag_value(tags: dict[str, str] | None, name: str) -> str | None:
    """Tag ``name``'s value; names are matched without case (Azure treats them so)."""
    if not tags:
        return None
    if name in tags:
        return tags[name]
    lowered = name.lower()
    return next((v for k, v in tags.items() if k.lower() == lowered), None)


def is_owned(tags: dict[str, str] | None, env: str) -> bool:
    """Ours to change and delete: managed by provisioner, and by this environment."""
    managed = tag_value(tags, MANAGED_TAG)
    return (managed or "").strip().lower() == "true" and tag_value(tags, ENV_TAG) == env


def get_body(
    clients: Clients, kind: Kind, resource_group: str, name: str, call: Call
) -> dict[str, Any] | None:
    """The live body (wire JSON) of one resource, or None when it does not exist."""
    ops = operations(clients, kind)
    try:
        if kind is Kind.RESOURCE_GROUP:
            model = call(lambda: ops.get(name))
        else:
            model = call(lambda: ops.get(resource_group, name))
    except ResourceNotFoundError:
        return None
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def read_resource(clients: Clients, res: DesiredResource, call: Call) -> dict[str, Any] | None:
    """The live body of one desired resource. An adopted NIC is named by its VM's id (the
    blueprint knows the VM, not its NIC): read the VM, then its primary NIC."""
    if res.ownership is Ownership.ADOPTED and res.kind is Kind.NETWORK_INTERFACE:
        vm = get_body(clients, Kind.VIRTUAL_MACHINE, res.resource_group, res.name, call)
        nic_id = primary_nic_id(vm)
        if nic_id is None:
            return None
        return get_body(
            clients, Kind.NETWORK_INTERFACE, resource_group_of(nic_id), nic_id.split("/")[-1], call
        )
    return get_body(clients, res.kind, res.resource_group, res.name, call)


def primary_nic_id(vm: dict[str, Any] | None) -> str | None:
    """The id of a VM body's primary NIC (the only one, when just one is attached)."""
    nics = ((vm or {}).get("properties") or {}).get("networkProfile", {}).get(
        "networkInterfaces"
    ) or []
    for nic in nics:
        if (nic.get("properties") or {}).get("primary") or len(nics) == 1:
            return str(nic.get("id"))
    return None


def read_desired(
    clients: Clients, state: DesiredState, call: Call, *, parallel: int = 8
) -> dict[str, dict[str, Any] | None]:
    """Live bodies of every resource the desired state names (None where absent).

    When the environment's resource group is absent nothing else can exist in it: one read.
    """
    out: dict[str, dict[str, Any] | None] = {}
    resources = state.order()
    group = next((r for r in resources if r.kind is Kind.RESOURCE_GROUP), None)
    if group is not None:
        out[group.key] = get_body(clients, group.kind, group.resource_group, group.name, call)
        if out[group.key] is None and state.creates_resource_group:
            return {r.key: None for r in resources}
    rest = [r for r in resources if r.key not in out]

    def read(res: DesiredResource) -> dict[str, Any] | None:
        return read_resource(clients, res, call)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for res, body in zip(rest, pool.map(read, rest), strict=True):
            out[res.key] = body
    return out


def list_tagged(clients: Clients, env: str, call: Call) -> list[LiveResource]:
    """Every resource and resource group tagged with the environment and managed by us."""
    found: list[LiveResource] = []
    groups = call(lambda: list(clients.resources.resource_groups.list(filter=tag_filter())))
    for g in groups:
        if is_owned(g.tags, env):
            found.append(
                LiveResource(
                    g.id,
                    Kind.RESOURCE_GROUP,
                    "Microsoft.Resources/resourceGroups",
                    g.name,
                    g.name,
                    dict(g.tags or {}),
                )
            )
    items = call(lambda: list(clients.resources.resources.list(filter=tag_filter())))
    for r in items:
        if not is_owned(r.tags, env):
            continue
        kind = KIND_OF_TYPE.get(str(r.type).lower())
        found.append(
            LiveResource(
                r.id, kind, str(r.type), r.name, resource_group_of(r.id), dict(r.tags or {})
            )
        )
    return found


@dataclass(frozen=True)
class EnvironmentTags:
    """The lifecycle tags a live environment carries, as ``up`` must keep them."""

    exists: bool
    expires: str | None  # the latest expiry among its resources
    created: str | None  # the earliest creation time among its resources


def environment_tags(clients: Clients, env: str, call: Call) -> EnvironmentTags:
    """Read the live environment's expiry and creation tags (kept by ``up`` unless replaced).

    ISO 8601 UTC strings of one format order like the instants they name, so ``max``/``min``
    on the strings are the latest/earliest.
    """
    found = list_tagged(clients, env, call)
    expiries = [e for r in found if (e := tag_value(r.tags, EXPIRES_TAG))]
    created = [c for r in found if (c := tag_value(r.tags, CREATED_TAG))]
    return EnvironmentTags(
        exists=bool(found),
        expires=max(expiries) if expiries else None,
        created=min(created) if created else None,
    )


def environment_expiry(clients: Clients, env: str, call: Call) -> str | None:
    """The ``provisioner-expires`` tag the live environment carries (kept when --ttl is absent)."""
    return environment_tags(clients, env, call).expires
