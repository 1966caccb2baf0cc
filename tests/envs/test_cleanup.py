"""``provision cleanup`` against the local cloud: it takes exactly the expired environments.

Each test builds several environments with different expiries plus decoys (no tags of ours,
another environment's tags, our env name without the managed mark), inside and outside our
groups, runs the real CLI, and compares the subscription before and after.
"""

from __future__ import annotations

import pytest

from . import world
from .world import NOW, hours, stamp

LATER = stamp(NOW + hours(1))  # the instant the CLI judges expiry at


@pytest.fixture
def estate(target):
    """pr-1, pr-2 expired; pr-3 expires later; pr-4 has no expiry; decoys in a shared group."""
    ids = {
        "pr-1": world.environment(target, "pr-1", NOW - hours(2), octet=1),
        "pr-2": world.environment(target, "pr-2", NOW, octet=2),
        "pr-3": world.environment(target, "pr-3", NOW + hours(5), octet=3),
        "pr-4": world.environment(target, "pr-4", None, octet=4),
    }
    world.group(target, "shared")  # someone else's group, no tags
    tagged_like_pr1 = {"provisioner-env": "pr-1", "provisioner-expires": stamp(NOW - hours(9))}
    ids["decoys"] = [
        world.public_ip(target, "shared", "untagged"),
        world.public_ip(target, "shared", "env-tag-only", tagged_like_pr1),
        world.public_ip(
            target, "shared", "managed-false", {**tagged_like_pr1, "provisioner-managed": "false"}
        ),
        # An environment whose name starts like an expired one must not be confused with it.
        world.public_ip(target, "shared", "pr-10-pip", world.env_tags("pr-10", NOW + hours(5))),
    ]
    # pr-2 also owns a resource in the group it does not own (a brownfield group).
    ids["pr-2"].append(world.public_ip(target, "shared", "pr-2-extra", world.env_tags("pr-2", NOW)))
    return ids


def lower(ids):
    return {i.lower() for i in ids}


def test_cleanup_expired_deletes_exactly_the_expired_environments(estate, target, provision):
    before = world.live_ids(target)
    result = provision("cleanup", "--expired", "--yes", "--now", LATER)
    assert result.exit_code == 0, result.stdout + result.stderr
    after = world.live_ids(target)
    assert before - after == lower(estate["pr-1"] + estate["pr-2"])
    assert "2 environment(s) destroyed" in result.stdout


def test_the_group_we_did_not_create_survives_with_everything_else_in_it(estate, target, provision):
    provision("cleanup", "--expired", "--yes", "--now", LATER)
    left = {p.name for p in target.network.public_ip_addresses.list("shared")}
    assert left == {"untagged", "env-tag-only", "managed-false", "pr-10-pip"}


def test_without_yes_cleanup_is_a_dry_run_that_sends_no_write(estate, target, cloud, provision):
    before = world.live_ids(target)
    writes_before = [r for r in cloud.request_log() if r.method != "GET"]
    result = provision("cleanup", "--expired", "--now", LATER)
    assert result.exit_code == 0
    assert world.live_ids(target) == before
    writes = [r for r in cloud.request_log() if r.method != "GET"]
    assert writes == writes_before  # not one PUT, PATCH or DELETE
    assert "would be destroyed" in result.stdout
    assert "pr-1" in result.stdout and "pr-2" in result.stdout


def test_dry_run_wins_over_yes(estate, target, provision):
    before = world.live_ids(target)
    assert provision("cleanup", "--expired", "--yes", "--dry-run", "--now", LATER).exit_code == 0
    assert world.live_ids(target) == before


def test_json_report_is_one_document_a_ci_summary_can_use(estate, provision):
    result = provision("cleanup", "--expired", "--yes", "--now", LATER, "--output", "json")
    doc = result.json()  # the whole of stdout parses as one document
    assert doc["ok"] is True and doc["dry_run"] is False
    summary = doc["summary"]
    assert summary["environments_selected"] == 2
    assert summary["environments_destroyed"] == 2
    assert summary["resources_deleted"] == len(estate["pr-1"]) + len(estate["pr-2"])
    assert summary["resources_left"] == 0
    status = {e["name"]: e["status"] for e in doc["environments"]}
    assert status == {
        "pr-1": "destroyed",
        "pr-2": "destroyed",
        "pr-3": "kept",
        "pr-4": "kept",
        "pr-10": "kept",
    }
    assert "| pr-1 | destroyed |" in doc["summary_markdown"]
    assert "target: local cloud" in result.stderr


def test_prefix_and_age_narrow_the_selection(estate, target, provision):
    result = provision("cleanup", "--expired", "--env-prefix", "pr-2", "--yes", "--now", LATER)
    assert result.exit_code == 0
    gone = world.live_ids(target)
    assert not lower(estate["pr-2"]) & gone
    assert lower(estate["pr-1"]) <= gone


def test_same_result_with_one_request_in_five_failing_transiently(estate, target, cloud, provision):
    from provisioner.localcloud import FaultRule

    before = world.live_ids(target)
    cloud.set_seed(7)
    for kind in ("429", "500", "409"):
        cloud.add_fault(FaultRule(kind=kind, probability=0.07))
    result = provision("cleanup", "--expired", "--yes", "--now", LATER, "--output", "json")
    cloud.clear_faults()
    assert result.exit_code == 0, result.stdout
    assert before - world.live_ids(target) == lower(estate["pr-1"] + estate["pr-2"])
    failed = [r for r in cloud.request_log() if r.status in (409, 429, 500)]
    assert failed, "the faults were injected"


def test_nothing_is_selected_before_the_expiry_passes(estate, target, provision):
    before = world.live_ids(target)
    result = provision("cleanup", "--expired", "--yes", "--now", stamp(NOW - hours(3)))
    assert result.exit_code == 0
    assert world.live_ids(target) == before


def test_cleanup_without_a_criterion_is_refused_before_any_call(provision):
    result = provision("cleanup", "--yes")
    assert result.exit_code == 2
    assert "--expired" in result.stderr


def test_an_invalid_older_than_exits_2(provision):
    assert provision("cleanup", "--older-than", "3 weeks").exit_code == 2
