"""The local cloud refuses in one place: the rules, named as functions, imported outright."""

from __future__ import annotations

import importlib
import sys

import pytest
from azure.core.exceptions import HttpResponseError
from localcloud_scenario import LOC, scenario, vm_body

from provisioner.localcloud import rules
from provisioner.localcloud.resources import handler_for
from provisioner.localcloud.rules.catalog import NIC_IN_USE, SUBNET_IN_USE

CHECKED_TYPES = {
    "Microsoft.Network/loadBalancers": rules.check_load_balancer_put,
    "Microsoft.Network/natGateways": rules.check_nat_gateway_put,
    "Microsoft.Network/networkInterfaces": rules.check_network_interface_put,
    "Microsoft.Network/networkSecurityGroups": rules.check_network_security_group_put,
    "Microsoft.Network/publicIPAddresses": rules.check_public_ip_put,
    "Microsoft.Network/virtualNetworks": rules.check_virtual_network_put,
    "Microsoft.Compute/virtualMachines": rules.check_virtual_machine_put,
}


@pytest.mark.parametrize("arm_type", sorted(CHECKED_TYPES))
def test_each_handler_names_its_rule_check_as_the_function_itself(arm_type):
    assert handler_for(arm_type).rules_check is CHECKED_TYPES[arm_type]


def test_a_type_without_rules_is_stored_unchecked():
    assert handler_for("Microsoft.Compute/availabilitySets").rules_check is None


def test_a_rules_package_that_does_not_import_is_an_error_not_a_log_line(monkeypatch):
    import provisioner.localcloud.rulecheck as rulecheck

    monkeypatch.setitem(sys.modules, "provisioner.localcloud.rules", None)
    with pytest.raises(ImportError):
        importlib.reload(rulecheck)
    monkeypatch.undo()
    importlib.reload(rulecheck)


def refusal(call) -> tuple[str, str]:
    with pytest.raises(HttpResponseError) as err:
        call().result()
    assert err.value.status_code == 400
    return err.value.error.code, err.value.error.message


def test_a_nic_on_a_vm_is_one_refusal_whether_another_vm_takes_it_or_it_is_deleted(clients):
    s = scenario(clients)
    taken = refusal(
        lambda: clients.compute.virtual_machines.begin_create_or_update(
            "rg", "vm2", vm_body(s["nic"].id)
        )
    )
    deleted = refusal(lambda: clients.network.network_interfaces.begin_delete("rg", "nic1"))
    message = NIC_IN_USE.template.format(nic=s["nic"].id, vm=s["vm"].id)
    assert taken == deleted == ("NicInUse", message)


def test_a_used_subnet_is_one_refusal_whether_a_vnet_put_drops_it_or_the_vnet_is_deleted(clients):
    s = scenario(clients)
    body = {
        "location": LOC,
        "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": []},
    }
    dropped = refusal(
        lambda: clients.network.virtual_networks.begin_create_or_update("rg", "vnet", body)
    )
    deleted = refusal(lambda: clients.network.virtual_networks.begin_delete("rg", "vnet"))
    holder = s["nic"].ip_configurations[0].id
    message = SUBNET_IN_USE.template.format(subnet="backend", ipconfig=holder)
    assert dropped == deleted == ("InUseSubnetCannotBeDeleted", message)
