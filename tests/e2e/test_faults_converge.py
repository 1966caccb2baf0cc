"""One `up` converges under faults on every request, writing each resource once (issue 16.5).

What failed is retried as itself: a status poll is polled again (ARM keeps the operation), a
write is sent again only when reading the resource shows it did not land, and run-command's
409 "execution in progress" waits for the running one. The faults are the local cloud's,
seeded, through the real SDK clients.
"""

from __future__ import annotations

import pytest

from provisioner.localcloud import FaultRule
from tests.e2e.conftest import BLUEPRINTS
from tests.e2e.fault_profiles import every_request, landed_writes

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)
ENV = "faulty"


def _up(cli) -> dict:
    run = cli("up", str(BLUEPRINT), "--env", ENV, "--yes", "--output", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    return run.json()


def _each_resource_written_once(cloud) -> None:
    writes = landed_writes(cloud.request_log())
    puts = {path: n for (method, path), n in writes.items() if method == "PUT"}
    assert puts, "up wrote nothing"
    assert {path: n for path, n in puts.items() if n != 1} == {}
    # The guest step's tag is the only other write: once per VM.
    patches = {path: n for (method, path), n in writes.items() if method == "PATCH"}
    assert {path: n for path, n in patches.items() if n != 1} == {}


def _converged(cloud, cli) -> None:
    cloud.clear_faults()
    plan = cli("plan", str(BLUEPRINT), "--env", ENV, "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.stdout


def test_a_failed_status_poll_is_polled_again_and_the_put_is_not_sent_again(cloud, cli):
    cloud.add_fault(FaultRule("503", method="GET", path=r"/operations/", max_count=4))
    cloud.add_fault(FaultRule("drop-after", method="GET", path=r"/operations/", max_count=2))
    doc = _up(cli)
    assert [f["fired"] for f in cloud.faults()] == [4, 2]
    _each_resource_written_once(cloud)
    assert doc["retries"] >= 6
    _converged(cloud, cli)


def test_a_put_whose_answer_was_lost_after_it_landed_is_not_sent_again(cloud, cli):
    cloud.add_fault(FaultRule("drop-after", method="PUT", max_count=4))
    doc = _up(cli)
    _each_resource_written_once(cloud)
    assert doc["retries"] >= 4
    _converged(cloud, cli)


def test_a_put_that_did_not_land_is_sent_again(cloud, cli):
    cloud.add_fault(FaultRule("500", method="PUT", max_count=3))
    cloud.add_fault(FaultRule("drop-before", method="PUT", max_count=2))
    _up(cli)
    failed = [r for r in cloud.request_log() if r.method == "PUT" and not 200 <= r.status < 300]
    assert len(failed) == 5
    _each_resource_written_once(cloud)
    _converged(cloud, cli)


def test_an_operation_canceled_by_azure_is_read_again_and_its_write_repeated(cloud, cli):
    cloud.add_fault(
        FaultRule(
            "canceled",
            method="PUT",
            resource_type="Microsoft.Network/publicIPAddresses",
            max_count=2,
        )
    )
    cloud.add_fault(FaultRule("canceled", method="PUT", max_count=1))
    _up(cli)
    _converged(cloud, cli)


@pytest.mark.slow
@pytest.mark.parametrize("rate", [0.2, 0.3])
@pytest.mark.parametrize("seed", range(1, 7))
def test_one_up_converges_with_faults_on_every_request(rate, seed, cloud, cli):
    cloud.set_seed(seed)
    for rule in every_request(rate):
        cloud.add_fault(rule)
    doc = _up(cli)
    assert sum(f["fired"] for f in cloud.faults()) > 0
    _each_resource_written_once(cloud)
    _converged(cloud, cli)
    assert doc["retries"] > 0
