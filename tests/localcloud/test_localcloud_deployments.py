"""Template deployments run (``provisioner/localcloud/deployments/``): every resource goes through
the handlers a direct PUT takes, in ``dependsOn`` order, and anything the engine cannot run fails
with ARM's error shape, never a silent 201 (issue 13). Driven through the real azure-core
pipeline and ARM's LRO poller (``deployments_client.py``)."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError
from deployments_client import begin_deploy, deploy, get, validate
from localcloud_helpers import SUB

PIP_TYPE = "Microsoft.Network/publicIPAddresses"
FE = "frontendIPConfigurations"
PIP_NAME_AT_FE = f"format('{{0}}-{{1}}', variables('prefix'), copyIndex('{FE}', 1))"


def _schema(resources, parameters=None, variables=None, outputs=None):
    return {
        "$schema": "https://schema.management.azure.com/schemas/2015-01-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters or {},
        "variables": variables or {},
        "resources": resources,
        "outputs": outputs or {},
    }


def _pip(name, **extra):
    return {
        "type": PIP_TYPE,
        "name": name,
        "location": "westeurope",
        "apiVersion": "2022-01-01",
        "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"},
        **extra,
    }


def az_cli_lb_template(lb="lb1", pip="PublicIPlb1"):
    """The shape ``az network lb create --public-ip-address`` sends (azure-cli's
    network/_template_builder.py): a new public IP, the LB depending on it by ``type/name``,
    and the LB as output through ``reference('<lb>')``."""
    return _schema(
        [
            _pip(pip, tags={}, dependsOn=[]),
            {
                "type": "Microsoft.Network/loadBalancers",
                "name": lb,
                "location": "westeurope",
                "tags": {},
                "apiVersion": "2022-01-01",
                "dependsOn": [f"Microsoft.Network/publicIpAddresses/{pip}"],
                "sku": {"name": "Standard"},
                "properties": {
                    "backendAddressPools": [{"name": f"{lb}bepool"}],
                    "frontendIPConfigurations": [
                        {
                            "name": "LoadBalancerFrontEnd",
                            "properties": {
                                "publicIPAddress": {
                                    "id": f"[resourceId('{PIP_TYPE}', '{pip}')]",
                                }
                            },
                        }
                    ],
                },
            },
        ],
        outputs={"loadBalancer": {"type": "object", "value": f"[reference('{lb}')]"}},
    )


@pytest.fixture
def c(clients):
    clients.resource.resource_groups.create_or_update("rg", {"location": "westeurope"})
    return clients


def _error(exc: HttpResponseError) -> tuple[str, list[str]]:
    return exc.error.code, [d.code for d in exc.error.details or []]


def test_az_cli_load_balancer_template_builds_the_load_balancer_and_outputs_it(c):
    result = deploy(c, "rg", "lb_deploy_x", az_cli_lb_template())
    props = result["properties"]
    assert props["provisioningState"] == "Succeeded"
    lb = c.network.load_balancers.get("rg", "lb1")
    pip = c.network.public_ip_addresses.get("rg", "PublicIPlb1")
    assert lb.frontend_ip_configurations[0].public_ip_address.id.lower() == pip.id.lower()
    assert pip.ip_configuration.id == lb.frontend_ip_configurations[0].id  # the handlers ran
    out = props["outputs"]["loadBalancer"]["value"]
    assert out["frontendIPConfigurations"][0]["name"] == "LoadBalancerFrontEnd"
    assert {r["id"].rsplit("/", 1)[-1] for r in props["outputResources"]} == {"lb1", "PublicIPlb1"}
    ops = get(c, "rg", "lb_deploy_x", "/operations")["value"]
    assert [o["properties"]["targetResource"]["resourceName"] for o in ops] == [
        "PublicIPlb1",
        "lb1",
    ]
    assert {o["properties"]["provisioningState"] for o in ops} == {"Succeeded"}


def test_copy_loops_parameters_variables_conditions_and_functions(c):
    template = _schema(
        [
            _pip(
                "[format('{0}-{1}', variables('prefix'), copyIndex(1))]",
                copy={"name": "pips", "count": "[parameters('count')]"},
                location="[resourceGroup().location]",
                tags={
                    "sub": "[subscription().subscriptionId]",
                    "env": "[toUpper(parameters('env'))]",
                },
            ),
            _pip("skipped", condition="[equals(parameters('env'), 'prod')]"),
            {
                "type": "Microsoft.Network/loadBalancers",
                "name": "[variables('lbName')]",
                "location": "westeurope",
                "apiVersion": "2022-01-01",
                "dependsOn": ["pips"],
                "sku": {"name": "Standard"},
                "properties": {
                    "copy": [
                        {
                            "name": "frontendIPConfigurations",
                            "count": "[length(variables('names'))]",
                            "input": {
                                "name": f"[variables('names')[copyIndex('{FE}')]]",
                                "properties": {
                                    "publicIPAddress": {
                                        "id": f"[resourceId('{PIP_TYPE}', {PIP_NAME_AT_FE})]"
                                    }
                                },
                            },
                        }
                    ]
                },
            },
        ],
        parameters={
            "count": {"type": "int", "defaultValue": 2},
            "env": {"type": "string", "allowedValues": ["dev", "prod"]},
        },
        variables={
            "prefix": "[concat('pip-', uniqueString(resourceGroup().id))]",
            "lbName": "[if(equals(parameters('env'), 'dev'), 'lb-dev', 'lb-prod')]",
            "names": ["fe-a", "fe-b"],
        },
        outputs={
            "frontends": {
                "type": "int",
                "value": "[length(reference('lb-dev').frontendIPConfigurations)]",
            },
            "literal": {"type": "string", "value": "[[not an expression]"},
        },
    )
    result = deploy(c, "rg", "d", template, {"env": {"value": "dev"}})
    pips = sorted(p.name for p in c.network.public_ip_addresses.list("rg"))
    assert len(pips) == 2 and pips[0].endswith("-1") and pips[1].endswith("-2")
    assert "skipped" not in pips
    assert {p.tags["env"] for p in c.network.public_ip_addresses.list("rg")} == {"DEV"}
    lb = c.network.load_balancers.get("rg", "lb-dev")
    assert [f.name for f in lb.frontend_ip_configurations] == ["fe-a", "fe-b"]
    outputs = result["properties"]["outputs"]
    assert outputs["frontends"]["value"] == 2
    assert outputs["literal"]["value"] == "[not an expression]"
    # the same inputs give the same names: a re-run updates, it does not add
    deploy(c, "rg", "d2", template, {"env": {"value": "dev"}})
    assert sorted(p.name for p in c.network.public_ip_addresses.list("rg")) == pips


def test_an_unsupported_function_fails_visibly_and_builds_nothing(c):
    template = _schema(
        [_pip("[concat('p', pickZones('Microsoft.Compute', 'virtualMachines', 'westeurope'))]")]
    )
    with pytest.raises(HttpResponseError) as err:
        deploy(c, "rg", "d", template)
    assert err.value.status_code == 400
    assert _error(err.value)[0] == "InvalidTemplate"
    assert "pickZones" in err.value.error.message
    assert list(c.network.public_ip_addresses.list("rg")) == []
    with pytest.raises(HttpResponseError) as err:
        get(c, "rg", "d")
    assert err.value.status_code == 404 and err.value.error.code == "DeploymentNotFound"


def test_a_resource_the_cloud_refuses_fails_the_deployment_with_its_error_as_detail(c):
    missing = f"/subscriptions/{SUB}/resourceGroups/rg/providers/{PIP_TYPE}/nope"
    template = _schema(
        [
            _pip("ok"),
            {
                "type": "Microsoft.Network/loadBalancers",
                "name": "lb",
                "location": "westeurope",
                "apiVersion": "2022-01-01",
                "dependsOn": ["ok"],
                "sku": {"name": "Standard"},
                "properties": {
                    "frontendIPConfigurations": [
                        {"name": "fe", "properties": {"publicIPAddress": {"id": missing}}}
                    ]
                },
            },
        ]
    )
    poller = begin_deploy(c, "rg", "d", template)
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    code, details = _error(err.value)
    assert code == "DeploymentFailed"
    assert details == ["InvalidResourceReference"]
    doc = get(c, "rg", "d")
    assert doc["properties"]["provisioningState"] == "Failed"
    assert doc["properties"]["error"]["details"][0]["code"] == "InvalidResourceReference"
    ops = get(c, "rg", "d", "/operations")["value"]
    assert [o["properties"]["provisioningState"] for o in ops] == ["Succeeded", "Failed"]
    assert ops[1]["properties"]["statusMessage"]["error"]["code"] == "InvalidResourceReference"


@pytest.mark.parametrize(
    ("template", "parameters", "code"),
    [
        (
            _schema([{**_pip("a"), "type": "Microsoft.Storage/storageAccounts"}]),
            {},
            "InvalidTemplateDeployment",
        ),
        (_schema([_pip("a", dependsOn=["b"]), _pip("b", dependsOn=["a"])]), {}, "InvalidTemplate"),
        (_schema([_pip("a", dependsOn=["ghost"])]), {}, "InvalidTemplate"),
        (_schema([_pip("[parameters('n')]")], {"n": {"type": "string"}}), {}, "InvalidTemplate"),
        (_schema([_pip("a")]), {"extra": {"value": 1}}, "InvalidTemplate"),
        (
            _schema([_pip("[parameters('n')]")], {"n": {"type": "int"}}),
            {"n": {"value": "x"}},
            "InvalidTemplate",
        ),
        (
            _schema([_pip("[variables('loop')]")], variables={"loop": "[variables('loop')]"}),
            {},
            "InvalidTemplate",
        ),
        (_schema([_pip("[concat('a']")]), {}, "InvalidTemplate"),
        (
            _schema([{**_pip("x"), "type": "Microsoft.Resources/deployments"}]),
            {},
            "InvalidTemplate",
        ),
    ],
    ids=[
        "unmodelled-type",
        "cycle",
        "unknown-dependency",
        "missing-parameter",
        "extra-parameter",
        "wrong-parameter-type",
        "self-referencing-variable",
        "unclosed-call",
        "nested-deployment",
    ],
)
def test_templates_arm_refuses_are_refused_before_anything_is_built(c, template, parameters, code):
    with pytest.raises(HttpResponseError) as err:
        deploy(c, "rg", "d", template, parameters)
    assert err.value.status_code == 400
    assert err.value.error.code == code
    assert list(c.network.public_ip_addresses.list("rg")) == []


def test_linked_templates_and_complete_mode_are_refused(c):
    from deployments_client import _send, _url

    linked = {
        "properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.com/t.json"}}
    }
    with pytest.raises(HttpResponseError) as err:
        _send(c, "PUT", _url("rg", "d"), linked)
    assert err.value.error.code == "InvalidTemplateDeployment"
    complete = {"properties": {"mode": "Complete", "template": _schema([])}}
    with pytest.raises(HttpResponseError) as err:
        _send(c, "PUT", _url("rg", "d"), complete)
    assert err.value.error.code == "InvalidDeploymentMode"


def test_validate_lists_the_resources_without_building_them(c):
    doc = validate(c, "rg", "d", az_cli_lb_template())
    assert {r["id"].rsplit("/", 1)[-1] for r in doc["properties"]["validatedResources"]} == {
        "lb1",
        "PublicIPlb1",
    }
    assert list(c.network.load_balancers.list("rg")) == []


def test_deployments_are_listed_and_deleted_without_their_resources(c):
    deploy(c, "rg", "d", _schema([_pip("a")]))
    from deployments_client import _send, _url

    listed = _send(c, "GET", _url("rg", "").replace("deployments/?", "deployments?"))
    assert [d["name"] for d in json.loads(listed.http_response.text())["value"]] == ["d"]
    _send(c, "DELETE", _url("rg", "d"))
    with pytest.raises(HttpResponseError):
        get(c, "rg", "d")
    assert [p.name for p in c.network.public_ip_addresses.list("rg")] == ["a"]


def test_a_deployment_is_not_a_listed_resource_and_goes_with_its_group(c):
    deploy(c, "rg", "d", _schema([_pip("a")]))
    assert [r.name for r in c.resource.resources.list_by_resource_group("rg")] == ["a"]
    c.resource.resource_groups.begin_delete("rg").result()
    c.resource.resource_groups.create_or_update("rg", {"location": "westeurope"})
    with pytest.raises(HttpResponseError) as err:
        get(c, "rg", "d")
    assert err.value.error.code == "DeploymentNotFound"


def test_a_template_spliced_in_as_az_cli_sends_it_is_read_as_arm_reads_it(c):
    """``az deployment group create --template-file`` puts the file's text, comments and all,
    after an unquoted ``template:`` key (azure-cli's JsonCTemplatePolicy); ARM reads that."""
    from azure.core.rest import HttpRequest

    resource = json.dumps(_pip("spliced"))
    template = (
        "{\n  // a comment, as in a hand-written template\n"
        '  "contentVersion": "1.0.0.0",\n'
        "  /* block comment */\n"
        f'  "resources": [{resource},],\n'
        "}"
    )
    body = '{"properties": {"parameters": {}, "mode": "Incremental", template:' + template + "}}"
    base = c.resource._config.base_url.rstrip("/")
    url = (
        f"{base}/subscriptions/{SUB}/resourcegroups/rg/providers/Microsoft.Resources/"
        "deployments/jsonc?api-version=2024-11-01"
    )
    req = HttpRequest(
        "PUT", url, content=body.encode(), headers={"Content-Type": "application/json"}
    )
    resp = c.resource._client._pipeline.run(req, stream=False).http_response
    assert resp.status_code == 201, resp.text()
    assert c.network.public_ip_addresses.get("rg", "spliced").sku.name == "Standard"
    bad = HttpRequest("PUT", url, content=b'{"properties": {template: {oops', headers={})
    resp = c.resource._client._pipeline.run(bad, stream=False).http_response
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "InvalidRequestFormat"
