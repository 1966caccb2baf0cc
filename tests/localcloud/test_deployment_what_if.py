"""A deployment's what-if (``provisioner/localcloud/deployments/whatif.py``): the template runs
through the deployment's own checks and evaluator, each resource is compared with what is
stored, and nothing is written. Driven by the real SDK's ``deployments.begin_what_if``
(azure-mgmt-resource-deployments, where azure-mgmt-resource 24+ moved the deployments
operations): a POST answered 202 with a ``Location``, polled until the result."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resource.deployments import DeploymentsMgmtClient
from azure.mgmt.resource.resources import ResourceManagementClient
from localcloud_helpers import SUB, AllowHttp, FakeCredential
from localcloud_scenario import vm_body

from provisioner.localcloud import FaultRule, serve
from provisioner.localcloud.deployments import delta

PIP = "Microsoft.Network/publicIPAddresses"
LB = "Microsoft.Network/loadBalancers"
RG_ID = f"/subscriptions/{SUB}/resourceGroups/rg"


def _template(resources, parameters=None, variables=None):
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": parameters or {},
        "variables": variables or {},
        "resources": resources,
    }


def _pip(name, idle=4, tags=None, **extra):
    return {
        "type": PIP,
        "apiVersion": "2024-05-01",
        "name": name,
        "location": "[resourceGroup().location]",
        "sku": {"name": "Standard"},
        "tags": tags if tags is not None else {"env": "dev"},
        "properties": {"publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": idle},
        **extra,
    }


def _lb(frontends=("pip1",), probe_port=80):
    return {
        "type": LB,
        "apiVersion": "2024-05-01",
        "name": "lb",
        "location": "[resourceGroup().location]",
        "dependsOn": [f"[resourceId('{PIP}', '{f}')]" for f in frontends],
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [
                {
                    "name": f"fe-{f}",
                    "properties": {"publicIPAddress": {"id": f"[resourceId('{PIP}', '{f}')]"}},
                }
                for f in frontends
            ],
            "backendAddressPools": [{"name": "pool"}],
            "probes": [
                {
                    "name": "probe",
                    "properties": {
                        "protocol": "Tcp",
                        "port": probe_port,
                        "intervalInSeconds": 5,
                        "numberOfProbes": 2,
                    },
                }
            ],
        },
    }


def _body(template, parameters=None, mode="Incremental", **extra):
    props = {"mode": mode, "template": template, "parameters": parameters or {}, **extra}
    return {"properties": props}


def _id(rtype, name):
    return f"{RG_ID}/providers/{rtype}/{name}"


@pytest.fixture
def c(clients):
    clients.resource.resource_groups.create_or_update("rg", {"location": "westeurope"})
    return clients


@pytest.fixture
def deployments(cloud) -> DeploymentsMgmtClient:
    return DeploymentsMgmtClient(
        FakeCredential(),
        SUB,
        base_url=cloud.base_url,
        transport=cloud.transport(),
        polling_interval=0,
    )


def _what_if(deployments, body, name="preview"):
    return deployments.deployments.begin_what_if("rg", name, body).result().as_dict()


def _by_id(result):
    return {ch["resourceId"].lower(): ch for ch in result["properties"]["changes"]}


def _writes(cloud):
    return [r for r in cloud.request_log() if r.method not in ("GET", "HEAD")]


def test_a_new_group_is_all_create_with_the_template_evaluated(c, cloud, deployments):
    template = _template(
        [
            _pip(
                "[format('{0}-{1}', variables('prefix'), copyIndex(1))]",
                copy={"name": "pips", "count": "[parameters('count')]"},
                tags={"env": "[toUpper(parameters('env'))]"},
            ),
            _pip("skipped", condition="[equals(parameters('env'), 'prod')]"),
        ],
        parameters={"count": {"type": "int", "defaultValue": 2}, "env": {"type": "string"}},
        variables={"prefix": "pip"},
    )
    result = _what_if(deployments, _body(template, {"env": {"value": "dev"}}))
    assert result["status"] == "Succeeded"
    changes = result["properties"]["changes"]
    assert [(ch["resourceId"], ch["changeType"]) for ch in changes] == [
        (_id(PIP, "pip-1"), "Create"),
        (_id(PIP, "pip-2"), "Create"),
    ]
    after = changes[0]["after"]
    assert after["apiVersion"] == "2024-05-01"
    assert after["name"] == "pip-1" and after["type"] == PIP
    assert after["location"] == "westeurope"
    assert after["tags"] == {"env": "DEV"}
    assert "before" not in changes[0] and "delta" not in changes[0]
    assert list(c.network.public_ip_addresses.list("rg")) == []


def test_the_same_template_after_deploying_is_no_change_and_writes_nothing(c, cloud, deployments):
    template = _template([_pip("pip1"), _lb()])
    deployments.deployments.begin_create_or_update("rg", "d", _body(template)).result()
    stored = cloud.resources()
    cloud.clear_request_log()

    result = _what_if(deployments, _body(template), name="preview")

    assert {ch["changeType"] for ch in result["properties"]["changes"]} == {"NoChange"}
    lb = _by_id(result)[_id(LB, "lb").lower()]
    assert lb["before"]["properties"]["frontendIPConfigurations"][0]["name"] == "fe-pip1"
    assert lb["after"]["properties"]["probes"][0]["properties"]["port"] == 80
    assert "delta" not in lb
    log = cloud.request_log()
    assert [(r.method, r.status) for r in _writes(cloud)] == [("POST", 202)]
    assert log[0].path.endswith("/deployments/preview/whatIf")
    assert all(r.method == "GET" for r in log[1:]) and log[-1].status == 200
    assert cloud.resources() == stored
    names = [d.name for d in deployments.deployments.list_by_resource_group("rg")]
    assert names == ["d"]
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.get("rg", "preview")
    assert err.value.error.code == "DeploymentNotFound"


def test_a_changed_template_is_modify_with_the_property_paths_that_change(c, deployments):
    first = _template([_pip("pip1"), _lb()])
    deployments.deployments.begin_create_or_update("rg", "d", _body(first)).result()
    changed = _template(
        [
            _pip("pip1", idle=10, tags={"env": "prod", "owner": "net"}),
            _pip("pip2"),
            _lb(frontends=("pip1", "pip2"), probe_port=8080),
        ]
    )

    result = _by_id(_what_if(deployments, _body(changed)))

    pip1 = result[_id(PIP, "pip1").lower()]
    assert pip1["changeType"] == "Modify"
    assert sorted(pip1["delta"], key=lambda d: d["path"]) == [
        {
            "path": "properties.idleTimeoutInMinutes",
            "propertyChangeType": "Modify",
            "before": 4,
            "after": 10,
        },
        {"path": "tags.env", "propertyChangeType": "Modify", "before": "dev", "after": "prod"},
        {"path": "tags.owner", "propertyChangeType": "Create", "after": "net"},
    ]
    assert pip1["after"]["properties"]["idleTimeoutInMinutes"] == 10
    assert pip1["after"]["properties"]["ipAddress"] == pip1["before"]["properties"]["ipAddress"]
    assert result[_id(PIP, "pip2").lower()]["changeType"] == "Create"
    lb = result[_id(LB, "lb").lower()]
    assert lb["changeType"] == "Modify"
    by_path = {d["path"]: d for d in lb["delta"]}
    assert set(by_path) == {"properties.frontendIPConfigurations", "properties.probes"}
    frontends = by_path["properties.frontendIPConfigurations"]
    assert frontends["propertyChangeType"] == "Array"
    assert [(ch["path"], ch["propertyChangeType"]) for ch in frontends["children"]] == [
        ("1", "Create")
    ]
    assert frontends["children"][0]["after"]["name"] == "fe-pip2"
    assert by_path["properties.probes"]["children"] == [
        {
            "path": "0",
            "propertyChangeType": "Modify",
            "children": [
                {
                    "path": "properties.port",
                    "propertyChangeType": "Modify",
                    "before": 80,
                    "after": 8080,
                }
            ],
        }
    ]
    assert c.network.public_ip_addresses.get("rg", "pip1").idle_timeout_in_minutes == 4


def test_what_the_service_keeps_or_fills_in_is_not_a_change(c, deployments):
    """The service fills in defaults (address version, idle timeout, the address it kept,
    provisioning state, etags, the frontend that uses it); a template that leaves them out
    changes nothing."""
    deployments.deployments.begin_create_or_update(
        "rg", "d", _body(_template([_pip("pip1"), _lb()]))
    ).result()
    sparse = _pip("pip1")
    sparse["properties"] = {"publicIPAllocationMethod": "Static"}
    sparse["location"] = "West Europe"
    result = _what_if(deployments, _body(_template([sparse])))
    pip = _by_id(result)[_id(PIP, "pip1").lower()]
    assert pip["changeType"] == "NoChange"
    assert pip["after"]["properties"]["ipConfiguration"]["id"].endswith("/fe-pip1")


def _scenario_template():
    """Public IP, load balancer with a floating-IP rule (protocol sent as ``tcp``), virtual
    network, a NIC in the pool with a dynamic address, a VM with a password."""
    net = f"{RG_ID}/providers/Microsoft.Network"
    lb = _lb()
    lb["properties"]["loadBalancingRules"] = [
        {
            "name": "rule",
            "properties": {
                "protocol": "tcp",
                "frontendPort": 80,
                "backendPort": 80,
                "enableFloatingIP": True,
                "frontendIPConfiguration": {
                    "id": f"{net}/loadBalancers/lb/frontendIPConfigurations/fe-pip1"
                },
                "backendAddressPool": {"id": f"{net}/loadBalancers/lb/backendAddressPools/pool"},
                "probe": {"id": f"{net}/loadBalancers/lb/probes/probe"},
            },
        }
    ]
    vnet = {
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": "2024-05-01",
        "name": "vnet",
        "location": "westeurope",
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "s1", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    ipconfig = {
        "subnet": {"id": f"{net}/virtualNetworks/vnet/subnets/s1"},
        "loadBalancerBackendAddressPools": [
            {"id": f"{net}/loadBalancers/lb/backendAddressPools/pool"}
        ],
    }
    nic = {
        "type": "Microsoft.Network/networkInterfaces",
        "apiVersion": "2024-05-01",
        "name": "nic1",
        "location": "westeurope",
        "dependsOn": ["vnet", "lb"],
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": ipconfig}]},
    }
    vm = {
        "type": "Microsoft.Compute/virtualMachines",
        "apiVersion": "2024-07-01",
        "name": "vm",
        "dependsOn": ["nic1"],
        **vm_body(f"{net}/networkInterfaces/nic1"),
    }
    return _template([_pip("pip1"), lb, vnet, nic, vm])


def test_a_deployed_scenario_is_no_change_however_the_service_shaped_it(c, cloud, deployments):
    """The address the NIC was given, the rule's protocol stored as ``Tcp``, the password the
    VM never echoes, the back-references: none is a change. The VM's OS disk, made by the
    platform, is in the group and not in the template: ``Ignore``."""
    template = _scenario_template()
    deployments.deployments.begin_create_or_update("rg", "d", _body(template)).result()
    stored = cloud.resources()

    changes = _what_if(deployments, _body(template))["properties"]["changes"]

    kinds = {ch["resourceId"].rsplit("/", 1)[-1]: ch["changeType"] for ch in changes}
    disk = next(name for name in kinds if name.startswith("vm_OsDisk"))
    assert kinds == {
        "pip1": "NoChange",
        "lb": "NoChange",
        "vnet": "NoChange",
        "nic1": "NoChange",
        "vm": "NoChange",
        disk: "Ignore",
    }
    assert cloud.resources() == stored


def test_what_the_put_would_drop_is_delete(c, deployments):
    """A PUT replaces the resource: a tag, or all tags, or a virtual network's subnets left
    out of the template are gone after it, and what-if says so (as Azure's does)."""
    vnet = {
        "type": "Microsoft.Network/virtualNetworks",
        "apiVersion": "2024-05-01",
        "name": "vnet",
        "location": "westeurope",
        "tags": {"env": "dev", "owner": "net"},
        "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
            "subnets": [{"name": "s1", "properties": {"addressPrefix": "10.0.0.0/24"}}],
        },
    }
    deployments.deployments.begin_create_or_update(
        "rg", "d", _body(_template([_pip("pip1"), vnet]))
    ).result()
    no_tags = _pip("pip1")
    del no_tags["tags"]
    bare = {
        **vnet,
        "tags": {"env": "dev"},
        "properties": {"addressSpace": vnet["properties"]["addressSpace"]},
    }

    result = _by_id(_what_if(deployments, _body(_template([no_tags, bare]))))

    pip = result[_id(PIP, "pip1").lower()]
    assert pip["delta"] == [
        {"path": "tags", "propertyChangeType": "Delete", "before": {"env": "dev"}}
    ]
    assert "tags" not in pip["after"]
    net = result[_id("Microsoft.Network/virtualNetworks", "vnet").lower()]
    by_path = {d["path"]: d for d in net["delta"]}
    assert set(by_path) == {"tags.owner", "properties.subnets"}
    assert by_path["tags.owner"] == {
        "path": "tags.owner",
        "propertyChangeType": "Delete",
        "before": "net",
    }
    subnets = by_path["properties.subnets"]
    assert subnets["propertyChangeType"] == "Array"
    assert [(ch["path"], ch["propertyChangeType"]) for ch in subnets["children"]] == [
        ("0", "Delete")
    ]
    assert subnets["children"][0]["before"]["name"] == "s1"
    assert net["after"]["properties"].get("subnets") in (None, [])


def test_resources_in_the_group_outside_the_template_are_ignored(c, deployments):
    c.network.public_ip_addresses.begin_create_or_update(
        "rg", "theirs", {"location": "westeurope", "sku": {"name": "Standard"}}
    ).result()
    result = _what_if(deployments, _body(_template([_pip("pip1")])))
    changes = _by_id(result)
    assert changes[_id(PIP, "pip1").lower()]["changeType"] == "Create"
    theirs = changes[_id(PIP, "theirs").lower()]
    assert theirs["changeType"] == "Ignore"
    assert theirs["before"]["name"] == "theirs"
    assert c.network.public_ip_addresses.get("rg", "theirs").tags is None


def test_reference_to_what_the_deployment_has_yet_to_build_is_left_unevaluated(c, deployments):
    """Azure's what-if shows a ``reference()`` it cannot resolve as its expression; here it is
    resolved only when the answer is known before the deployment runs."""
    ref = f"[reference(resourceId('{PIP}', 'pip1')).publicIPAllocationMethod]"
    template = _template([_pip("pip1"), _pip("pip2", tags={"from": ref}, dependsOn=["pip1"])])

    fresh = _by_id(_what_if(deployments, _body(template)))
    assert fresh[_id(PIP, "pip2").lower()]["after"]["tags"] == {"from": ref}

    deployments.deployments.begin_create_or_update("rg", "d", _body(template)).result()
    assert c.network.public_ip_addresses.get("rg", "pip2").tags == {"from": "Static"}
    again = _by_id(_what_if(deployments, _body(template)))
    assert {ch["changeType"] for ch in again.values()} == {"NoChange"}

    template["resources"][0] = _pip("pip1", idle=7)  # the referenced resource changes first
    changed = _by_id(_what_if(deployments, _body(template)))
    pip2 = changed[_id(PIP, "pip2").lower()]
    assert pip2["changeType"] == "Modify"
    assert pip2["delta"] == [
        {"path": "tags.from", "propertyChangeType": "Modify", "before": "Static", "after": ref}
    ]


def test_a_full_reference_to_a_resource_the_deployment_redeploys_is_left_unevaluated(
    c, deployments
):
    full = f"[reference(resourceId('{PIP}', 'pip1'), '2024-05-01', 'Full').etag]"
    template = _template([_pip("pip1"), _pip("pip2", tags={"etag": full}, dependsOn=["pip1"])])
    deployments.deployments.begin_create_or_update("rg", "d", _body(template)).result()
    etag = c.network.public_ip_addresses.get("rg", "pip2").tags["etag"]
    assert etag == c.network.public_ip_addresses.get("rg", "pip1").etag

    pip2 = _by_id(_what_if(deployments, _body(template)))[_id(PIP, "pip2").lower()]

    assert pip2["delta"] == [
        {"path": "tags.etag", "propertyChangeType": "Modify", "before": etag, "after": full}
    ]
    deployments.deployments.begin_create_or_update("rg", "d", _body(template)).result()
    assert c.network.public_ip_addresses.get("rg", "pip2").tags["etag"] != etag  # it did change


def test_reference_to_an_existing_resource_outside_the_template_is_evaluated(c, deployments):
    c.network.public_ip_addresses.begin_create_or_update(
        "rg", "theirs", {"location": "westeurope", "sku": {"name": "Standard"}}
    ).result()
    ref = f"[reference(resourceId('{PIP}', 'theirs')).publicIPAllocationMethod]"
    result = _by_id(_what_if(deployments, _body(_template([_pip("pip1", tags={"from": ref})]))))
    assert result[_id(PIP, "pip1").lower()]["after"]["tags"] == {"from": "Static"}


@pytest.mark.parametrize(
    "template",
    [
        _template([_pip("[concat('p', pickZones('Microsoft.Compute', 'vm', 'westeurope'))]")]),
        _template([_pip("pip1", tags={"key": "[listKeys('x', '2020-01-01').keys[0]]"})]),
        _template([_pip("[parameters('missing')]")], parameters={"missing": {"type": "string"}}),
    ],
    ids=["unsupported-function-in-name", "unsupported-function-in-body", "missing-parameter"],
)
def test_a_template_error_is_invalid_template_and_writes_nothing(c, cloud, deployments, template):
    cloud.clear_request_log()
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_what_if("rg", "preview", _body(template))
    assert err.value.status_code == 400
    assert err.value.error.code == "InvalidTemplate"
    assert [(r.method, r.status) for r in _writes(cloud)] == [("POST", 400)]
    assert [r["name"] for r in cloud.resources()] == ["rg"]


def test_an_unsupported_function_is_refused_in_the_shape_a_deployment_gets(c, deployments):
    template = _template([_pip("[concat('p', pickZones('Microsoft.Compute', 'vm', 'x'))]")])
    with pytest.raises(HttpResponseError) as put:
        deployments.deployments.begin_create_or_update("rg", "d", _body(template))
    with pytest.raises(HttpResponseError) as what_if:
        deployments.deployments.begin_what_if("rg", "d", _body(template))
    assert what_if.value.status_code == put.value.status_code == 400
    assert what_if.value.error.code == put.value.error.code == "InvalidTemplate"
    assert what_if.value.error.message == put.value.error.message


def test_complete_mode_and_linked_templates_are_refused_as_for_a_deployment(c, deployments):
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_what_if(
            "rg", "p", _body(_template([_pip("a")]), mode="Complete")
        )
    assert err.value.error.code == "InvalidDeploymentMode"
    linked = {"properties": {"mode": "Incremental", "templateLink": {"uri": "https://x/t.json"}}}
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_what_if("rg", "p", linked)
    assert err.value.error.code == "InvalidTemplateDeployment"


def test_a_missing_group_is_resource_group_not_found(c, deployments):
    with pytest.raises(HttpResponseError) as err:
        deployments.deployments.begin_what_if("nope", "p", _body(_template([_pip("a")])))
    assert err.value.status_code == 404
    assert err.value.error.code == "ResourceGroupNotFound"


def test_resource_id_only_reports_deploy_for_what_exists(c, deployments):
    deployments.deployments.begin_create_or_update(
        "rg", "d", _body(_template([_pip("pip1")]))
    ).result()
    body = _body(
        _template([_pip("pip1", idle=9), _pip("pip2")]),
        whatIfSettings={"resultFormat": "ResourceIdOnly"},
    )
    result = _what_if(deployments, body)
    assert result["properties"]["changes"] == [
        {"resourceId": _id(PIP, "pip1"), "changeType": "Deploy"},
        {"resourceId": _id(PIP, "pip2"), "changeType": "Create"},
    ]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_what_if_over_the_wire_polls_the_location_it_is_given(tmp_path, tls):
    server = serve(tmp_path / "state.sqlite", tls=tls, ca_path=tmp_path / "ca.pem" if tls else None)
    try:
        kwargs = (
            {"connection_verify": server.ca_path} if tls else {"per_call_policies": [AllowHttp()]}
        )
        client = DeploymentsMgmtClient(
            FakeCredential(), SUB, base_url=server.url, polling_interval=0, **kwargs
        )
        ResourceManagementClient(
            FakeCredential(), SUB, base_url=server.url, **kwargs
        ).resource_groups.create_or_update("rg", {"location": "westeurope"})
        result = client.deployments.begin_what_if("rg", "p", _body(_template([_pip("a")])))
        assert [ch.change_type for ch in result.result().changes] == ["Create"]
        log = server.cloud.request_log()
        post = next(i for i, r in enumerate(log) if r.method == "POST")
        assert log[post].status == 202
        assert "/operationresults/" in log[post + 1].path.lower()
    finally:
        server.shutdown()


def test_an_injected_failure_ends_the_what_if_with_its_code(c, cloud, deployments):
    cloud.add_fault(FaultRule("failed", method="POST", path="whatIf", code="InternalServerError"))
    poller = deployments.deployments.begin_what_if("rg", "p", _body(_template([_pip("a")])))
    with pytest.raises(HttpResponseError) as err:
        poller.result()
    assert err.value.error.code == "InternalServerError"


# --- the comparison, pure ---------------------------------------------------------------------


def test_a_scalar_array_item_that_changes_is_deleted_and_created_at_its_index():
    before = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16", "10.1.0.0/16"]}}}
    body = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/15"]}}}
    assert delta.delta(before, body) == [
        {
            "path": "properties.addressSpace.addressPrefixes",
            "propertyChangeType": "Array",
            "children": [
                {"path": "0", "propertyChangeType": "Delete", "before": "10.0.0.0/16"},
                {"path": "0", "propertyChangeType": "Create", "after": "10.0.0.0/15"},
                {"path": "1", "propertyChangeType": "Delete", "before": "10.1.0.0/16"},
            ],
        }
    ]


def test_ids_compare_without_case_and_names_match_without_case():
    rid = f"{RG_ID}/providers/{PIP}/a"
    before = {"properties": {"publicIPAddress": {"id": rid.lower()}, "idleTimeoutInMinutes": 4}}
    body = {"Properties": {"publicIPAddress": {"id": rid}, "IdleTimeoutInMinutes": 4}}
    assert delta.delta(before, body) == []
    assert not delta.same("Static", "static")
    assert not delta.same(True, 1)


def test_empty_values_where_nothing_is_stored_are_no_change():
    assert delta.delta({"properties": {}}, {"tags": {}, "properties": {"rules": []}}) == []
    assert delta.delta({}, {"zones": ["1"]}) == [
        {"path": "zones", "propertyChangeType": "Create", "after": ["1"]}
    ]


def test_after_lays_the_template_over_what_is_stored():
    before = {"properties": {"a": 1, "items": [{"name": "x", "id": "i"}]}, "etag": "e"}
    body = {"properties": {"a": 2, "items": [{"name": "x"}, {"name": "y"}]}}
    assert delta.after(before, body) == {
        "properties": {"a": 2, "items": [{"name": "x", "id": "i"}, {"name": "y"}]},
        "etag": "e",
    }


def test_what_the_template_leaves_out_is_judged_by_what_the_put_would_store():
    before = {"tags": {"a": "1"}, "properties": {"x": 1, "guid": "g", "rules": ["r"]}}
    body = {"properties": {}}
    shaped = {"properties": {"guid": "renewed", "rules": []}}
    assert delta.delta(before, body, shaped) == [
        {"path": "properties.x", "propertyChangeType": "Delete", "before": 1},
        {
            "path": "properties.rules",
            "propertyChangeType": "Array",
            "children": [{"path": "0", "propertyChangeType": "Delete", "before": "r"}],
        },
        {"path": "tags", "propertyChangeType": "Delete", "before": {"a": "1"}},
    ]
    assert delta.delta(before, body) == []  # no prediction: nothing left out is judged
    assert delta.after(before, body, shaped) == {"properties": {"guid": "g"}}
