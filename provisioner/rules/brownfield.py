"""Brownfield ids (``existing_id``, ``public_ip_id``, ``resource_group_id``) name the type their
field takes.

The model already refuses text that is not an ARM id; what it lets through is an id of the wrong
kind of resource: a load balancer's id given as a VM, a subnet's as a virtual network. Azure
answers such a reference with ``InvalidJsonReferenceWrongType`` ("is referencing resource of a
wrong type"), so that is the code. Whether the resource exists needs a cloud and is checked by
``plan`` and ``up`` before any write (``provisioner.plan.references``).
"""

from __future__ import annotations

from provisioner.blueprint.brownfield import ExistingRef, existing_references, id_parts
from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding


def check_existing_ids(ix: BlueprintIndex) -> list[Finding]:
    """One finding per brownfield id whose text names another type than its field takes."""
    return [f for ref in existing_references(ix.bp) if (f := _check(ref)) is not None]


def _check(ref: ExistingRef) -> Finding | None:
    parts = id_parts(ref.id)
    expected = ref.expected
    if parts is not None and parts.arm_type.lower() == expected.arm_type.lower():
        return None
    field = ".".join(str(p) for p in ref.path)
    named = (
        "is not an ARM resource id"
        if parts is None
        else f"names a {parts.arm_type} ({parts.name!r})"
    )
    return finding(
        codes.WRONG_TYPE_REFERENCE,
        f"{field} {named}, but it takes the id of a {expected.noun} ({expected.arm_type})",
        ref.path,
        hint=f"give a {expected.noun}'s id: {_template(expected.arm_type)}",
    )


def _template(arm_type: str) -> str:
    group = "/subscriptions/<subscription>/resourceGroups/<group>"
    if arm_type.lower() == "microsoft.resources/resourcegroups":
        return group
    return f"{group}/providers/{arm_type}/<name>"
