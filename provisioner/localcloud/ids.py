"""ARM paths and resource ids: parsing, canonical casing, keys.

ARM matches path segments and names case-insensitively (the SDK itself sends both
``resourcegroups`` and ``resourceGroups``), but echoes the casing it stored. We therefore
key everything by the lower-cased id and build canonical ids for output.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote

#: Canonical casing of the resource types the local cloud knows, by lower-cased type.
KNOWN_TYPES: dict[str, str] = {
    t.lower(): t
    for t in (
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/publicIPAddresses",
        "Microsoft.Network/loadBalancers",
        "Microsoft.Network/networkInterfaces",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/natGateways",
        "Microsoft.Network/publicIPPrefixes",
        "Microsoft.Network/networkWatchers",
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/availabilitySets",
        "Microsoft.Compute/disks",
    )
}

#: Children kept inside their parent's document, canonical segment casing by lower-cased segment.
INLINE_CHILDREN: dict[str, dict[str, str]] = {
    "microsoft.network/virtualnetworks": {"subnets": "subnets"},
    "microsoft.network/loadbalancers": {
        s.lower(): s
        for s in (
            "frontendIPConfigurations",
            "backendAddressPools",
            "probes",
            "loadBalancingRules",
            "inboundNatRules",
            "outboundRules",
            "inboundNatPools",
        )
    },
    "microsoft.network/networkinterfaces": {"ipconfigurations": "ipConfigurations"},
    "microsoft.network/networksecuritygroups": {
        "securityrules": "securityRules",
        "defaultsecurityrules": "defaultSecurityRules",
    },
}

RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups"
RUN_COMMAND_TYPE = "Microsoft.Compute/virtualMachines/runCommands"


def canonical_type(namespace: str, type_name: str) -> str:
    """``microsoft.network``, ``LOADBALANCERS`` → ``Microsoft.Network/loadBalancers``."""
    joined = f"{namespace}/{type_name}"
    return KNOWN_TYPES.get(joined.lower(), joined)


def key(resource_id: str) -> str:
    """The store key of a resource id: lower-cased, no trailing slash."""
    return resource_id.rstrip("/").lower()


@dataclass(frozen=True, slots=True)
class Route:
    """What a request path addresses. ``kind`` says which of the fields are set."""

    kind: str
    sub: str = ""
    rg: str = ""
    type: str = ""  # canonical, e.g. Microsoft.Network/loadBalancers
    name: str = ""
    child: str = ""  # segment after the name, e.g. frontendIPConfigurations, runCommand
    child_name: str = ""
    action: str = ""  # segment after the child's name: loadBalancingRules/{rule}/health
    location: str = ""
    operation_id: str = ""
    results: bool = False  # operationResults rather than operations
    admin: str = ""

    @property
    def group_id(self) -> str:
        return f"/subscriptions/{self.sub}/resourceGroups/{self.rg}"

    def resource_id(self, rg_name: str | None = None) -> str:
        """The canonical id of the top-level resource (``rg_name`` supplies stored casing)."""
        rg = rg_name if rg_name is not None else self.rg
        return f"/subscriptions/{self.sub}/resourceGroups/{rg}/providers/{self.type}/{self.name}"


_UNKNOWN = Route("unknown")


def parse_path(path: str) -> Route:
    """Classify an ARM request path (without query string)."""
    raw = [unquote(s) for s in path.split("/") if s]
    low = [s.lower() for s in raw]
    n = len(low)
    if n and low[0] == "_local":
        return Route("admin", admin="/".join(raw[1:]))
    if n == 0 or low[0] != "subscriptions":
        return _UNKNOWN
    if n == 1:
        return Route("subscriptions")
    sub = raw[1]
    if n == 2:
        return Route("subscription", sub=sub)
    if low[2] == "resources" and n == 3:
        return Route("sub_resources", sub=sub)
    if low[2] == "operationresults" and n == 4:
        return Route("group_operation", sub=sub, operation_id=raw[3])
    if low[2] == "providers":
        if n == 5:
            return Route("list_all", sub=sub, type=canonical_type(raw[3], raw[4]))
        return _parse_operation(raw, low, sub)
    if low[2] != "resourcegroups":
        return _UNKNOWN
    if n == 3:
        return Route("groups", sub=sub)
    rg = raw[3]
    if n == 4:
        return Route("group", sub=sub, rg=rg)
    if n == 5 and low[4] == "resources":
        return Route("group_resources", sub=sub, rg=rg)
    if low[4] != "providers" or n < 7:
        return _UNKNOWN
    rtype = canonical_type(raw[5], raw[6])
    if n == 7:
        return Route("list", sub=sub, rg=rg, type=rtype)
    name = raw[7]
    if n == 8:
        return Route("resource", sub=sub, rg=rg, type=rtype, name=name)
    child = raw[8]
    children = INLINE_CHILDREN.get(rtype.lower(), {})
    child = children.get(child.lower(), child)
    if n == 9:
        return Route("child_list", sub=sub, rg=rg, type=rtype, name=name, child=child)
    if n == 10:
        return Route("child", sub=sub, rg=rg, type=rtype, name=name, child=child, child_name=raw[9])
    if n == 11:
        return Route(
            "child_action",
            sub=sub,
            rg=rg,
            type=rtype,
            name=name,
            child=child,
            child_name=raw[9],
            action=raw[10],
        )
    return _UNKNOWN


def _parse_operation(raw: list[str], low: list[str], sub: str) -> Route:
    # /subscriptions/{s}/providers/{ns}/locations/{loc}/operations/{id}
    if len(low) == 8 and low[4] == "locations" and low[6] in ("operations", "operationresults"):
        return Route(
            "operation",
            sub=sub,
            location=raw[5],
            operation_id=raw[7],
            results=low[6] == "operationresults",
        )
    return _UNKNOWN


@dataclass(frozen=True, slots=True)
class ParsedId:
    """A resource id split into its top-level id and the inline child path, if any."""

    top_key: str
    type: str  # canonical type of the top-level resource
    child: str = ""  # canonical child collection, e.g. subnets
    child_name: str = ""


def parse_id(resource_id: str) -> ParsedId | None:
    """Split ``…/loadBalancers/lb/backendAddressPools/pool`` into the LB key and the child."""
    route = parse_path(resource_id)
    if route.kind == "resource":
        return ParsedId(key(route.resource_id()), route.type)
    if route.kind == "child":
        top = key(route.resource_id())
        if (
            route.type == "Microsoft.Compute/virtualMachines"
            and route.child.lower() == "runcommands"
        ):
            return ParsedId(key(resource_id), "Microsoft.Compute/virtualMachines/runCommands")
        return ParsedId(top, route.type, route.child, route.child_name)
    if route.kind == "group":
        return ParsedId(key(route.group_id), RESOURCE_GROUP_TYPE)
    return None
