"""Building blocks shared by the local cloud tests: a small Floating IP scenario."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from localcloud_helpers import SUB, Clients

LOC = "westeurope"


def rg_id(rg: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}"


def net_id(rg: str, kind: str, name: str) -> str:
    return f"{rg_id(rg)}/providers/Microsoft.Network/{kind}/{name}"


def make_group(c: Clients, rg: str = "rg", tags: dict[str, str] | None = None) -> None:
    c.resource.resource_groups.create_or_update(rg, {"location": LOC, "tags": tags or {}})


def make_vnet(c: Clients, rg: str = "rg", name: str = "vnet") -> Any:
    return c.network.virtual_networks.begin_create_or_update(
        rg,
        name,
        {
            "location": LOC,
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                "subnets": [{"name": "backend", "properties": {"addressPrefix": "10.0.1.0/24"}}],
            },
        },
    ).result()


def make_pip(c: Clients, rg: str = "rg", name: str = "pip", **props: Any) -> Any:
    body = {
        "location": LOC,
        "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static", **props},
    }
    return c.network.public_ip_addresses.begin_create_or_update(rg, name, body).result()


def lb_body(pip_id: str, lb: str = "lb", rg: str = "rg") -> dict[str, Any]:
    lid = net_id(rg, "loadBalancers", lb)
    return {
        "location": LOC,
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [
                {"name": "green", "properties": {"publicIPAddress": {"id": pip_id}}}
            ],
            "backendAddressPools": [{"name": "app"}],
            "probes": [{"name": "health", "properties": {"protocol": "tcp", "port": 8080}}],
            "loadBalancingRules": [
                {
                    "name": "green-80",
                    "properties": {
                        "protocol": "tcp",
                        "frontendPort": 80,
                        "backendPort": 80,
                        "enableFloatingIP": True,
                        "frontendIPConfiguration": {"id": f"{lid}/frontendIPConfigurations/green"},
                        "backendAddressPool": {"id": f"{lid}/backendAddressPools/app"},
                        "probe": {"id": f"{lid}/probes/health"},
                    },
                }
            ],
        },
    }


def make_nic(
    c: Clients,
    name: str,
    subnet_id: str,
    pools: list[str] | None = None,
    rg: str = "rg",
    **ipc: Any,
) -> Any:
    props: dict[str, Any] = {"subnet": {"id": subnet_id}, **ipc}
    if pools is not None:
        props["loadBalancerBackendAddressPools"] = [{"id": p} for p in pools]
    return c.network.network_interfaces.begin_create_or_update(
        rg,
        name,
        {
            "location": LOC,
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": props}]},
        },
    ).result()


def vm_body(nic_id: str, windows: bool = False) -> dict[str, Any]:
    image = (
        {
            "publisher": "MicrosoftWindowsServer",
            "offer": "WindowsServer",
            "sku": "2022-datacenter",
            "version": "latest",
        }
        if windows
        else {
            "publisher": "Canonical",
            "offer": "ubuntu-24_04-lts",
            "sku": "server",
            "version": "latest",
        }
    )
    return {
        "location": LOC,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {"imageReference": image},
            "osProfile": {
                "computerName": "vm",
                "adminUsername": "azureuser",
                "adminPassword": "Secret-123456",
            },
            "networkProfile": {"networkInterfaces": [{"id": nic_id}]},
        },
    }


def make_vm(c: Clients, name: str, nic_id: str, rg: str = "rg", windows: bool = False) -> Any:
    return c.compute.virtual_machines.begin_create_or_update(
        rg, name, vm_body(nic_id, windows)
    ).result()


def scenario(c: Clients, rg: str = "rg") -> dict[str, Any]:
    """RG, VNet, public IP, LB with one floating-IP rule, a NIC in the pool, a VM."""
    make_group(c, rg, {"provisioner-env": "demo"})
    vnet = make_vnet(c, rg)
    pip = make_pip(c, rg)
    lb = c.network.load_balancers.begin_create_or_update(rg, "lb", lb_body(pip.id, rg=rg)).result()
    nic = make_nic(c, "nic1", vnet.subnets[0].id, [lb.backend_address_pools[0].id], rg=rg)
    vm = make_vm(c, "vm1", nic.id, rg=rg)
    return {"vnet": vnet, "pip": pip, "lb": lb, "nic": nic, "vm": vm}


def manifest(action: str, addresses: list[str] = (), open_: list[dict] = ()) -> str:
    import json

    doc = {"version": 1, "action": action, "addresses": list(addresses), "open": list(open_)}
    return "# provisioner-guest-manifest: " + json.dumps(doc)


def refused(call: Callable[[], Any]) -> HttpResponseError:
    """The 400 a call (or the long-running operation it starts) is refused with."""
    with pytest.raises(HttpResponseError) as info:
        poller = call()
        if hasattr(poller, "result"):
            poller.result()
    assert info.value.status_code == 400, info.value
    return info.value
