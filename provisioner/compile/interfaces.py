"""Network interfaces: where backend pool membership lives.

Azure records "this VM is in that pool" on the NIC's IP configuration
(``loadBalancerBackendAddressPools``), not on the load balancer, so a NIC is written after every
load balancer whose pool it joins. Floating IP works only on a NIC's primary IP configuration, so
IPv4 pools are joined there; a VM with ``ipv6: true`` gets a second, non-primary IPv6
configuration that joins the pools of IPv6 rules.
"""

from __future__ import annotations

from azure.mgmt.network import models as net

from provisioner.blueprint.model import Vm
from provisioner.compile import ids, names
from provisioner.compile.scope import Scope


def ipconfig_id(nic_id: str, name: str) -> str:
    return ids.child_id(nic_id, "ipConfigurations", name)


def _pools(pool_ids: list[str]) -> list[net.BackendAddressPool]:
    return [net.BackendAddressPool(id=pid) for pid in pool_ids]


def network_interface_body(
    scope: Scope,
    nic_id: str,
    vm: Vm,
    subnet: str,
    ipv4_pool_ids: list[str],
    ipv6_pool_ids: list[str],
) -> net.NetworkInterface:
    """A NIC in ``subnet``; the primary IPv4 configuration joins ``ipv4_pool_ids``, the IPv6 one
    (present only when the VM asks for IPv6) joins ``ipv6_pool_ids``."""
    primary = net.NetworkInterfaceIPConfiguration(
        name=names.IPCONFIG_V4,
        id=ipconfig_id(nic_id, names.IPCONFIG_V4),
        primary=True,
        subnet=net.Subnet(id=scope.subnet_id(subnet)),
        private_ip_address_version="IPv4",
        private_ip_allocation_method="Static" if vm.private_ip else "Dynamic",
        load_balancer_backend_address_pools=_pools(ipv4_pool_ids),
    )
    if vm.private_ip:
        primary.private_ip_address = vm.private_ip
    configs = [primary]
    if vm.ipv6:
        configs.append(
            net.NetworkInterfaceIPConfiguration(
                name=names.IPCONFIG_V6,
                id=ipconfig_id(nic_id, names.IPCONFIG_V6),
                primary=False,
                subnet=net.Subnet(id=scope.subnet_id(subnet)),
                private_ip_address_version="IPv6",
                private_ip_allocation_method="Dynamic",
                load_balancer_backend_address_pools=_pools(ipv6_pool_ids),
            )
        )
    return net.NetworkInterface(
        location=scope.location, tags=dict(scope.tags), ip_configurations=configs
    )
