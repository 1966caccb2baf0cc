"""A teardown's report is exact under faults: what is gone is listed once as deleted and never as
left, and `down` and `cleanup` exit 0 when nothing is left, whatever the attempts met on the way.

Two ways a delete's attempts can fail while the delete itself succeeds, both injected with the
local cloud's fault rules on the resource group's DELETE:

- the group deletion's operation ends ``Failed`` with ``InternalServerError`` and a second
  DELETE succeeds (ARM answers the failed deletion's ``Location`` poll with a 4xx, which the
  general retry policy never retries);
- the first DELETE lands but its answer is lost (connection dropped), and every later attempt
  fails: the group is gone all the same.
"""

from __future__ import annotations

import pytest

from provisioner.localcloud import FaultRule
from tests.e2e.conftest import BLUEPRINTS

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)
ENV = "flaky"
GROUP_DELETE = rf"/resourcegroups/rg-{ENV}$"

FAULTS = {
    "failed-then-retried": [
        FaultRule(kind="failed", method="DELETE", path=GROUP_DELETE, max_count=1),
    ],
    "landed-then-errors": [
        FaultRule(kind="drop-after", method="DELETE", path=GROUP_DELETE, max_count=1),
        FaultRule(kind="500", method="DELETE", path=GROUP_DELETE),
    ],
}


def _report(cli, command: str) -> tuple[int, list[str], list[dict], dict]:
    if command == "down":
        run = cli("down", "--env", ENV, "--yes", "--output", "json")
        doc = run.json()
        return run.exit_code, doc["deleted"], doc["left"], doc
    run = cli("cleanup", "--env-prefix", ENV, "--yes", "--output", "json")
    doc = run.json()
    (env,) = doc["environments"]
    return run.exit_code, env["deleted"], env["left"], doc


@pytest.mark.parametrize("faults", sorted(FAULTS))
@pytest.mark.parametrize("command", ["down", "cleanup"])
def test_a_group_delete_that_succeeds_despite_failed_attempts_is_reported_deleted(
    cloud, cli, command, faults
):
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--yes").exit_code == 0
    for rule in FAULTS[faults]:
        cloud.add_fault(rule)

    code, deleted, left, doc = _report(cli, command)

    assert sum(f["fired"] for f in cloud.faults()) >= 1, "the fault must have fired"
    cloud.clear_faults()
    assert left == [], left
    assert code == 0
    group_id = f"/subscriptions/{cloud.DEFAULT_SUBSCRIPTION}/resourceGroups/rg-{ENV}"
    assert [d for d in deleted if d.lower() == group_id.lower()] == [group_id]
    assert len(deleted) == len({d.lower() for d in deleted}), "each deleted once"
    if command == "down":
        assert doc["resource_groups_deleted"] == [f"rg-{ENV}"] and doc["ok"] is True
    else:
        assert doc["summary"]["resources_left"] == 0 and doc["ok"] is True
        assert doc["environments"][0]["status"] == "destroyed"
    assert not cloud.resources()


def test_a_group_delete_that_really_fails_is_still_reported_left(cloud, cli):
    """The other side of exactness: when the group is still there, it is left, exit 1."""
    assert cli("up", str(BLUEPRINT), "--env", ENV, "--yes").exit_code == 0
    cloud.add_fault(FaultRule(kind="failed", method="DELETE", path=GROUP_DELETE, code="Locked"))

    code, deleted, left, _ = _report(cli, "down")

    assert code == 1
    assert [x["reason"].split(":")[0] for x in left] == ["Locked"]
    assert deleted == []
