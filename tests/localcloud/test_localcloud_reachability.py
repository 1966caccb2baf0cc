"""What decides traffic, asked through Azure's own APIs with the real SDK: effective NSGs,
Network Watcher's ipFlowVerify and a load balancing rule's backend health.

Facts: ../shared/azure-traffic.md §1 and §3; shapes: the REST spec examples
``NetworkInterfaceEffectiveNSGList.json`` (2025-07-01), ``NetworkWatcherIpFlowVerify.json`` and
``LoadBalancerHealth.json`` (2025-03-01).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from localcloud_scenario import LOC, lb_body, make_group, make_nic, make_pip, make_vm, net_id

from provisioner.localcloud.guest import set_guest_listeners
from provisioner.localcloud.reachability.security import NO_NSG_ALLOW, NO_NSG_DENY
from provisioner.localcloud.wire import Request

WATCHER_RG, WATCHER = "NetworkWatcherRG", f"NetworkWatcher_{LOC}"
CLIENT = "198.18.0.1"  # an Internet address
PROBE = "168.63.129.16"
BASE = "https://localcloud.invalid"


def rule(name: str, priority: int, access: str = "Allow", **props: Any) -> dict[str, Any]:
    base = {
        "protocol": "Tcp",
        "access": access,
        "direction": "Inbound",
        "priority": priority,
        "sourceAddressPrefix": "Internet",
        "sourcePortRange": "*",
        "destinationAddressPrefix": "*",
        "destinationPortRange": "80",
    }
    return {"name": name, "properties": {**base, **props}}


def make_nsg(c, name: str, *rules: dict[str, Any]) -> Any:
    make_group(c)
    return c.network.network_security_groups.begin_create_or_update(
        "rg", name, {"location": LOC, "properties": {"securityRules": list(rules)}}
    ).result()


def vnet_body(subnet_nsg: str | None = None) -> dict[str, Any]:
    subnet: dict[str, Any] = {"addressPrefix": "10.0.1.0/24"}
    if subnet_nsg:
        subnet["networkSecurityGroup"] = {"id": subnet_nsg}
    return {
        "location": LOC,
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "backend", "properties": subnet}],
        },
    }


def world(c, subnet_nsg=None, nic_nsg=None, sku="Standard") -> dict[str, Any]:
    """A public load balancer (rule green-80, floating IP, probe tcp/8080) and one VM in its
    pool, with the NSGs given on the subnet and the NIC."""
    make_group(c)
    vnet = c.network.virtual_networks.begin_create_or_update(
        "rg", "vnet", vnet_body(subnet_nsg)
    ).result()
    pip = c.network.public_ip_addresses.begin_create_or_update(
        "rg",
        "pip",
        {
            "location": LOC,
            "sku": {"name": sku},
            "properties": {"publicIPAllocationMethod": "Static"},
        },
    ).result()
    body = lb_body(pip.id)
    body["sku"] = {"name": sku}
    lb = c.network.load_balancers.begin_create_or_update("rg", "lb", body).result()
    pool = lb.backend_address_pools[0].id
    nic_props = {"networkSecurityGroup": {"id": nic_nsg}} if nic_nsg else {}
    nic = c.network.network_interfaces.begin_create_or_update(
        "rg",
        "nic1",
        {
            "location": LOC,
            "properties": {
                **nic_props,
                "ipConfigurations": [
                    {
                        "name": "ipconfig1",
                        "properties": {
                            "subnet": {"id": vnet.subnets[0].id},
                            "loadBalancerBackendAddressPools": [{"id": pool}],
                        },
                    }
                ],
            },
        },
    ).result()
    vm = make_vm(c, "vm1", nic.id)
    nic_ip = nic.ip_configurations[0].private_ip_address
    return {"vnet": vnet, "pip": pip, "lb": lb, "nic": nic, "vm": vm, "nic_ip": nic_ip}


def verify(c, w, remote=CLIENT, port="80", direction="Inbound", local=None, protocol="TCP"):
    return c.network.network_watchers.begin_verify_ip_flow(
        WATCHER_RG,
        WATCHER,
        {
            "targetResourceId": w["vm"].id,
            "direction": direction,
            "protocol": protocol,
            "localIPAddress": local or w["nic_ip"],
            "localPort": port,
            "remoteIPAddress": remote,
            "remotePort": "44321" if direction == "Inbound" else "443",
        },
    ).result()


def health(c, rule_name="green-80"):
    return c.network.load_balancer_load_balancing_rules.begin_health("rg", "lb", rule_name).result()


def effective(c, nic="nic1"):
    poller = c.network.network_interfaces.begin_list_effective_network_security_groups("rg", nic)
    return poller.result().as_dict()["value"]


# --- a Standard public load balancer with no NSG -----------------------------------------------


def test_standard_without_any_nsg_denies_the_internet_and_admits_the_virtual_network(clients):
    w = world(clients)
    denied = verify(clients, w)
    assert (denied.access, denied.rule_name) == ("Deny", NO_NSG_DENY)
    inside = verify(clients, w, remote="10.0.1.99")
    assert (inside.access, inside.rule_name) == ("Allow", NO_NSG_ALLOW)
    assert effective(clients) == []


def test_without_any_nsg_probes_are_platform_traffic_and_backends_are_up(clients):
    """The probe comes from 168.63.129.16, the host's address, not from outside the virtual
    network: an internal Standard LB with no NSG works, so its probes must pass."""
    w = world(clients)
    result = health(clients)
    assert (result.up, result.down) == (1, 0)
    [backend] = result.load_balancer_backend_addresses
    assert backend.ip_address == w["nic_ip"]
    assert backend.network_interface_ip_configuration_id == w["nic"].ip_configurations[0].id
    assert (backend.state, backend.reason) == ("Up", "Up_Probe_Success")
    assert verify(clients, w, remote=PROBE, port="8080").access == "Allow"


def test_basic_sku_without_nsg_is_open(clients):
    clients.cloud.set_basic_public_ip_quota(1)  # a subscription that kept one
    w = world(clients, sku="Basic")
    assert (verify(clients, w).access, verify(clients, w).rule_name) == ("Allow", NO_NSG_ALLOW)


# --- NSG evaluation ----------------------------------------------------------------------------


def test_a_subnet_nsg_rule_allows_its_port_and_the_default_rule_denies_the_rest(clients):
    nsg = make_nsg(clients, "nsg", rule("web", 100))
    w = world(clients, subnet_nsg=nsg.id)
    allowed = verify(clients, w)
    assert (allowed.access, allowed.rule_name) == ("Allow", "securityRules/web")
    other = verify(clients, w, port="81")
    assert (other.access, other.rule_name) == ("Deny", "defaultSecurityRules/DenyAllInBound")
    vnet = verify(clients, w, remote="10.0.1.50", port="81")
    assert (vnet.access, vnet.rule_name) == ("Allow", "defaultSecurityRules/AllowVnetInBound")


def test_lowest_priority_number_decides(clients):
    nsg = make_nsg(
        clients,
        "nsg",
        rule("allow-web", 300),
        rule("deny-one-client", 200, access="Deny", sourceAddressPrefix=f"{CLIENT}/32"),
    )
    w = world(clients, subnet_nsg=nsg.id)
    assert verify(clients, w).rule_name == "securityRules/deny-one-client"
    assert verify(clients, w, remote="198.18.0.2").rule_name == "securityRules/allow-web"


def test_inbound_needs_both_nsgs_subnet_first(clients):
    subnet = make_nsg(clients, "subnet-nsg", rule("web", 100))
    nic = make_nsg(clients, "nic-nsg", rule("no-web", 100, access="Deny"))
    w = world(clients, subnet_nsg=subnet.id, nic_nsg=nic.id)
    result = verify(clients, w)
    assert (result.access, result.rule_name) == ("Deny", "securityRules/no-web")
    groups = effective(clients)
    assert [next(iter(g["association"])) for g in groups] == ["subnet", "networkInterface"]
    both = make_nsg(clients, "nic-nsg", rule("web", 100))
    assert both.security_rules[0].name == "web"
    assert verify(clients, w).access == "Allow"


def test_a_subnet_deny_wins_even_when_the_nic_allows(clients):
    subnet = make_nsg(clients, "subnet-nsg")
    nic = make_nsg(clients, "nic-nsg", rule("web", 100))
    w = world(clients, subnet_nsg=subnet.id, nic_nsg=nic.id)
    result = verify(clients, w)
    assert (result.access, result.rule_name) == ("Deny", "defaultSecurityRules/DenyAllInBound")


def test_outbound_is_asked_of_the_nic_nsg_first(clients):
    subnet = make_nsg(clients, "subnet-nsg")
    nic = make_nsg(
        clients,
        "nic-nsg",
        rule(
            "no-https-out",
            100,
            access="Deny",
            direction="Outbound",
            sourceAddressPrefix="*",
            destinationAddressPrefix="Internet",
            destinationPortRange="443",
        ),
    )
    w = world(clients, subnet_nsg=subnet.id, nic_nsg=nic.id)
    out = verify(clients, w, direction="Outbound", port="50000", remote="198.18.0.9")
    assert (out.access, out.rule_name) == ("Deny", "securityRules/no-https-out")
    ok = verify(clients, w, direction="Outbound", port="50000", remote="10.0.1.9")
    assert (ok.access, ok.rule_name) == ("Allow", "defaultSecurityRules/AllowVnetOutBound")


def test_floating_ip_traffic_is_matched_on_the_frontend_ip(clients):
    """With Floating IP the packet still carries the frontend IP: a rule aimed at the VM's own
    address does not match it (kubernetes-sigs/cloud-provider-azure#10083)."""
    make_group(clients)
    pip_ip = make_pip(clients, name="probe-pip").ip_address
    nsg = make_nsg(clients, "nsg", rule("to-frontend", 100, destinationAddressPrefix=pip_ip))
    w = world(clients, subnet_nsg=nsg.id)
    assert verify(clients, w, local=pip_ip).rule_name == "securityRules/to-frontend"
    assert verify(clients, w).rule_name == "defaultSecurityRules/DenyAllInBound"


def test_protocol_ports_and_udp(clients):
    nsg = make_nsg(
        clients,
        "nsg",
        rule("dns", 100, protocol="Udp", destinationPortRange="53"),
        rule("range", 110, destinationPortRange="8000-8100"),
        rule("list", 120, destinationPortRange=None, destinationPortRanges=["443", "8443"]),
    )
    w = world(clients, subnet_nsg=nsg.id)
    assert verify(clients, w, port="53", protocol="UDP").rule_name == "securityRules/dns"
    assert verify(clients, w, port="53").access == "Deny"
    assert verify(clients, w, port="8050").rule_name == "securityRules/range"
    assert verify(clients, w, port="8443").rule_name == "securityRules/list"


def test_a_port_list_of_ports_and_ranges_decides_each_port_it_holds(clients):
    ports = ["20000", "20002-20010", "21000"]
    nsg = make_nsg(
        clients, "nsg", rule("folded", 100, destinationPortRange=None, destinationPortRanges=ports)
    )
    w = world(clients, subnet_nsg=nsg.id)
    for port in ("20000", "20005", "20010", "21000"):
        assert verify(clients, w, port=port).rule_name == "securityRules/folded", port
    for port in ("20001", "20011", "20999"):
        assert verify(clients, w, port=port).access == "Deny", port


# --- effective security rules ------------------------------------------------------------------


def test_effective_rules_list_custom_then_default_rules_with_tags_expanded(clients):
    nsg = make_nsg(clients, "nsg", rule("web", 100))
    w = world(clients, subnet_nsg=nsg.id)
    [group] = effective(clients)
    assert group["networkSecurityGroup"] == {"id": nsg.id}
    assert group["association"] == {"subnet": {"id": w["vnet"].subnets[0].id}}
    names = [r["name"] for r in group["effectiveSecurityRules"]]
    assert names == [
        "securityRules/web",
        "defaultSecurityRules/AllowVnetInBound",
        "defaultSecurityRules/AllowAzureLoadBalancerInBound",
        "defaultSecurityRules/DenyAllInBound",
        "defaultSecurityRules/AllowVnetOutBound",
        "defaultSecurityRules/AllowInternetOutBound",
        "defaultSecurityRules/DenyAllOutBound",
    ]
    rules = {r["name"]: r for r in group["effectiveSecurityRules"]}
    web = rules["securityRules/web"]
    assert web["protocol"] == "Tcp" and web["sourcePortRange"] == "0-65535"
    assert web["destinationPortRange"] == "80-80" and web["destinationAddressPrefix"] == "0.0.0.0/0"
    assert (
        web["sourceAddressPrefix"] == "Internet"
        and "1.0.0.0/8" in web["expandedSourceAddressPrefix"]
    )
    vnet_in = rules["defaultSecurityRules/AllowVnetInBound"]
    assert vnet_in["protocol"] == "All"
    assert vnet_in["expandedSourceAddressPrefix"] == ["10.0.0.0/16"]
    probe = rules["defaultSecurityRules/AllowAzureLoadBalancerInBound"]
    assert "168.63.129.16/32" in probe["expandedSourceAddressPrefix"]
    assert group["tagMap"]["VirtualNetwork"] == ["10.0.0.0/16"]


# --- health ------------------------------------------------------------------------------------


def test_a_custom_deny_shadowing_the_probe_takes_every_backend_down(clients):
    nsg = make_nsg(
        clients,
        "nsg",
        rule("web", 100),
        rule(
            "deny-probe",
            4000,
            access="Deny",
            sourceAddressPrefix="AzureLoadBalancer",
            destinationPortRange="8080",
        ),
    )
    w = world(clients, subnet_nsg=nsg.id)
    result = health(clients)
    assert (result.up, result.down) == (0, 1)
    assert result.load_balancer_backend_addresses[0].reason == "Down_Probe_TcpProbeTimeout"
    shadowed = verify(clients, w, remote=PROBE, port="8080")
    assert (shadowed.access, shadowed.rule_name) == ("Deny", "securityRules/deny-probe")
    other_port = verify(clients, w, remote=PROBE, port="9090")
    assert other_port.rule_name == "defaultSecurityRules/AllowAzureLoadBalancerInBound"


def test_a_backend_is_down_when_nothing_listens_or_the_vm_is_stopped(clients):
    nsg = make_nsg(clients, "nsg", rule("web", 100))
    w = world(clients, subnet_nsg=nsg.id)
    assert health(clients).up == 1
    set_guest_listeners(clients.cloud, w["vm"].id, [{"protocol": "tcp", "port": 9999}])
    assert (health(clients).up, health(clients).down) == (0, 1)
    set_guest_listeners(clients.cloud, w["vm"].id, [{"protocol": "tcp", "port": 8080}])
    assert health(clients).up == 1
    clients.compute.virtual_machines.begin_power_off("rg", "vm1").result()
    assert health(clients).load_balancer_backend_addresses[0].state == "Down"
    clients.compute.virtual_machines.begin_start("rg", "vm1").result()
    assert health(clients).up == 1


def test_health_of_a_missing_rule_is_not_found(clients):
    world(clients)
    with pytest.raises(ResourceNotFoundError):
        health(clients, "nope")


# --- Network Watcher ---------------------------------------------------------------------------


def test_the_first_virtual_network_enables_network_watcher_as_the_platform(clients):
    world(clients)
    watcher = clients.network.network_watchers.get(WATCHER_RG, WATCHER)
    assert watcher.location == LOC and watcher.provisioning_state == "Succeeded"
    assert not watcher.tags
    names = {g.name for g in clients.resource.resource_groups.list()}
    assert WATCHER_RG in names  # ARM lists it, as Azure does
    assert WATCHER_RG not in {r["name"] for r in clients.cloud.resources()}
    assert WATCHER in {r["name"] for r in clients.cloud.resources(platform=True)}
    tagged = clients.resource.resources.list(filter="tagName eq 'provisioner-env'")
    assert WATCHER not in {r.name for r in tagged}


def test_one_network_watcher_per_region(clients):
    world(clients)
    with pytest.raises(HttpResponseError) as err:
        clients.network.network_watchers.create_or_update("rg", "mine", {"location": LOC})
    assert err.value.error.code == "NetworkWatcherCountLimitReached"
    other = clients.network.network_watchers.create_or_update("rg", "mine", {"location": "eastus"})
    assert other.location == "eastus"


def test_autocreation_can_be_turned_off(clients):
    clients.cloud.set_network_watcher_autocreate(False)
    world(clients)
    assert WATCHER_RG not in {g.name for g in clients.resource.resource_groups.list()}


def test_ip_flow_verify_refuses_what_it_cannot_answer(clients):
    w = world(clients)
    with pytest.raises(HttpResponseError) as err:
        clients.network.network_watchers.begin_verify_ip_flow(
            WATCHER_RG, WATCHER, {"targetResourceId": w["vm"].id, "direction": "Inbound"}
        ).result()
    assert err.value.status_code == 400 and "localPort" in str(err.value)
    ghost = {
        "targetResourceId": w["vm"].id.replace("vm1", "ghost"),
        "direction": "Inbound",
        "protocol": "TCP",
        "localIPAddress": w["nic_ip"],
        "localPort": "80",
        "remoteIPAddress": CLIENT,
        "remotePort": "1",
    }
    with pytest.raises(ResourceNotFoundError):
        clients.network.network_watchers.begin_verify_ip_flow(WATCHER_RG, WATCHER, ghost).result()
    with pytest.raises(ResourceNotFoundError):
        clients.network.network_watchers.begin_verify_ip_flow(WATCHER_RG, "nw", ghost).result()


def test_answers_are_long_running_operations_in_virtual_time(clients):
    """202 with both poll headers and Retry-After in virtual seconds; the Location answers 202
    while the operation runs (nothing here waits)."""
    w = world(clients)
    cloud = clients.cloud
    cloud.set_latency({"Microsoft.Network/networkWatchers/ipFlowVerify:POST": 7})
    cloud.set_time_scale(1.0)
    body = {
        "targetResourceId": w["vm"].id,
        "direction": "Inbound",
        "protocol": "TCP",
        "localIPAddress": w["nic_ip"],
        "localPort": "80",
        "remoteIPAddress": CLIENT,
        "remotePort": "1",
    }
    path = net_id(WATCHER_RG, "networkWatchers", WATCHER) + "/ipFlowVerify?api-version=2026-03-01"
    resp = cloud.engine.handle(
        Request.build("POST", path, {}, json.dumps(body).encode(), BASE, "inprocess")
    )
    assert resp.status == 202 and resp.headers["Retry-After"] == "7"
    assert "Azure-AsyncOperation" in resp.headers
    location = resp.headers["Location"].removeprefix(BASE)
    assert "/operationResults/" in location
    pending = cloud.engine.handle(Request.build("GET", location, {}, b"", BASE, "inprocess"))
    assert pending.status == 202


def test_internal_load_balancer_without_nsg_serves_the_virtual_network(clients):
    make_group(clients)
    vnet = clients.network.virtual_networks.begin_create_or_update(
        "rg", "vnet", vnet_body()
    ).result()
    lid = net_id("rg", "loadBalancers", "ilb")
    body = lb_body("unused", lb="ilb")
    body["properties"]["frontendIPConfigurations"] = [
        {"name": "green", "properties": {"subnet": {"id": vnet.subnets[0].id}}}
    ]
    lb = clients.network.load_balancers.begin_create_or_update("rg", "ilb", body).result()
    nic = make_nic(clients, "nic1", vnet.subnets[0].id, [f"{lid}/backendAddressPools/app"])
    vm = make_vm(clients, "vm1", nic.id)
    w = {"vm": vm, "nic_ip": nic.ip_configurations[0].private_ip_address}
    frontend = lb.frontend_ip_configurations[0].private_ip_address
    assert verify(clients, w, remote="10.0.1.77", local=frontend).access == "Allow"
    assert verify(clients, w, local=frontend).rule_name == NO_NSG_DENY
