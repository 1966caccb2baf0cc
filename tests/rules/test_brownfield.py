"""Brownfield ids name the type their field takes (issue 16, item 9), checked without a cloud.

A load balancer's id given as an existing VM passed ``validate``; ``up`` then built everything
and failed at the guest step. Azure's own answer to such a reference is
``InvalidJsonReferenceWrongType`` (Azure/terraform-azurerm-computegroup#17).
"""

from __future__ import annotations

import pytest
from rules_helpers import LB, check, only, rule_type_1

from provisioner.arm.kinds import kind_of_type
from provisioner.blueprint import brownfield
from provisioner.blueprint.brownfield import existing_references, id_parts
from provisioner.blueprint.model import Blueprint
from provisioner.rules import codes

SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"
VM = f"{SUB}/resourceGroups/old/providers/Microsoft.Compute/virtualMachines/legacy"
LB_ID = f"{SUB}/resourceGroups/old/providers/Microsoft.Network/loadBalancers/legacy"
VNET = f"{SUB}/resourceGroups/hub/providers/Microsoft.Network/virtualNetworks/hub"
PIP = f"{SUB}/resourceGroups/hub/providers/Microsoft.Network/publicIPAddresses/green"
GROUP = f"{SUB}/resourceGroups/hub"


def _wrong_types(doc) -> list:
    return [f for f in check(doc) if f.code == codes.WRONG_TYPE_REFERENCE]


def _with_brownfield(vm: str = VM, vnet: str = VNET, pip: str = PIP, group: str = GROUP):
    doc = rule_type_1()
    doc["resource_group_id"] = group
    doc["network"]["existing_id"] = vnet
    doc["vms"]["legacy"] = {"existing_id": vm}
    doc["load_balancers"]["lb"]["pools"]["app"].append("legacy")
    doc["load_balancers"]["lb"]["frontends"]["green"] = {"public_ip_id": pip}
    return doc


def test_every_brownfield_id_of_the_right_type_passes():
    assert _wrong_types(_with_brownfield()) == []


def test_types_are_matched_without_regard_to_case_as_arm_does():
    vm = VM.replace("Microsoft.Compute/virtualMachines", "microsoft.compute/VIRTUALMACHINES")
    assert _wrong_types(_with_brownfield(vm=vm)) == []


def test_a_load_balancer_id_given_as_an_existing_vm_is_an_error_at_that_field():
    finding = only(_with_brownfield(vm=LB_ID), codes.WRONG_TYPE_REFERENCE)

    assert finding.severity == "error"
    assert finding.path == ("vms", "legacy", "existing_id")
    assert "Microsoft.Network/loadBalancers" in finding.message
    assert "virtual machine (Microsoft.Compute/virtualMachines)" in finding.message
    assert "/providers/Microsoft.Compute/virtualMachines/<name>" in finding.hint
    assert codes.OWN_CODE_NOTE not in finding.message  # Azure's code, not ours


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("vnet", GROUP, ("network", "existing_id")),
        ("group", VNET, ("resource_group_id",)),
        ("pip", VM, LB("frontends", "green", "public_ip_id")),
        ("vm", PIP, ("vms", "legacy", "existing_id")),
    ],
)
def test_each_brownfield_field_refuses_another_type(field, value, path):
    finding = only(_with_brownfield(**{field: value}), codes.WRONG_TYPE_REFERENCE)

    assert finding.path == path


def test_an_extension_resource_is_not_the_resource_it_extends():
    vm = f"{VM}/providers/Microsoft.Network/networkInterfaces/nic"

    finding = only(_with_brownfield(vm=vm), codes.WRONG_TYPE_REFERENCE)

    assert "Microsoft.Network/networkInterfaces" in finding.message


def test_existing_references_lists_the_four_fields_in_blueprint_order():
    bp = Blueprint.model_validate(_with_brownfield())

    refs = existing_references(bp)

    assert [(r.path, r.expected) for r in refs] == [
        (("resource_group_id",), brownfield.RESOURCE_GROUP),
        (("network", "existing_id"), brownfield.VIRTUAL_NETWORK),
        (("vms", "legacy", "existing_id"), brownfield.VIRTUAL_MACHINE),
        (LB("frontends", "green", "public_ip_id"), brownfield.PUBLIC_IP),
    ]


NSG = f"{SUB}/resourceGroups/hub/providers/Microsoft.Network/networkSecurityGroups/corp"


def test_an_existing_nsg_is_a_brownfield_id_for_the_blueprint_and_for_a_subnet():
    doc = rule_type_1()
    doc["security"] = {"existing": NSG}
    doc["network"]["subnets"]["edge"] = {"prefix": "10.0.9.0/24", "security": {"existing": NSG}}
    refs = existing_references(Blueprint.model_validate(doc))
    assert [(r.path, r.expected) for r in refs] == [
        (("security", "existing"), brownfield.NETWORK_SECURITY_GROUP),
        (("network", "subnets", "edge", "security", "existing"), brownfield.NETWORK_SECURITY_GROUP),
    ]
    assert _wrong_types(doc) == []


def test_an_existing_nsg_given_another_type_of_id_is_an_error_at_that_field():
    doc = rule_type_1()
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "security": {"existing": VNET}}
    finding = only(doc, codes.WRONG_TYPE_REFERENCE)
    assert finding.path == ("network", "subnets", "backend", "security", "existing")
    assert "network security group (Microsoft.Network/networkSecurityGroups)" in finding.message


def test_every_expected_type_is_a_kind_the_tool_reads():
    """The plan-time existence check reads each reference through the kind registry."""
    for expected in (
        brownfield.RESOURCE_GROUP,
        brownfield.VIRTUAL_NETWORK,
        brownfield.PUBLIC_IP,
        brownfield.VIRTUAL_MACHINE,
        brownfield.NETWORK_SECURITY_GROUP,
    ):
        assert kind_of_type(expected.arm_type) is not None, expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (GROUP, ("Microsoft.Resources/resourceGroups", "hub")),
        (VM, ("Microsoft.Compute/virtualMachines", "legacy")),
        (f"{VNET}/subnets/backend", ("Microsoft.Network/virtualNetworks/subnets", "backend")),
        (
            f"{VM}/providers/Microsoft.Insights/diagnosticSettings/d",
            ("Microsoft.Insights/diagnosticSettings", "d"),
        ),
        ("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network", None),
        ("/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/loadBalancers", None),
        ("/subscriptions/s/resourcegroups//providers/a/b/c", None),
        ("my-vm", None),
    ],
)
def test_id_parts_names_the_innermost_type(value, expected):
    parts = id_parts(value)

    assert (None if parts is None else (parts.arm_type, parts.name)) == expected
