"""``provision extend`` moves the expiry with tag-only writes; discovery costs two listings."""

from __future__ import annotations

from provisioner.envs.discovery import discover_environments

from . import world
from .world import NOW, hours, stamp


def expiries(target, ids):
    out = {}
    for group in target.resources.resource_groups.list():
        out[group.id.lower()] = (group.tags or {}).get("provisioner-expires")
    for res in target.resources.resources.list():
        out[res.id.lower()] = (res.tags or {}).get("provisioner-expires")
    return {i.lower(): out.get(i.lower()) for i in ids}


def test_extend_moves_the_expiry_of_every_owned_resource_and_nothing_else(target, cloud, provision):
    ours = world.environment(target, "pr-1", NOW + hours(1), octet=1)
    ours.append(
        world.vm(target, "rg-pr-1", "vm-pr-1", ours[-1], world.env_tags("pr-1", NOW + hours(1)))
    )
    world.group(target, "shared")
    decoy = world.public_ip(
        target, "shared", "lookalike", {"provisioner-env": "pr-1", "provisioner-expires": "x"}
    )
    cloud.clear_request_log()

    result = provision("extend", "--env", "pr-1", "--ttl", "2h", "--now", stamp(NOW))

    assert result.exit_code == 0, result.stdout + result.stderr
    assert set(expiries(target, ours).values()) == {stamp(NOW + hours(2))}
    assert expiries(target, [decoy]) == {decoy.lower(): "x"}
    writes = [r for r in cloud.request_log() if r.method != "GET"]
    assert {r.method for r in writes} == {"PATCH"}  # tags only: no PUT of any body
    assert len(writes) == len(ours)


def test_an_extended_environment_survives_the_cleanup_that_would_have_taken_it(target, provision):
    ours = world.environment(target, "pr-1", NOW + hours(1), octet=1)
    assert provision("extend", "--env", "pr-1", "--ttl", "4h", "--now", stamp(NOW)).exit_code == 0
    at_old_expiry = stamp(NOW + hours(2))
    assert provision("cleanup", "--expired", "--yes", "--now", at_old_expiry).exit_code == 0
    assert {i.lower() for i in ours} <= world.live_ids(target)
    after_new_expiry = stamp(NOW + hours(5))
    assert provision("cleanup", "--expired", "--yes", "--now", after_new_expiry).exit_code == 0
    assert not {i.lower() for i in ours} & world.live_ids(target)


def test_extend_of_an_unknown_environment_or_with_a_bad_ttl_exits_2(target, provision):
    world.environment(target, "pr-1", NOW, octet=1, steps=1)
    assert provision("extend", "--env", "pr-9", "--ttl", "2h").exit_code == 2
    bad = provision("extend", "--env", "pr-1", "--ttl", "2 hours")
    assert bad.exit_code == 2
    assert "30m, 4h, 2d" in bad.stderr


def test_discovery_lists_the_subscription_twice_however_many_groups_there_are(target, cloud):
    for n in range(6):
        world.environment(target, f"pr-{n}", NOW, octet=n + 1, steps=3)
    cloud.clear_request_log()

    environments = discover_environments(target)

    assert [e.name for e in environments] == [f"pr-{n}" for n in range(6)]
    assert all(e.resource_count == 3 for e in environments)
    requests = cloud.request_log()
    assert len(requests) == 2, [r.path for r in requests]
    assert {r.path.rstrip("/").rsplit("/", 1)[-1].lower() for r in requests} == {
        "resources",
        "resourcegroups",
    }


def test_an_extend_that_lands_while_cleanup_runs_wins(target):
    """Cleanup selects from one listing; an environment extended after that listing, before its
    own teardown, is read again, kept and reported as skipped (issue 16.2)."""
    from provisioner.envs.cleanup import run_cleanup
    from provisioner.envs.destroy import destroyer_for
    from provisioner.envs.extend import extend_environment
    from provisioner.envs.selection import Criteria, decide, select

    ours = world.environment(target, "pr-1", NOW + hours(1), octet=1)
    later = NOW + hours(2)
    criteria = Criteria(expired=True)
    decisions = select(discover_environments(target), criteria, later)
    assert [d.selected for d in decisions] == [True]
    assert extend_environment(target, "pr-1", "4h", later).ok  # lands between listing and delete

    report = run_cleanup(
        decisions,
        destroyer_for(target, recheck=lambda env: decide(env, criteria, later)),
        target=target.label,
        now=later,
        criteria=criteria,
        dry_run=False,
    )

    assert {i.lower() for i in ours} <= world.live_ids(target)
    (outcome,) = report.outcomes.values()
    assert outcome.skipped and "expires" in outcome.skipped and outcome.deleted == ()
    assert report.ok and report.environments_destroyed == 0
    (row,) = report.as_dict()["environments"]
    assert row["status"] == "skipped"


def test_cleanup_reads_each_environment_again_before_deleting_it(target, cloud, provision):
    world.environment(target, "pr-1", NOW + hours(1), octet=1)
    cloud.clear_request_log()
    assert provision("cleanup", "--expired", "--yes", "--now", stamp(NOW + hours(2))).exit_code == 0
    group_lists = [
        r.path
        for r in cloud.request_log()
        if r.method == "GET" and r.path.lower().endswith("/resourcegroups")
    ]
    assert len(group_lists) == 2  # discovery, then the environment again before its teardown


def test_extending_an_environment_up_created_is_one_write_on_its_group(target, cloud, provision):
    """``up`` puts the expiry timestamp on the group it creates and ``with-group`` on the rest,
    so ``extend`` writes one tag (issue 12.3), and cleanup still reads the new expiry."""
    from pathlib import Path

    blueprint = Path(__file__).parents[2] / "blueprints" / "rule-type-1.yaml"
    assert provision("up", str(blueprint), "--env", "pr-5", "--ttl", "1h", "--yes").exit_code == 0
    cloud.clear_request_log()

    done = provision("extend", "--env", "pr-5", "--ttl", "6h", "--now", stamp(NOW))

    assert done.exit_code == 0, done.stdout + done.stderr
    writes = [r for r in cloud.request_log() if r.method != "GET"]
    assert [(r.method, r.path.lower().endswith("/resourcegroups/rg-pr-5")) for r in writes] == [
        ("PATCH", True)
    ]
    (env,) = discover_environments(target)
    assert stamp(env.expires) == stamp(NOW + hours(6))
