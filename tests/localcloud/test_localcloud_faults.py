"""Fault injection: what a client sees, and that a seeded run replays exactly."""

from __future__ import annotations

import contextlib

import pytest
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.pipeline.policies import RetryPolicy
from localcloud_helpers import make_clients
from localcloud_scenario import LOC, make_group

from provisioner.localcloud import FaultRule

PIP_BODY = {
    "location": LOC,
    "sku": {"name": "Standard"},
    "properties": {"publicIPAllocationMethod": "Static"},
}


def put_pip(c, name="pip"):
    return c.network.public_ip_addresses.begin_create_or_update("rg", name, PIP_BODY).result()


def test_429_is_retried_after_the_advertised_delay(clients):
    make_group(clients)
    clients.cloud.add_fault(FaultRule("429", method="PUT", retry_after=7, max_count=2))
    assert put_pip(clients).provisioning_state == "Succeeded"
    assert clients.sleeps[:2] == [7, 7]
    statuses = [
        r.status
        for r in clients.cloud.request_log()
        if r.method == "PUT" and "publicIPAddresses" in r.path
    ]
    assert statuses == [429, 429, 201]


def test_500_and_503_surface_when_retries_are_off(cloud):
    c = make_clients(cloud, "inprocess", retry_policy=RetryPolicy.no_retries())
    make_group(c)
    for kind in ("500", "503"):
        cloud.clear_faults()
        cloud.add_fault(FaultRule(kind, resource_type="Microsoft.Network/publicIPAddresses"))
        with pytest.raises(HttpResponseError) as err:
            put_pip(c)
        assert err.value.status_code == int(kind)


def test_another_operation_in_progress_is_a_409(clients):
    make_group(clients)
    clients.cloud.add_fault(FaultRule("409", path=r"/publicIPAddresses/", max_count=1))
    with pytest.raises(ResourceExistsError) as err:
        put_pip(clients)
    assert err.value.error.code == "AnotherOperationInProgress"
    assert put_pip(clients).provisioning_state == "Succeeded"


def test_canceled_lro_writes_nothing(clients):
    make_group(clients)
    clients.cloud.add_fault(
        FaultRule("canceled", method="PUT", resource_type="Microsoft.Network/publicIPAddresses")
    )
    with pytest.raises(HttpResponseError) as err:
        put_pip(clients)
    assert "Canceled" in str(err.value)
    assert "CanceledAndSupersededDueToAnotherOperation" in str(err.value)
    assert [r["name"] for r in clients.cloud.resources()] == ["rg"]


def test_failed_lro_leaves_the_resource_failed(clients):
    make_group(clients)
    clients.cloud.add_fault(FaultRule("failed", method="PUT", code="InternalServerError"))
    with pytest.raises(HttpResponseError) as err:
        put_pip(clients)
    assert err.value.error.code == "InternalServerError"
    assert clients.network.public_ip_addresses.get("rg", "pip").provisioning_state == "Failed"


def test_412_fault(clients):
    make_group(clients)
    clients.cloud.add_fault(FaultRule("412", method="PUT", max_count=1))
    with pytest.raises(HttpResponseError) as err:
        put_pip(clients)
    assert err.value.status_code == 412 and err.value.error.code == "PreconditionFailed"


def test_dropped_connection_before_commit_writes_nothing(cloud):
    c = make_clients(cloud, "inprocess", retry_total=0)
    make_group(c)
    cloud.add_fault(FaultRule("drop-before", method="PUT"))
    with pytest.raises(ServiceRequestError):
        put_pip(c)
    assert [r["name"] for r in cloud.resources()] == ["rg"]


def test_dropped_connection_after_commit_keeps_the_write(cloud):
    c = make_clients(cloud, "inprocess", retry_total=0)
    make_group(c)
    cloud.add_fault(FaultRule("drop-after", method="PUT"))
    with pytest.raises(ServiceResponseError):
        put_pip(c)
    assert {r["name"] for r in cloud.resources()} == {"rg", "pip"}


def test_dropped_connection_over_http(tmp_path):
    from localcloud_helpers import make_clients as mk

    from provisioner.localcloud import serve

    with serve(tmp_path / "s.sqlite") as server:
        c = mk(server.cloud, "http", server, retry_total=0)
        make_group(c)
        server.cloud.add_fault(FaultRule("drop-after", method="PUT"))
        with pytest.raises((ServiceResponseError, ServiceRequestError)):
            put_pip(c)
        assert {r["name"] for r in server.cloud.resources()} == {"rg", "pip"}


def _run_with_seed(cloud, seed: int) -> list[int]:
    cloud.reset()
    cloud.set_seed(seed)
    c = make_clients(cloud, "inprocess", retry_policy=RetryPolicy.no_retries())
    make_group(c)
    put_pip(c)
    cloud.add_fault(FaultRule("503", method="GET", probability=0.5))
    cloud.clear_request_log()
    for _ in range(30):
        with contextlib.suppress(HttpResponseError):
            c.network.public_ip_addresses.get("rg", "pip")
    return [r.status for r in cloud.request_log()]


def test_seeded_faults_replay_exactly(cloud):
    first = _run_with_seed(cloud, 42)
    again = _run_with_seed(cloud, 42)
    other = _run_with_seed(cloud, 7)
    assert first == again
    assert 503 in first and 200 in first
    assert first != other


def test_fault_counters_are_visible(clients):
    make_group(clients)
    clients.cloud.add_fault(FaultRule("429", method="PUT", max_count=1))
    put_pip(clients)
    [rule] = clients.cloud.faults()
    assert rule["fired"] == 1 and rule["matched"] >= 2


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError):
        FaultRule("teapot")
