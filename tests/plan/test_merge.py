"""What a PUT carries over from the live resource because the blueprint does not manage it."""

from __future__ import annotations

from provisioner.compile.desired import Kind
from provisioner.plan.diff import diff_bodies
from provisioner.plan.merge import merge_unmanaged

NSG = {"id": "/subscriptions/s/resourceGroups/x/providers/Microsoft.Network/nsg/theirs"}
ROUTES = {"id": "/subscriptions/s/resourceGroups/x/providers/Microsoft.Network/routeTables/r"}


def _vnet(**subnet_props):
    props = {"addressPrefix": "10.0.1.0/24", **subnet_props}
    return {
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "backend", "properties": props}],
        }
    }


def test_a_subnets_nsg_route_table_and_nat_gateway_survive_a_vnet_put():
    live = _vnet(networkSecurityGroup=NSG, routeTable=ROUTES, natGateway={"id": "n"})
    desired = _vnet()
    desired["properties"]["addressSpace"]["addressPrefixes"].append("10.1.0.0/16")
    body, kept = merge_unmanaged(Kind.VIRTUAL_NETWORK, desired, live)
    subnet = body["properties"]["subnets"][0]["properties"]
    assert subnet["networkSecurityGroup"] == NSG and subnet["routeTable"] == ROUTES
    assert set(kept) == {
        "subnets[backend].networkSecurityGroup",
        "subnets[backend].routeTable",
        "subnets[backend].natGateway",
    }
    assert [c.path for c in diff_bodies(Kind.VIRTUAL_NETWORK, body, live)] == [
        "addressSpace.addressPrefixes"
    ]
    assert "networkSecurityGroup" not in desired["properties"]["subnets"][0]["properties"]


def test_a_field_the_blueprint_sets_is_never_overwritten_by_live():
    live = _vnet(networkSecurityGroup=NSG)
    ours = {"id": "/subscriptions/s/resourceGroups/x/providers/Microsoft.Network/nsg/ours"}
    body, kept = merge_unmanaged(Kind.VIRTUAL_NETWORK, _vnet(networkSecurityGroup=ours), live)
    assert body["properties"]["subnets"][0]["properties"]["networkSecurityGroup"] == ours
    assert kept == ()


def _nic(*configs, **props):
    return {
        "properties": {
            **props,
            "ipConfigurations": [
                {"name": n, "properties": {"primary": n == "ipconfig-v4"}} for n in configs
            ],
        }
    }


def test_a_nics_nsg_and_someone_elses_ip_configuration_survive_but_ours_can_go():
    live = _nic("ipconfig-v4", "ipconfig-v6", "their-extra", networkSecurityGroup=NSG)
    body, kept = merge_unmanaged(Kind.NETWORK_INTERFACE, _nic("ipconfig-v4"), live)
    names = [c["name"] for c in body["properties"]["ipConfigurations"]]
    assert names == ["ipconfig-v4", "their-extra"]  # our dropped IPv6 config really goes
    assert body["properties"]["networkSecurityGroup"] == NSG
    assert set(kept) == {"networkSecurityGroup", "ipConfigurations[their-extra]"}


def test_inbound_nat_and_outbound_rules_survive_a_load_balancer_put():
    live = {"properties": {"inboundNatRules": [{"name": "ssh"}], "outboundRules": []}}
    body, kept = merge_unmanaged(Kind.LOAD_BALANCER, {"properties": {"probes": []}}, live)
    assert body["properties"]["inboundNatRules"] == [{"name": "ssh"}]
    assert "outboundRules" not in body["properties"]  # nothing there to keep
    assert kept == ("inboundNatRules",)


def test_a_data_disk_someone_attached_survives_a_vm_put():
    disk = {"lun": 0, "createOption": "Attach", "managedDisk": {"id": "d"}}
    live = {"properties": {"storageProfile": {"osDisk": {}, "dataDisks": [disk]}}}
    desired = {"properties": {"storageProfile": {"osDisk": {}}}}
    body, kept = merge_unmanaged(Kind.VIRTUAL_MACHINE, desired, live)
    assert body["properties"]["storageProfile"]["dataDisks"] == [disk]
    assert kept == ("storageProfile.dataDisks",)


def test_nothing_is_kept_for_a_new_resource():
    assert merge_unmanaged(Kind.VIRTUAL_NETWORK, _vnet(), None) == (_vnet(), ())
