"""ARM's wire protocol as a client sees it: status codes, LRO headers, etags, errors."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from localcloud_scenario import LOC, make_group, make_pip, make_vnet, scenario

from provisioner.localcloud import LocalCloud
from provisioner.localcloud.wire import Request


def raw(cloud: LocalCloud, method: str, path: str, body=None, headers=None):
    """One request straight into the engine (what both transports do)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
    return cloud.engine.handle(
        Request.build(method, path, headers or {}, data, "https://localcloud.invalid", "inprocess")
    )


SUBP = f"/subscriptions/{LocalCloud.DEFAULT_SUBSCRIPTION}"
PIP = f"{SUBP}/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/pip"
V = "?api-version=2026-03-01"


def test_put_is_201_then_200_with_async_operation_header(clients):
    cloud = clients.cloud
    make_group(clients)
    body = {"location": LOC, "sku": {"name": "Standard"}, "properties": {}}
    first = raw(cloud, "PUT", PIP + V, body)
    second = raw(cloud, "PUT", PIP + V, body)
    assert (first.status, second.status) == (201, 200)
    op = first.headers["Azure-AsyncOperation"]
    assert op.startswith("https://localcloud.invalid/subscriptions/")
    assert "/providers/Microsoft.Network/locations/westeurope/operations/" in op
    a, b = json.loads(first.body), json.loads(second.body)
    assert a["etag"].startswith('W/"') and a["etag"] != b["etag"]
    assert a["properties"]["resourceGuid"] == b["properties"]["resourceGuid"]
    poll = raw(cloud, "GET", op.split("localcloud.invalid")[1])
    assert json.loads(poll.body) == {"status": "Succeeded"}


def test_paths_match_case_insensitively_and_echo_stored_casing(clients):
    make_group(clients, "MyGroup")
    make_pip(clients, rg="MyGroup", name="Front-IP")
    path = (
        f"{SUBP}/resourcegroups/mygroup/providers/microsoft.network/publicipaddresses/front-ip{V}"
    )
    doc = json.loads(raw(clients.cloud, "GET", path).body)
    assert doc["id"].endswith(
        "/resourceGroups/MyGroup/providers/Microsoft.Network/publicIPAddresses/Front-IP"
    )


def test_api_version_is_required_and_recorded(clients):
    make_group(clients)
    missing = raw(clients.cloud, "GET", PIP)
    assert missing.status == 400
    assert json.loads(missing.body)["error"]["code"] == "MissingApiVersionParameter"
    list(clients.network.public_ip_addresses.list("rg"))
    versions = {r.api_version for r in clients.cloud.request_log() if r.method == "GET"}
    assert "2026-03-01" in versions


def test_errors_have_arm_shape_and_codes(clients):
    cloud = clients.cloud
    no_group = raw(cloud, "PUT", PIP + V, {"location": LOC})
    assert no_group.status == 404
    assert json.loads(no_group.body) == {
        "error": {
            "code": "ResourceGroupNotFound",
            "message": "Resource group 'rg' could not be found.",
            "details": [],
        }
    }
    make_group(clients)
    bad = raw(cloud, "PUT", PIP + V, b"{not json")
    assert bad.status == 400 and json.loads(bad.body)["error"]["code"] == "InvalidRequestFormat"
    missing = raw(cloud, "GET", PIP + V)
    assert missing.status == 404 and json.loads(missing.body)["error"]["code"] == "ResourceNotFound"


def test_if_match_and_if_none_match(clients):
    make_group(clients)
    pip = make_pip(clients)
    body = {
        "location": LOC,
        "sku": {"name": "Standard"},
        "properties": {"publicIPAllocationMethod": "Static"},
    }
    with pytest.raises(HttpResponseError) as err:
        clients.network.public_ip_addresses.begin_create_or_update(
            "rg", "pip", body, headers={"If-Match": 'W/"stale"'}
        ).result()
    assert err.value.status_code == 412 and err.value.error.code == "PreconditionFailed"
    ok = clients.network.public_ip_addresses.begin_create_or_update(
        "rg", "pip", body, headers={"If-Match": pip.etag}
    ).result()
    assert ok.etag != pip.etag
    with pytest.raises(HttpResponseError) as err:
        clients.network.public_ip_addresses.begin_create_or_update(
            "rg", "pip", body, headers={"If-None-Match": "*"}
        ).result()
    assert err.value.status_code == 412


def test_get_returns_etag_header(clients):
    make_group(clients)
    pip = make_pip(clients)
    resp = raw(clients.cloud, "GET", PIP + V)
    assert resp.headers["ETag"] == pip.etag


def test_lro_stays_in_progress_for_its_virtual_duration(clients):
    cloud = clients.cloud
    make_group(clients)
    cloud.set_time_scale(0.0001)  # 0.1 ms real per virtual second
    cloud.set_latency({"Microsoft.Network/publicIPAddresses:PUT": 2000})
    standard = {"location": LOC, "sku": {"name": "Standard"}, "properties": {}}
    first = raw(cloud, "PUT", PIP + V, standard)
    assert first.headers["Retry-After"] in ("1999", "2000")
    assert json.loads(first.body)["properties"]["provisioningState"] == "Updating"
    during = json.loads(raw(cloud, "GET", PIP + V).body)
    assert during["properties"]["provisioningState"] in ("Updating", "Succeeded")
    pip = clients.network.public_ip_addresses.begin_create_or_update(
        "rg", "pip2", standard
    ).result()
    assert pip.provisioning_state == "Succeeded"
    # the client was asked to wait (virtual seconds) and slept only a scaled fraction of it
    assert clients.sleeps and all(isinstance(s, int | float) and s >= 1 for s in clients.sleeps)


def test_delete_is_202_with_both_poll_headers_then_204(clients):
    cloud = clients.cloud
    make_group(clients)
    make_pip(clients)
    resp = raw(cloud, "DELETE", PIP + V)
    assert resp.status == 202
    assert "/operations/" in resp.headers["Azure-AsyncOperation"]
    assert "/operationResults/" in resp.headers["Location"]
    assert raw(cloud, "DELETE", PIP + V).status == 204


def test_read_only_fields_in_the_body_are_ignored(clients):
    s = scenario(clients)
    lb = clients.network.load_balancers.get("rg", "lb")
    again = clients.network.load_balancers.begin_create_or_update("rg", "lb", lb).result()
    assert (
        again.backend_address_pools[0].backend_ip_configurations[0].id
        == s["nic"].ip_configurations[0].id
    )
    assert (
        again.frontend_ip_configurations[0].load_balancing_rules[0].id
        == again.load_balancing_rules[0].id
    )


def test_nic_cannot_join_two_vms(clients):
    s = scenario(clients)
    from localcloud_scenario import vm_body

    with pytest.raises(HttpResponseError) as err:
        clients.compute.virtual_machines.begin_create_or_update(
            "rg", "vm2", vm_body(s["nic"].id)
        ).result()
    assert err.value.status_code == 400


def test_subnet_in_use_cannot_be_removed(clients):
    scenario(clients)
    with pytest.raises(HttpResponseError) as err:
        clients.network.virtual_networks.begin_create_or_update(
            "rg",
            "vnet",
            {
                "location": LOC,
                "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}, "subnets": []},
            },
        ).result()
    assert err.value.error.code == "InUseSubnetCannotBeDeleted"


def test_group_location_cannot_change(clients):
    make_group(clients)
    with pytest.raises(ResourceExistsError):
        clients.resource.resource_groups.create_or_update("rg", {"location": "eastus"})


def test_admin_path_over_the_same_engine(clients):
    cloud = clients.cloud
    make_group(clients)
    make_vnet(clients)
    assert raw(cloud, "PUT", "/_local/settings", {"time_scale": 0, "page_size": 7}).status == 200
    assert cloud.settings()["page_size"] == 7
    listed = json.loads(raw(cloud, "GET", "/_local/resources").body)["value"]
    assert {d["name"] for d in listed} == {"rg", "vnet"}
    writes = json.loads(raw(cloud, "GET", "/_local/requests").body)["value"]
    assert [w["method"] for w in writes if w["method"] != "GET"] == ["PUT", "PUT"]
    assert raw(cloud, "DELETE", "/_local/requests").status == 204
    assert cloud.request_log() == []
    assert raw(cloud, "POST", "/_local/reset").status == 204
    assert cloud.resources() == []
    with pytest.raises(ResourceNotFoundError):
        clients.resource.resource_groups.get("rg")


def test_a_location_display_name_is_stored_as_the_region_name(clients):
    """ARM accepts ``"West US"`` and echoes ``westus``; the operation URL built from it is the
    region name, with no raw space (REST spec examples send display names, e.g.
    ``VirtualMachineRunCommand_CreateOrUpdate.json``, and answer ``westus``)."""
    make_group(clients)
    body = {"location": "West US", "properties": {"addressSpace": {"addressPrefixes": []}}}
    resp = raw(
        clients.cloud, "PUT", PIP.replace("publicIPAddresses/pip", "virtualNetworks/v") + V, body
    )
    assert json.loads(resp.body)["location"] == "westus"
    url = resp.headers["Azure-AsyncOperation"]
    assert "/locations/westus/operations/" in url and " " not in url
