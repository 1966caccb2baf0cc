"""The local cloud refuses in one place: the rules, named as functions, imported outright."""

from __future__ import annotations

import importlib
import sys

import pytest

from provisioner.localcloud import rules
from provisioner.localcloud.resources import handler_for

CHECKED_TYPES = {
    "Microsoft.Network/loadBalancers": rules.check_load_balancer_put,
    "Microsoft.Network/networkInterfaces": rules.check_network_interface_put,
    "Microsoft.Network/publicIPAddresses": rules.check_public_ip_put,
    "Microsoft.Network/virtualNetworks": rules.check_virtual_network_put,
    "Microsoft.Compute/virtualMachines": rules.check_virtual_machine_put,
}


@pytest.mark.parametrize("arm_type", sorted(CHECKED_TYPES))
def test_each_handler_names_its_rule_check_as_the_function_itself(arm_type):
    assert handler_for(arm_type).rules_check is CHECKED_TYPES[arm_type]


def test_a_type_without_rules_is_stored_unchecked():
    assert handler_for("Microsoft.Network/networkSecurityGroups").rules_check is None


def test_a_rules_package_that_does_not_import_is_an_error_not_a_log_line(monkeypatch):
    import provisioner.localcloud.rulecheck as rulecheck

    monkeypatch.setitem(sys.modules, "provisioner.localcloud.rules", None)
    with pytest.raises(ImportError):
        importlib.reload(rulecheck)
    monkeypatch.undo()
    importlib.reload(rulecheck)
