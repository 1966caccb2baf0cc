"""ARM resource ids: built from names, and parsed back for brownfield references.

Every reference inside a body (a rule's frontend, a NIC's pool, a VM's NIC) is a full ARM id, and
the local cloud resolves them case-insensitively like Azure does, so one builder for all of them
keeps the casing identical to what Azure echoes (``resourceGroups``, ``Microsoft.Network``).
"""

from __future__ import annotations

from dataclasses import dataclass

NETWORK = "Microsoft.Network"
COMPUTE = "Microsoft.Compute"


def resource_group_id(subscription_id: str, resource_group: str) -> str:
    return f"/subscriptions/{subscription_id}/resourceGroups/{resource_group}"


def resource_id(
    subscription_id: str, resource_group: str, provider: str, type_: str, name: str
) -> str:
    """Id of a top-level resource, e.g. ``…/providers/Microsoft.Network/loadBalancers/lb``."""
    return (
        f"{resource_group_id(subscription_id, resource_group)}/providers/{provider}/{type_}/{name}"
    )


def child_id(parent_id: str, child_type: str, name: str) -> str:
    """Id of a child resource, e.g. ``{lb_id}/frontendIPConfigurations/green``."""
    return f"{parent_id}/{child_type}/{name}"


@dataclass(frozen=True)
class ParsedId:
    subscription_id: str
    resource_group: str
    provider: str | None  # None for a resource group id
    type: str | None
    name: str  # the last segment (the resource group's name for a group id)


def parse_resource_id(value: str) -> ParsedId:
    """Split an ARM id into its parts; the blueprint model has already checked the shape.

    Only the first ``providers/{ns}/{type}/{name}`` triple is used: brownfield references name
    top-level resources (a VNet, a public IP, a VM), never children.
    """
    parts = value.strip("/").split("/")
    if (
        len(parts) < 4
        or parts[0].lower() != "subscriptions"
        or parts[2].lower() != "resourcegroups"
    ):
        raise ValueError(f"{value!r} is not an ARM resource id")
    sub, rg = parts[1], parts[3]
    if len(parts) >= 8 and parts[4].lower() == "providers":
        return ParsedId(sub, rg, parts[5], parts[6], parts[7])
    return ParsedId(sub, rg, None, None, rg)


def resource_group_of(resource_id: str) -> str:
    """The resource group name inside an ARM id ("" for ids above group level)."""
    parts = resource_id.strip("/").split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() == "resourcegroups":
            return parts[i + 1]
    return ""


def top_level_id(resource_id: str) -> str:
    """The top-level resource id behind a (possibly child) id, lower-cased for comparison.

    ``…/loadBalancers/lb/frontendIPConfigurations/fe`` → ``…/loadbalancers/lb``.
    """
    parts = resource_id.strip("/").split("/")
    try:
        i = [p.lower() for p in parts].index("providers")
    except ValueError:
        return "/" + "/".join(parts).lower()
    return "/" + "/".join(parts[: i + 4]).lower()
