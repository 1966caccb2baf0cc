"""`provisioner-created`: set by the first `up`, kept by every later one, read by `status` and
`cleanup --older-than`; never a change in a plan."""

from __future__ import annotations

from datetime import timedelta

from provisioner.envs.ttl import format_timestamp, parse_timestamp
from tests.e2e.conftest import BLUEPRINTS, writes

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)


def _created_tags(cloud, env: str) -> set[str]:
    from provisioner.arm.listing import list_environment
    from provisioner.arm.target import open_target

    target = open_target("local", local_cloud=cloud)
    try:
        found = list_environment(target, env, lambda fn: fn())
    finally:
        target.close()
    return {r.tags.get("provisioner-created", "") for r in found}


def test_created_is_written_once_and_kept(cloud, cli):
    assert cli("up", str(BLUEPRINT), "--env", "aged", "--yes").exit_code == 0
    (created,) = _created_tags(cloud, "aged")
    assert parse_timestamp(created) is not None

    plan = cli("plan", str(BLUEPRINT), "--env", "aged", "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.json()["changes"]
    cloud.clear_request_log()
    again = cli("up", str(BLUEPRINT), "--env", "aged", "--yes", "--ttl", "4h", "--output", "json")
    assert again.exit_code == 0
    # A new TTL rewrites the expiry tag, never the creation time.
    paths = {f["path"] for c in again.json()["changes"] for f in c["field_changes"]}
    assert paths == {"tags.provisioner-expires"}
    assert writes(cloud)
    assert _created_tags(cloud, "aged") == {created}

    status = cli("status", "--output", "json").json()
    (env,) = status["environments"]
    assert env["created"] == created
    one = cli("status", "--env", "aged", "--output", "json").json()
    assert one["created"] == created


def test_cleanup_older_than_takes_the_environment_by_its_created_tag(cloud, cli):
    assert cli("up", str(BLUEPRINT), "--env", "aged", "--yes").exit_code == 0
    (created,) = _created_tags(cloud, "aged")
    moment = parse_timestamp(created)
    assert moment is not None

    def selected(now) -> bool:
        run = cli(
            "cleanup", "--older-than", "1h", "--now", format_timestamp(now), "--output", "json"
        )
        (env,) = run.json()["environments"]
        return env["selected"]

    assert not selected(moment + timedelta(minutes=30))
    assert selected(moment + timedelta(hours=2))
