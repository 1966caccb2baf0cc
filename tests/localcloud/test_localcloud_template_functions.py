"""Template expressions and functions (``localcloud/deployments/expressions.py`` and
``functions.py``), against the ARM template function reference
(https://learn.microsoft.com/azure/azure-resource-manager/templates/template-functions)."""

from __future__ import annotations

import pytest

from provisioner.localcloud.deployments.expressions import TemplateError
from provisioner.localcloud.deployments.template import Context, Run

SUB = "00000000-0000-0000-0000-000000000000"


def _run(parameters=None, variables=None, given=None) -> Run:
    ctx = Context(
        sub=SUB,
        rg="rg1",
        rg_doc={
            "id": f"/subscriptions/{SUB}/resourceGroups/rg1",
            "name": "rg1",
            "location": "westeurope",
        },
        tenant="t",
        deployment_name="d",
        template={"parameters": parameters or {}, "variables": variables or {}, "resources": []},
        parameters=given or {},
    )
    return Run(ctx, lambda _rid: None)


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("[concat('a', 'b', 1)]", "ab1"),
        ("[concat(createArray(1), createArray(2, 3))]", [1, 2, 3]),
        ("[format('{0}-{1:D3}', 'vm', 7)]", "vm-007"),
        ("[format('{{literal}} {0}', 'x')]", "{literal} x"),
        ("[resourceGroup().location]", "westeurope"),
        ("[resourceGroup()['name']]", "rg1"),
        ("[subscription().subscriptionId]", SUB),
        ("[length(uniqueString('a', 'b'))]", 13),
        ("[equals(uniqueString('a'), uniqueString('a'))]", True),
        ("[equals(guid('a', 'b'), guid('a', 'b'))]", True),
        ("[if(equals(1, 1), 'yes', pickZones('not', 'evaluated'))]", "yes"),
        (
            "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'v', 's')]",
            f"/subscriptions/{SUB}/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/v/subnets/s",
        ),
        (
            "[resourceId('other', 'Microsoft.Network/publicIPAddresses', 'p')]",
            f"/subscriptions/{SUB}/resourceGroups/other/providers/Microsoft.Network/publicIPAddresses/p",
        ),
        (
            "[subscriptionResourceId('Microsoft.Resources/resourceGroups', 'x')]",
            f"/subscriptions/{SUB}/providers/Microsoft.Resources/resourceGroups/x",
        ),
        ("[toLower(split('A-B', '-')[1])]", "b"),
        ("[union(createObject('a', 1), createObject('b', 2))]", {"a": 1, "b": 2}),
        ("[and(true(), not(false()), or(false(), true()))]", True),
        ("[add(mul(2, 3), div(7, 2))]", 9),
        ("[substring('abcdef', 2, 3)]", "cde"),
        ("[json('{\"a\": [1]}').a[0]]", 1),
        ("[empty('')]", True),
        ("[contains(createArray('a'), 'a')]", True),
        ("[last(range(1, 3))]", 3),
        ("[padLeft('7', 3, '0')]", "007"),
        ("[[literal]", "[literal]"),
        ("plain", "plain"),
    ],
)
def test_functions_evaluate_as_arm_does(expression, value):
    assert _run().value(expression) == value


def test_parameters_defaults_and_allowed_values():
    run = _run(
        parameters={
            "n": {"type": "int", "defaultValue": "[add(1, 2)]"},
            "env": {"type": "string", "allowedValues": ["dev"]},
            "stamp": {"type": "string", "defaultValue": "[utcNow()]"},
        },
        given={"env": {"value": "prod"}},
    )
    assert run.value("[parameters('n')]") == 3
    assert run.value("[parameters('stamp')]")  # utcNow() is allowed in a default
    with pytest.raises(TemplateError, match="allowed value"):
        run.value("[parameters('env')]")
    with pytest.raises(TemplateError, match="only valid within the default value"):
        run.value("[utcNow()]")


def test_variables_copy_and_copy_index_outside_a_loop():
    run = _run(
        variables={
            "copy": [{"name": "disks", "count": 2, "input": "[concat('d', copyIndex('disks'))]"}]
        }
    )
    assert run.value("[variables('disks')]") == ["d0", "d1"]
    with pytest.raises(TemplateError, match="copyIndex"):
        run.value("[copyIndex()]")


@pytest.mark.parametrize(
    "expression",
    [
        "[listKeys('x', '2020-01-01')]",
        "[concat('a']",
        "[unknownThing()]",
        "[parameters('ghost')]",
        "[createArray(1)[5]]",
        "[resourceGroup().nope]",
        "[div(1, 0)]",
    ],
)
def test_what_cannot_be_evaluated_is_a_template_error(expression):
    with pytest.raises(TemplateError):
        _run().value(expression)
