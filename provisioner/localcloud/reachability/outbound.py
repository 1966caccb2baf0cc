"""Whether a VM can open connections to the internet, and how.

A VM in a subnet whose ``defaultOutboundAccess`` is ``false`` (a *private* subnet: network API
2025-07-01 and later make new subnets so) has no outbound connectivity unless an explicit method
gives it one: a NAT gateway on its subnet, an outbound rule of a Standard load balancer whose
pool holds its NIC, membership of a Basic public load balancer's pool, or a public IP on its NIC
(learn.microsoft.com/azure/virtual-network/ip-services/default-outbound-access, "explicit
outbound connectivity"). A subnet that leaves the field out (null) or sets it ``true`` still
gives default outbound access. The check looks at the VM's primary NIC and its primary IP
configuration, the ones the guest agent talks through.
"""

from __future__ import annotations

from dataclasses import dataclass

from provisioner.localcloud.reachability.security import Lookup, primary_ipconfig
from provisioner.localcloud.rules.ids import props as _props
from provisioner.localcloud.rules.ids import ref as _ref


@dataclass(frozen=True)
class Outbound:
    possible: bool
    how: str  # "NAT gateway …", "public IP …", "default outbound access", or why not


def primary_nic_id(vm: dict) -> str | None:
    nics = (_props(vm).get("networkProfile") or {}).get("networkInterfaces") or []
    chosen = next((n for n in nics if _props(n).get("primary") is True), nics[0] if nics else None)
    return _ref(chosen)


def vm_outbound(vm: dict, lookup: Lookup) -> Outbound:
    """How the VM's primary NIC reaches the internet, or why it cannot."""
    nic_id = primary_nic_id(vm)
    nic = lookup.get(nic_id) if nic_id else None
    if nic is None:
        return Outbound(False, "the VM has no network interface")
    ipc = _props(primary_ipconfig(nic))
    pip = _ref(ipc.get("publicIPAddress"))
    if pip:
        return Outbound(True, f"public IP {pip}")
    subnet_id = _ref(ipc.get("subnet"))
    subnet = _props(lookup.get(subnet_id)) if subnet_id else {}
    nat = _ref(subnet.get("natGateway"))
    if nat:
        return Outbound(True, f"NAT gateway {nat}")
    via_lb = _load_balancer_outbound(ipc, lookup)
    if via_lb:
        return Outbound(True, via_lb)
    if subnet.get("defaultOutboundAccess") is False:
        return Outbound(
            False,
            f"subnet {subnet_id} is private (defaultOutboundAccess false) and the NIC has no "
            "NAT gateway, load balancer outbound rule or public IP",
        )
    return Outbound(True, "default outbound access")


def _load_balancer_outbound(ipc: dict, lookup: Lookup) -> str:
    """An outbound rule of a Standard load balancer SNATs the pool, or a Basic public one does
    by its load balancing rules."""
    for pool_ref in ipc.get("loadBalancerBackendAddressPools") or []:
        pool = _ref(pool_ref)
        if not pool:
            continue
        lb = lookup.get(pool.rstrip("/").rsplit("/", 2)[0])
        p = _props(lb)
        for out in p.get("outboundRules") or []:
            target = _ref(_props(out).get("backendAddressPool"))
            if target and target.lower() == pool.lower():
                return f"outbound rule {out.get('id')}"
        sku = (lb or {}).get("sku") or {}
        public = any(
            _ref(_props(fe).get("publicIPAddress"))
            for fe in p.get("frontendIPConfigurations") or []
        )
        if sku.get("name") == "Basic" and public:
            return f"Basic public load balancer {lb.get('id') if lb else pool}"
    return ""
