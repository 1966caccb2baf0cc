"""Resource types of the local cloud, one module each; :func:`handler_for` picks one."""

from __future__ import annotations

from provisioner.localcloud.resources.base import Handler
from provisioner.localcloud.resources.disks import Disks
from provisioner.localcloud.resources.generic import Generic
from provisioner.localcloud.resources.load_balancers import LoadBalancers
from provisioner.localcloud.resources.nat_gateways import NatGateways, PublicIPPrefixes
from provisioner.localcloud.resources.network_interfaces import NetworkInterfaces
from provisioner.localcloud.resources.network_security_groups import NetworkSecurityGroups
from provisioner.localcloud.resources.network_watchers import NetworkWatchers
from provisioner.localcloud.resources.public_ips import PublicIPs
from provisioner.localcloud.resources.virtual_machines import VirtualMachines
from provisioner.localcloud.resources.virtual_networks import VirtualNetworks

_HANDLERS: dict[str, Handler] = {
    h.type.lower(): h
    for h in (
        Disks(),
        LoadBalancers(),
        NatGateways(),
        NetworkInterfaces(),
        NetworkSecurityGroups(),
        NetworkWatchers(),
        PublicIPPrefixes(),
        PublicIPs(),
        VirtualMachines(),
        VirtualNetworks(),
    )
}


def handler_for(type_name: str) -> Handler:
    return _HANDLERS.get(type_name.lower()) or Generic(type_name)


__all__ = ["Handler", "handler_for"]
