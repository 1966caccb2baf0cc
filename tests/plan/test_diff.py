"""The plan compares what matters: Azure's echo of our own body never shows as a change."""

from __future__ import annotations

import copy

from azure.mgmt.network import models as net

from provisioner.arm.listing import ListedResource
from provisioner.compile.desired import (
    DesiredResource,
    DesiredState,
    Kind,
    Ownership,
    Tags,
)
from provisioner.compile.secrets import GENERATED_PASSWORD
from provisioner.plan.diff import build_plan, diff_bodies, plan_resource
from provisioner.plan.model import Action, Change
from provisioner.plan.planner import deletions

SUB = "00000000-0000-0000-0000-000000000001"
LB_ID = f"/subscriptions/{SUB}/resourceGroups/rg-demo/providers/Microsoft.Network/loadBalancers/lb"
TAGS = Tags("demo", "sha256:abc", None).as_dict()


def desired_lb(port: int = 80, rules: tuple[str, ...] = ("green",)) -> dict:
    lb = net.LoadBalancer(
        location="westeurope",
        tags=dict(TAGS),
        sku=net.LoadBalancerSku(name="Standard", tier="Regional"),
        frontend_ip_configurations=[
            net.FrontendIPConfiguration(
                name="green",
                id=f"{LB_ID}/frontendIPConfigurations/green",
                subnet=net.Subnet(id="/x/subnets/backend"),
                private_ip_allocation_method="Dynamic",
                private_ip_address_version="IPv4",
            )
        ],
        backend_address_pools=[
            net.BackendAddressPool(name="app", id=f"{LB_ID}/backendAddressPools/app")
        ],
        load_balancing_rules=[
            net.LoadBalancingRule(
                name=r,
                id=f"{LB_ID}/loadBalancingRules/{r}",
                frontend_ip_configuration=net.SubResource(
                    id=f"{LB_ID}/frontendIPConfigurations/green"
                ),
                backend_address_pool=net.SubResource(id=f"{LB_ID}/backendAddressPools/app"),
                protocol="Tcp",
                frontend_port=port,
                backend_port=port,
                enable_floating_ip=True,
            )
            for r in rules
        ],
    )
    return lb.as_dict()


def azure_echo(body: dict) -> dict:
    """What Azure returns for ``body``: ids re-cased, enums re-cased, defaults, back-references,
    etags and provisioning states everywhere, a dynamic address allocated."""
    live = copy.deepcopy(body)
    live.update(id=LB_ID, name="lb", etag='W/"1"', type="Microsoft.Network/loadBalancers")
    live["location"] = "West Europe"
    live["tags"] = {**live["tags"], "cost-centre": "42"}  # added by a policy
    props = live["properties"]
    props.update(provisioningState="Succeeded", resourceGuid="g", inboundNatPools=[])
    for fe in props["frontendIPConfigurations"]:
        fe["etag"] = 'W/"1"'
        fe["properties"].update(
            privateIPAddress="10.0.1.4",
            provisioningState="Succeeded",
            loadBalancingRules=[{"id": r["id"].upper()} for r in props["loadBalancingRules"]],
        )
    for rule in props["loadBalancingRules"]:
        rp = rule["properties"]
        rp["protocol"] = rp["protocol"].lower()
        rp["frontendIPConfiguration"]["id"] = rp["frontendIPConfiguration"]["id"].lower()
        rp.update(provisioningState="Succeeded", idleTimeoutInMinutes=4, enableTcpReset=False)
        rp.update(loadDistribution="Default", disableOutboundSnat=False)
    return live


def lb_resource(body: dict, ownership: Ownership = Ownership.OWNED) -> DesiredResource:
    return DesiredResource(
        key="load_balancer/lb",
        kind=Kind.LOAD_BALANCER,
        name="lb",
        id=LB_ID,
        resource_group="rg-demo",
        body=net.LoadBalancer(body),
        ownership=ownership,
    )


def test_azures_echo_of_our_load_balancer_is_no_change():
    body = desired_lb()
    assert diff_bodies(Kind.LOAD_BALANCER, body, azure_echo(body)) == []


def test_a_changed_port_shows_field_level_before_and_after():
    live = azure_echo(desired_lb(port=80))
    changes = diff_bodies(Kind.LOAD_BALANCER, desired_lb(port=8080), live)
    paths = {c.path: (c.before, c.after) for c in changes}
    assert paths == {
        "loadBalancingRules[green].frontendPort": (80, 8080),
        "loadBalancingRules[green].backendPort": (80, 8080),
    }


def test_a_rule_dropped_from_the_blueprint_is_removed_from_the_load_balancer():
    live = azure_echo(desired_lb(rules=("green", "purple")))
    changes = diff_bodies(Kind.LOAD_BALANCER, desired_lb(rules=("green",)), live)
    assert [(c.path, c.after) for c in changes] == [("loadBalancingRules[purple]", None)]


def test_a_rule_added_to_the_blueprint_is_a_change():
    live = azure_echo(desired_lb(rules=("green",)))
    changes = diff_bodies(Kind.LOAD_BALANCER, desired_lb(rules=("green", "blue")), live)
    assert [(c.path, c.before) for c in changes] == [("loadBalancingRules[blue]", None)]


def test_a_non_default_value_set_outside_the_blueprint_is_drift():
    live = azure_echo(desired_lb())
    live["properties"]["loadBalancingRules"][0]["properties"]["idleTimeoutInMinutes"] = 30
    changes = diff_bodies(Kind.LOAD_BALANCER, desired_lb(), live)
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("loadBalancingRules[green].idleTimeoutInMinutes", 30, 4)
    ]


def test_a_new_blueprint_digest_updates_the_tag():
    live = azure_echo(desired_lb())
    body = desired_lb()
    body["tags"]["provisioner-blueprint"] = "sha256:def"
    changes = diff_bodies(Kind.LOAD_BALANCER, body, live)
    assert [(c.path, c.before, c.after) for c in changes] == [
        ("tags.provisioner-blueprint", "sha256:abc", "sha256:def")
    ]


def test_plan_carries_the_etag_it_read_for_if_match():
    change = plan_resource(lb_resource(desired_lb(port=81)), azure_echo(desired_lb()))
    assert change.action is Action.UPDATE
    assert change.etag == 'W/"1"'


def test_missing_resource_is_a_create_and_a_matching_one_a_noop():
    assert plan_resource(lb_resource(desired_lb()), None).action is Action.CREATE
    assert plan_resource(lb_resource(desired_lb()), azure_echo(desired_lb())).action is Action.NOOP


def test_vm_admin_secrets_are_never_diffed():
    desired = {
        "location": "westeurope",
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "osProfile": {"adminUsername": "azureuser", "adminPassword": GENERATED_PASSWORD},
        },
    }
    live = copy.deepcopy(desired)
    live["properties"]["osProfile"] = {"adminUsername": "azureuser", "computerName": "vm1"}
    live["properties"]["hardwareProfile"]["vmSize"] = "standard_b1s"
    assert diff_bodies(Kind.VIRTUAL_MACHINE, desired, live) == []


def test_an_adopted_nic_keeps_pools_that_are_not_ours():
    pool = f"{LB_ID}/backendAddressPools/app"
    res = DesiredResource(
        key="network_interface/old-vm",
        kind=Kind.NETWORK_INTERFACE,
        name="old-vm",
        id="/subscriptions/s/resourceGroups/other/providers/Microsoft.Compute/virtualMachines/old",
        resource_group="other",
        body=[pool],
        ownership=Ownership.ADOPTED,
    )
    nic = {
        "etag": 'W/"7"',
        "properties": {
            "ipConfigurations": [
                {
                    "name": "ipconfig1",
                    "properties": {
                        "primary": True,
                        "loadBalancerBackendAddressPools": [{"id": "/their/pool"}],
                    },
                }
            ]
        },
    }
    change = plan_resource(res, nic)
    assert change.action is Action.UPDATE
    nic["properties"]["ipConfigurations"][0]["properties"]["loadBalancerBackendAddressPools"] += [
        {"id": pool.upper()}
    ]
    assert plan_resource(res, nic).action is Action.NOOP


def test_resources_the_blueprint_dropped_are_deleted_only_if_owned_and_known():
    state = DesiredState(
        env="demo",
        subscription_id=SUB,
        location="westeurope",
        resource_group="rg-demo",
        creates_resource_group=True,
        tags=Tags("demo", "d", None),
        resources={"load_balancer/lb": lb_resource(desired_lb())},
        guest=(),
        mapping=(),
    )
    vm_id = LB_ID.replace(
        "Microsoft.Network/loadBalancers/lb", "Microsoft.Compute/virtualMachines/old"
    )
    tagged = [
        ListedResource(LB_ID.lower(), "lb", "Microsoft.Network/loadBalancers", "rg-demo", {}),
        ListedResource(vm_id, "old", "Microsoft.Compute/virtualMachines", "rg-demo", {}),
    ]
    dels = deletions(state, tagged)
    assert [(c.action, c.key) for c in dels] == [(Action.DELETE, "virtual_machine/old")]
    plan = build_plan(state, {"load_balancer/lb": azure_echo(desired_lb())}, dels)
    assert plan.has_changes and plan.summary()["delete"] == 1
    assert isinstance(plan.changes[-1], Change)
