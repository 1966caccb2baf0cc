"""Bodies of the resource group, the virtual network, public IPs and the NAT gateway."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class SubnetAttachments:
    """What a subnet of ours says besides its prefixes: its NSG and NAT gateway (ids, or None for
    none), and always ``defaultOutboundAccess``, so whether it is private never depends on the
    api-version the installed SDK sends (2025-07-01 and later make new subnets private)."""

    network_security_group: str | None = None
    nat_gateway: str | None = None
    default_outbound_access: bool = False


def subnet_body(
    scope: Scope,
    name: str,
    prefix: str,
    ipv6_prefix: str | None,
    attachments: SubnetAttachments | None = None,
) -> dict[str, Any]:
    """A subnet inline in its VNet; dual stack subnets carry both prefixes in address_prefixes."""
    if ipv6_prefix is None:
        props: dict[str, Any] = {"addressPrefix": prefix}
    else:
        props = {"addressPrefixes": [prefix, ipv6_prefix]}
    if attachments is not None:
        if attachments.network_security_group is not None:
            props["networkSecurityGroup"] = {"id": attachments.network_security_group}
        if attachments.nat_gateway is not None:
            props["natGateway"] = {"id": attachments.nat_gateway}
        props["defaultOutboundAccess"] = attachments.default_outbound_access
    return {"name": name, "id": scope.subnet_id(name), "properties": props}


def virtual_network_body(
    scope: Scope, network: Network, attachments: Mapping[str, SubnetAttachments] | None = None
) -> net.VirtualNetwork:
    """The VNet with every subnet inline: one PUT, and no subnet is ever dropped by a VNet PUT
    that forgot it (a VNet PUT replaces its subnet list). Each subnet's NSG and NAT gateway are
    inline too, so the subnet never exists without them, even for a moment."""
    raw = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "properties": {
            "addressSpace": {"addressPrefixes": list(network.address_space)},
            "subnets": [
                subnet_body(
                    scope,
                    name,
                    subnet.prefix,
                    subnet.ipv6_prefix,
                    (attachments or {}).get(name),
                )
                for name, subnet in network.subnets.items()
            ],
        },
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.VirtualNetwork, raw)


def public_ip_body(scope: Scope, frontend: Frontend | None = None) -> net.PublicIPAddress:
    """A Standard public IP: Standard load balancers and NAT gateways need Standard IPs, which
    must be Static. Without a frontend: IPv4, no zones (the NAT gateway's, the SNAT frontend's)."""
    version = frontend.ip_version if frontend is not None else "ipv4"
    raw: dict[str, Any] = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {
            "publicIPAllocationMethod": "Static",
            "publicIPAddressVersion": IP_VERSION[version],
        },
    }
    if frontend is not None and frontend.zones:
        raw["zones"] = list(frontend.zones)
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.PublicIPAddress, raw)


#: A NAT gateway's TCP idle timeout, minutes (Azure's default).
NAT_IDLE_TIMEOUT = 4


def nat_gateway_body(scope: Scope, public_ip_id: str) -> net.NatGateway:
    """A Standard NAT gateway, no zone, with one Standard static public IP: outbound for every
    subnet that names it (Microsoft's recommended outbound; azure-traffic.md §2)."""
    raw: dict[str, Any] = {
        "location": scope.location,
        "tags": dict(scope.tags),
        "sku": {"name": "Standard"},
        "properties": {
            "idleTimeoutInMinutes": NAT_IDLE_TIMEOUT,
            "publicIpAddresses": [{"id": public_ip_id}],
        },
    }
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.NatGateway, raw)
