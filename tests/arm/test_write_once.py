"""Each failed request retried as itself, against the local cloud through the real SDK clients:
GETs in place by the pipeline, a write again only when reading shows it did not land."""

from __future__ import annotations

import pytest
from azure.core.exceptions import HttpResponseError

from provisioner.arm import writes
from provisioner.arm.reads import get_body
from provisioner.arm.retry import RetryPolicy, retrier
from provisioner.arm.target import open_target
from provisioner.compile.desired import Kind
from provisioner.localcloud import FaultRule, LocalCloud

RG, PIP = "rg-w", "pip-w"
PIP_BODY = {
    "location": "westeurope",
    "sku": {"name": "Standard"},
    "properties": {"publicIPAllocationMethod": "Static", "idleTimeoutInMinutes": 4},
}


@pytest.fixture
def cloud(tmp_path):
    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    lc.close()


@pytest.fixture
def target(cloud):
    t = open_target("local", local_cloud=cloud)
    t.resources.resource_groups.create_or_update(RG, {"location": "westeurope"})
    cloud.clear_request_log()
    yield t
    t.close()


def _idle(minutes: int):
    return lambda live: (live.get("properties") or {}).get("idleTimeoutInMinutes") == minutes


def _requests(cloud, method: str, needle: str = "/publicipaddresses/") -> list[int]:
    return [
        r.status
        for r in cloud.request_log()
        if r.method == method and needle in r.path.lower() and "/operations/" not in r.path
    ]


def _put(target, body=PIP_BODY, **kw):
    return writes.put(target, Kind.PUBLIC_IP, RG, PIP, body, retry=retrier(target), **kw)


def test_a_get_is_retried_in_place_and_counted_on_the_target(cloud, target):
    _put(target)
    cloud.add_fault(FaultRule("503", method="GET", max_count=2))
    cloud.add_fault(FaultRule("drop-after", method="GET", max_count=1))
    before = target.retries.value
    assert get_body(target, Kind.PUBLIC_IP, RG, PIP)["name"] == PIP
    assert target.retries.value - before == 3


def test_the_pipeline_never_sends_a_write_again(cloud, target):
    cloud.add_fault(FaultRule("503", method="PUT", max_count=1))
    with pytest.raises(HttpResponseError) as info:
        writes.put(target, Kind.PUBLIC_IP, RG, PIP, PIP_BODY)  # no retrier: one attempt
    assert info.value.status_code == 503
    assert _requests(cloud, "PUT") == [503]


def test_a_put_whose_answer_was_lost_is_read_not_sent_again(cloud, target):
    cloud.add_fault(FaultRule("drop-after", method="PUT", max_count=1))
    live = _put(target, landed=_idle(4))
    assert live["properties"]["provisioningState"] == "Succeeded"
    assert _requests(cloud, "PUT") == [201]
    assert target.retries.value == 1


def test_without_knowing_what_landed_a_lost_put_is_sent_again(cloud, target):
    cloud.add_fault(FaultRule("drop-after", method="PUT", max_count=1))
    _put(target)
    assert _requests(cloud, "PUT") == [201, 200]


def test_a_guarded_put_whose_etag_is_unchanged_did_not_land_and_is_sent_again(cloud, target):
    etag = _put(target)["etag"]
    cloud.clear_request_log()
    cloud.add_fault(FaultRule("500", method="PUT", max_count=1))
    body = {**PIP_BODY, "properties": {**PIP_BODY["properties"], "idleTimeoutInMinutes": 9}}
    live = _put(target, body, if_match=etag, landed=_idle(9))
    assert live["properties"]["idleTimeoutInMinutes"] == 9
    assert _requests(cloud, "PUT") == [500, 200]


def test_an_operation_that_ended_canceled_is_written_again(cloud, target):
    cloud.add_fault(FaultRule("canceled", method="PUT", max_count=1))
    live = _put(target, landed=_idle(4))
    assert live["properties"]["provisioningState"] == "Succeeded"
    assert _requests(cloud, "PUT") == [201, 201]


def test_azures_refusal_is_not_retried(cloud, target):
    cloud.add_fault(FaultRule("failed", method="PUT", code="PublicIPCountLimitReached"))
    with pytest.raises(HttpResponseError):
        _put(target, landed=_idle(4))
    assert len(_requests(cloud, "PUT")) == 1


def test_attempts_at_a_write_that_never_lands_are_bounded(cloud, target):
    cloud.add_fault(FaultRule("503", method="PUT"))
    policy = RetryPolicy(attempts=3, base_delay=0.01)
    with pytest.raises(HttpResponseError):
        writes.put(target, Kind.PUBLIC_IP, RG, PIP, PIP_BODY, retry=retrier(target, policy))
    assert _requests(cloud, "PUT") == [503, 503, 503]


def test_a_delete_whose_answer_was_lost_is_not_sent_again(cloud, target):
    _put(target)
    cloud.clear_request_log()
    cloud.add_fault(FaultRule("drop-after", method="DELETE", max_count=1))
    assert writes.delete(target, Kind.PUBLIC_IP, RG, PIP, retry=retrier(target))
    assert _requests(cloud, "DELETE") == [202]
    assert get_body(target, Kind.PUBLIC_IP, RG, PIP) is None


def test_a_tag_patch_whose_answer_was_lost_is_not_sent_again(cloud, target):
    _put(target)
    cloud.clear_request_log()
    cloud.add_fault(FaultRule("drop-after", method="PATCH", max_count=1))
    tags = {"team": "blue"}
    writes.patch_tags(target, Kind.PUBLIC_IP, RG, PIP, tags, retry=retrier(target))
    assert len(_requests(cloud, "PATCH")) == 1
    assert get_body(target, Kind.PUBLIC_IP, RG, PIP)["tags"] == tags
