"""The blueprint's references to resources it does not create, and what each must name.

These fields hold a full ARM id of something that already exists: ``resource_group_id``,
``network.existing_id``, ``vms.NAME.existing_id``, ``frontends.NAME.public_ip_id`` and
``security.existing`` (the blueprint's or a subnet's). Each takes
exactly one type of resource. An id of another type (a load balancer's id where a VM belongs) or
of nothing at all passed ``validate`` and ``plan`` and failed late in ``up``, after everything
else had been built, so the id is checked twice before any write: its type from its text
(``provisioner.rules.brownfield``, no cloud) and its existence by reading it
(``provisioner.plan.references``). Both walk the list :func:`existing_references` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.blueprint.model import Blueprint
from provisioner.errors import BlueprintPath


@dataclass(frozen=True)
class Expected:
    """The one resource type a field takes: its ARM type and what people call it."""

    arm_type: str
    noun: str


RESOURCE_GROUP = Expected("Microsoft.Resources/resourceGroups", "resource group")
VIRTUAL_NETWORK = Expected("Microsoft.Network/virtualNetworks", "virtual network")
PUBLIC_IP = Expected("Microsoft.Network/publicIPAddresses", "public IP address")
VIRTUAL_MACHINE = Expected("Microsoft.Compute/virtualMachines", "virtual machine")
NETWORK_SECURITY_GROUP = Expected(
    "Microsoft.Network/networkSecurityGroups", "network security group"
)


@dataclass(frozen=True)
class ExistingRef:
    """One brownfield id as written: where, what, and the type it must have."""

    path: BlueprintPath
    id: str
    expected: Expected


@dataclass(frozen=True)
class IdParts:
    """What an ARM id names. ``arm_type`` is ``Microsoft.Resources/resourceGroups`` for a group;
    for a child or extension resource it is the innermost type (``…/virtualNetworks/subnets``)."""

    subscription: str
    resource_group: str
    arm_type: str
    name: str


def existing_references(bp: Blueprint) -> list[ExistingRef]:
    """Every brownfield id in ``bp``, in blueprint order."""
    refs: list[ExistingRef] = []
    if bp.resource_group_id is not None:
        refs.append(ExistingRef(("resource_group_id",), bp.resource_group_id, RESOURCE_GROUP))
    if bp.network.existing_id is not None:
        path: BlueprintPath = ("network", "existing_id")
        refs.append(ExistingRef(path, bp.network.existing_id, VIRTUAL_NETWORK))
    for vm_name, vm in bp.vms.items():
        if vm.existing_id is not None:
            refs.append(
                ExistingRef(("vms", vm_name, "existing_id"), vm.existing_id, VIRTUAL_MACHINE)
            )
    for lb_name, lb in bp.load_balancers.items():
        for fe_name, fe in lb.frontends.items():
            if fe.public_ip_id is not None:
                path = ("load_balancers", lb_name, "frontends", fe_name, "public_ip_id")
                refs.append(ExistingRef(path, fe.public_ip_id, PUBLIC_IP))
    refs += _existing_nsgs(bp)
    return refs


def _existing_nsgs(bp: Blueprint) -> list[ExistingRef]:
    """``security: {existing: ID}``, for the blueprint and for each subnet that says its own."""
    refs: list[ExistingRef] = []
    if bp.security.existing is not None:
        path: BlueprintPath = ("security", "existing")
        refs.append(ExistingRef(path, bp.security.existing, NETWORK_SECURITY_GROUP))
    for name, subnet in bp.network.subnets.items():
        if subnet.security is not None and subnet.security.existing is not None:
            path = ("network", "subnets", name, "security", "existing")
            refs.append(ExistingRef(path, subnet.security.existing, NETWORK_SECURITY_GROUP))
    return refs


def id_parts(value: str) -> IdParts | None:
    """Split an ARM id into what it names, or None when it is not one.

    ``/subscriptions/S/resourceGroups/G`` names a group; ``…/providers/NS/TYPE/NAME`` a resource,
    ``…/NAME/CHILD/CHILDNAME`` its child, and a second ``/providers/NS2/TYPE2/NAME2`` an extension
    resource of type ``NS2/TYPE2``. Segment names are matched case-insensitively, as ARM does.
    """
    parts = value.strip("/").split("/")
    if (
        len(parts) < 4
        or parts[0].lower() != "subscriptions"
        or parts[2].lower() != "resourcegroups"
        or not all(parts)
    ):
        return None
    subscription, group = parts[1], parts[3]
    rest = parts[4:]
    if not rest:
        return IdParts(subscription, group, RESOURCE_GROUP.arm_type, group)
    arm_type = ""
    while rest:
        if rest[0].lower() != "providers" or len(rest) < 4:
            return None
        namespace, type_, name = rest[1], rest[2], rest[3]
        rest = rest[4:]
        types = [type_]
        while rest and rest[0].lower() != "providers":
            if len(rest) < 2:
                return None
            types.append(rest[0])
            name = rest[1]
            rest = rest[2:]
        arm_type = "/".join([namespace, *types])
    return IdParts(subscription, group, arm_type, name)
