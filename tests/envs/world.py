"""Build environments and decoys with the real SDK, tagged exactly as ``up`` tags them.

The cleanup tests do not depend on ``up``: they create what a (possibly interrupted) ``up``
would have left, plus resources that look like ours but are not, inside and outside our groups.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from azure.mgmt.compute import models as cm
from azure.mgmt.network import models as nm
from azure.mgmt.resource.resources.models import ResourceGroup

LOCATION = "westeurope"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def env_tags(env: str, expires: datetime | None, digest: str = "sha256:0") -> dict[str, str]:
    tags = {"provisioner-env": env, "provisioner-blueprint": digest, "provisioner-managed": "true"}
    if expires is not None:
        tags["provisioner-expires"] = stamp(expires)
    return tags


def group(t: Any, name: str, tags: dict[str, str] | None = None) -> str:
    return t.resources.resource_groups.create_or_update(
        name, ResourceGroup(location=LOCATION, tags=tags)
    ).id


def public_ip(t: Any, rg: str, name: str, tags: dict[str, str] | None = None) -> str:
    body = nm.PublicIPAddress(
        location=LOCATION,
        sku=nm.PublicIPAddressSku(name="Standard"),
        public_ip_allocation_method="Static",
        tags=tags,
    )
    return t.network.public_ip_addresses.begin_create_or_update(rg, name, body).result().id


def vnet(t: Any, rg: str, name: str, prefix: str, tags: dict[str, str] | None = None) -> str:
    body = nm.VirtualNetwork(
        location=LOCATION,
        address_space=nm.AddressSpace(address_prefixes=[prefix]),
        # someone else's older network: its subnet kept default outbound access (created before
        # API versions made new subnets private), so its VMs return run-command results
        subnets=[
            nm.Subnet(
                name="default",
                address_prefix=prefix.replace("/16", "/24"),
                default_outbound_access=True,
            )
        ],
        tags=tags,
    )
    return t.network.virtual_networks.begin_create_or_update(rg, name, body).result().id


def load_balancer(t: Any, rg: str, name: str, pip_id: str, tags: dict[str, str] | None) -> str:
    lb_id = f"/subscriptions/{t.subscription_id}/resourceGroups/{rg}/providers/"
    lb_id += f"Microsoft.Network/loadBalancers/{name}"
    body = nm.LoadBalancer(
        location=LOCATION,
        sku=nm.LoadBalancerSku(name="Standard"),
        frontend_ip_configurations=[
            nm.FrontendIPConfiguration(name="fe", public_ip_address=nm.PublicIPAddress(id=pip_id))
        ],
        backend_address_pools=[nm.BackendAddressPool(name="pool")],
        probes=[nm.Probe(name="tcp80", protocol="Tcp", port=80)],
        load_balancing_rules=[
            nm.LoadBalancingRule(
                name="http",
                protocol="Tcp",
                frontend_port=80,
                backend_port=80,
                frontend_ip_configuration=nm.SubResource(id=f"{lb_id}/frontendIPConfigurations/fe"),
                backend_address_pool=nm.SubResource(id=f"{lb_id}/backendAddressPools/pool"),
                probe=nm.SubResource(id=f"{lb_id}/probes/tcp80"),
            )
        ],
        tags=tags,
    )
    return t.network.load_balancers.begin_create_or_update(rg, name, body).result().id


def nic(
    t: Any, rg: str, name: str, subnet_id: str, pool_id: str | None, tags: dict[str, str] | None
) -> str:
    config = nm.NetworkInterfaceIPConfiguration(
        name="ipconfig1",
        primary=True,
        subnet=nm.Subnet(id=subnet_id),
        private_ip_allocation_method="Dynamic",
        load_balancer_backend_address_pools=[nm.BackendAddressPool(id=pool_id)]
        if pool_id
        else None,
    )
    body = nm.NetworkInterface(location=LOCATION, ip_configurations=[config], tags=tags)
    return t.network.network_interfaces.begin_create_or_update(rg, name, body).result().id


def vm(t: Any, rg: str, name: str, nic_id: str, tags: dict[str, str] | None) -> str:
    body = cm.VirtualMachine(
        location=LOCATION,
        hardware_profile=cm.HardwareProfile(vm_size="Standard_B1s"),
        storage_profile=cm.StorageProfile(
            image_reference=cm.ImageReference(
                publisher="Canonical",
                offer="ubuntu-24_04-lts",
                sku="server",
                version="latest",
            ),
            os_disk=cm.OSDisk(create_option="FromImage"),
        ),
        os_profile=cm.OSProfile(
            computer_name=name,
            admin_username="azureuser",
            linux_configuration=cm.LinuxConfiguration(
                disable_password_authentication=True,
                ssh=cm.SshConfiguration(
                    public_keys=[
                        cm.SshPublicKey(
                            path="/home/azureuser/.ssh/authorized_keys",
                            key_data="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests test",
                        )
                    ]
                ),
            ),
        ),
        network_profile=cm.NetworkProfile(
            network_interfaces=[cm.NetworkInterfaceReference(id=nic_id, primary=True)]
        ),
        tags=tags,
    )
    return t.compute.virtual_machines.begin_create_or_update(rg, name, body).result().id


def environment(
    t: Any,
    env: str,
    expires: datetime | None,
    *,
    octet: int,
    steps: int = 5,
    rg: str | None = None,
) -> list[str]:
    """An environment as ``up`` creates it: group, VNet, public IP, load balancer, NIC in its pool.

    ``steps`` < 5 stops early, as an ``up`` killed halfway would. ``rg`` puts the resources in an
    existing group the environment does not own (a brownfield group) instead of its own.
    """
    tags = env_tags(env, expires)
    ids: list[str] = []
    own_group = rg is None
    rg = rg or f"rg-{env}"
    if own_group:
        ids.append(group(t, rg, tags))
    if steps >= 2:
        ids.append(vnet(t, rg, f"vnet-{env}", f"10.{octet}.0.0/16", tags))
    if steps >= 3:
        ids.append(public_ip(t, rg, f"pip-{env}", tags))
    if steps >= 4:
        ids.append(load_balancer(t, rg, f"lb-{env}", ids[-1], tags))
    if steps >= 5:
        ids.append(
            nic(
                t,
                rg,
                f"nic-{env}",
                f"{ids[-3]}/subnets/default",
                f"{ids[-1]}/backendAddressPools/pool",
                tags,
            )
        )
    return ids


#: the group Azure creates by itself for the region's Network Watcher with the first virtual
#: network (learn.microsoft.com/azure/network-watcher/network-watcher-create): not the user's
PLATFORM_GROUP = "/resourcegroups/networkwatcherrg"


def live_ids(t: Any) -> set[str]:
    """Every resource and group in the subscription, lower-cased, except what the platform
    created by itself (``NetworkWatcherRG`` and the watcher in it)."""
    found = {g.id.lower() for g in t.resources.resource_groups.list()}
    found |= {r.id.lower() for r in t.resources.resources.list()}
    return {i for i in found if PLATFORM_GROUP not in i + "/"}


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
