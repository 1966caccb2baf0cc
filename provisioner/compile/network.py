"""Bodies of the resource group, the virtual network and the frontends' public IPs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.blueprint.model import Frontend, Network
from provisioner.compile import wire
from provisioner.compile.scope import Scope

if TYPE_CHECKING:  # imported where a body is built: ``validate`` compiles without the SDK
    from azure.mgmt.network import models as net
    from azure.mgmt.resource.resources import models as res

#: Azure's casing of IP versions, as the service echoes them.
IP_VERSION = {"ipv4": "IPv4", "ipv6": "IPv6"}


def resource_group_body(scope: Scope) -> res.ResourceGroup:
    raw = {"location": scope.location, "tags": dict(scope.holder_tags)}
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.resource.resources import models as res

    return wire.model(res.ResourceGroup, raw)


def subnet_body(scope: Scope, name: str, prefix: str, ipv6_prefix: str | None) -> dict[str, Any]:
    """A subnet inline in its VNet; dual stack subnets carry both prefixes in address_prefixes."""
    if ipv6_prefix is None:
        props: dict[str, Any] = {"addressPrefix": prefix}
    else:
        props = {"addressPrefixes": [prefix, ipv6_prefix]}
    return {"name": name, "id": scope.subnet_id(name), "properties": props}


def virtual_network_body(scope: Scope, network: Network) -> net.VirtualNetwork:
    """The VNet with every subnet inline: one PUT, and no subnet is ever dropped by a VNet PUT
    that forgot it (a VNet PUT replaces its subnet list)."""
    raw = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "properties": {
            "addressSpace": {"addressPrefixes": list(network.address_space)},
            "subnets": [
                subnet_body(scope, name, subnet.prefix, subnet.ipv6_prefix)
                for name, subnet in network.subnets.items()
            ],
        },
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.VirtualNetwork, raw)


def public_ip_body(scope: Scope, frontend: Frontend) -> net.PublicIPAddress:
    """A Standard public IP: Standard load balancers need Standard IPs, which must be Static."""
    raw: dict[str, Any] = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {
            "publicIPAllocationMethod": "Static",
            "publicIPAddressVersion": IP_VERSION[frontend.ip_version],
        },
    }
    if frontend.zones:
        raw["zones"] = list(frontend.zones)
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.PublicIPAddress, raw)
