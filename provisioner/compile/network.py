"""Bodies of the resource group, the virtual network and the frontends' public IPs."""

from __future__ import annotations

from azure.mgmt.network import models as net
from azure.mgmt.resource.resources import models as res

from provisioner.blueprint.model import Frontend, Network
from provisioner.compile.scope import Scope

#: Azure's casing of IP versions, as the service echoes them.
IP_VERSION = {"ipv4": "IPv4", "ipv6": "IPv6"}


def resource_group_body(scope: Scope) -> res.ResourceGroup:
    return res.ResourceGroup(location=scope.location, tags=dict(scope.tags))


def subnet_body(scope: Scope, name: str, prefix: str, ipv6_prefix: str | None) -> net.Subnet:
    """A subnet inline in its VNet; dual stack subnets carry both prefixes in address_prefixes."""
    if ipv6_prefix is None:
        return net.Subnet(name=name, id=scope.subnet_id(name), address_prefix=prefix)
    return net.Subnet(name=name, id=scope.subnet_id(name), address_prefixes=[prefix, ipv6_prefix])


def virtual_network_body(scope: Scope, network: Network) -> net.VirtualNetwork:
    """The VNet with every subnet inline: one PUT, and no subnet is ever dropped by a VNet PUT
    that forgot it (a VNet PUT replaces its subnet list)."""
    return net.VirtualNetwork(
        location=scope.location,
        tags=dict(scope.tags),
        address_space=net.AddressSpace(address_prefixes=list(network.address_space)),
        subnets=[
            subnet_body(scope, name, subnet.prefix, subnet.ipv6_prefix)
            for name, subnet in network.subnets.items()
        ],
    )


def public_ip_body(scope: Scope, frontend: Frontend) -> net.PublicIPAddress:
    """A Standard public IP: Standard load balancers need Standard IPs, which must be Static."""
    body = net.PublicIPAddress(
        location=scope.location,
        tags=dict(scope.tags),
        sku=net.PublicIPAddressSku(name="Standard", tier="Regional"),
        public_ip_allocation_method="Static",
        public_ip_address_version=IP_VERSION[frontend.ip_version],
    )
    if frontend.zones:
        body.zones = list(frontend.zones)
    return body
