"""Network interfaces: where backend pool membership lives.

Azure records "this VM is in that pool" on the NIC's IP configuration
(``loadBalancerBackendAddressPools``), not on the load balancer, so a NIC is written after every
load balancer whose pool it joins. Floating IP works only on a NIC's primary IP configuration, so
IPv4 pools are joined there; a VM with ``ipv6: true`` gets a second, non-primary IPv6
configuration that joins the pools of IPv6 rules. A network virtual appliance
(``ip_forwarding: true``) has ``enableIPForwarding`` on its NIC, so Azure delivers it traffic
addressed to others (learn.microsoft.com/azure/virtual-network/virtual-network-network-interface).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from provisioner.blueprint.model import Vm
from provisioner.compile import ids, names, wire
from provisioner.compile.backends import BACKEND
from provisioner.compile.scope import Scope

if TYPE_CHECKING:  # imported where a body is built: ``validate`` compiles without the SDK
    from azure.mgmt.network import models as net


def ipconfig_id(nic_id: str, name: str) -> str:
    return ids.child_id(nic_id, "ipConfigurations", name)


def _ipconfig(
    scope: Scope, nic_id: str, name: str, subnet: str, version: str, pool_ids: list[str]
) -> dict[str, Any]:
    return {
        "name": name,
        "id": ipconfig_id(nic_id, name),
        "properties": {
            "primary": version == "IPv4",
            "subnet": {"id": scope.subnet_id(subnet)},
            "privateIPAddressVersion": version,
            "privateIPAllocationMethod": "Dynamic",
            "loadBalancerBackendAddressPools": BACKEND.pool_refs(pool_ids),
        },
    }


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
    primary = _ipconfig(scope, nic_id, names.IPCONFIG_V4, subnet, "IPv4", ipv4_pool_ids)
    if vm.private_ip:
        primary["properties"]["privateIPAllocationMethod"] = "Static"
        primary["properties"]["privateIPAddress"] = vm.private_ip
    configs = [primary]
    if vm.ipv6:
        configs.append(_ipconfig(scope, nic_id, names.IPCONFIG_V6, subnet, "IPv6", ipv6_pool_ids))
    properties: dict[str, Any] = {"ipConfigurations": configs}
    if vm.ip_forwarding:
        # Absent means false (the kind's default), so dropping ip_forwarding is a diff that a
        # PUT without the field undoes.
        properties["enableIPForwarding"] = True
    raw = {"location": scope.location, "tags": dict(scope.tags), "properties": properties}
    if not scope.sdk_bodies:
        return raw  # type: ignore[return-value]
    from azure.mgmt.network import models as net

    return wire.model(net.NetworkInterface, raw)
