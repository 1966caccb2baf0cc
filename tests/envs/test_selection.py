"""Which environments a cleanup takes, decided from tags alone (no cloud needed)."""

from datetime import UTC, datetime, timedelta

import pytest

from provisioner.arm.listing import ListedResource
from provisioner.compile.tags import owned_by
from provisioner.envs.discovery import group_environments
from provisioner.envs.selection import Criteria, NoCriteria, select

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SUB = "/subscriptions/00000000-0000-0000-0000-000000000000"


def stamp(delta: timedelta) -> str:
    return (NOW + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def item(name, env, expires=None, created=None, *, managed="true", group=False, **extra):
    tags = {"provisioner-env": env, "provisioner-managed": managed, "provisioner-blueprint": "d1"}
    if expires is not None:
        tags["provisioner-expires"] = expires
    if created is not None:
        tags["provisioner-created"] = created
    tags.update(extra)
    if group:
        return ListedResource(
            f"{SUB}/resourceGroups/{name}", name, "Microsoft.Resources/resourceGroups", name, tags
        )
    return ListedResource(
        f"{SUB}/resourceGroups/rg-{env}/providers/Microsoft.Network/publicIPAddresses/{name}",
        name,
        "Microsoft.Network/publicIPAddresses",
        f"rg-{env}",
        tags,
    )


def names(decisions):
    return [d.environment.name for d in decisions if d.selected]


def test_resources_group_into_environments_by_their_env_tag():
    envs = group_environments(
        [
            item("rg-a", "a", stamp(-timedelta(hours=1)), group=True),
            item("pip1", "a", stamp(-timedelta(hours=1))),
            item("pip2", "b", stamp(timedelta(hours=1))),
        ]
    )
    assert [(e.name, e.resource_count) for e in envs] == [("a", 2), ("b", 1)]
    assert [g.name for g in envs[0].resource_groups] == ["rg-a"]


def test_things_not_marked_managed_belong_to_no_environment():
    envs = group_environments([item("pip", "a", managed="false"), item("pip2", "a", managed="")])
    assert envs == []


def test_expired_selects_only_environments_whose_expiry_has_passed():
    envs = group_environments(
        [
            item("p1", "old", stamp(-timedelta(minutes=5))),
            item("p2", "fresh", stamp(timedelta(hours=3))),
            item("p3", "forever"),
        ]
    )
    decisions = select(envs, Criteria(expired=True), NOW)
    assert names(decisions) == ["old"]
    kept = {d.environment.name: d.reason for d in decisions if not d.selected}
    assert "in 3h0m" in kept["fresh"]
    assert "no expiry" in kept["forever"]


def test_an_environment_is_expired_only_when_all_of_it_is():
    # A half-finished `extend` moved one resource's expiry: the environment lives on.
    envs = group_environments(
        [item("p1", "e", stamp(-timedelta(hours=1))), item("p2", "e", stamp(timedelta(hours=2)))]
    )
    assert names(select(envs, Criteria(expired=True), NOW)) == []
    assert names(select(envs, Criteria(expired=True), NOW + timedelta(hours=3))) == ["e"]


def test_a_resource_without_expiry_keeps_its_whole_environment():
    envs = group_environments([item("p1", "e", stamp(-timedelta(hours=1))), item("p2", "e")])
    assert names(select(envs, Criteria(expired=True), NOW)) == []


def test_a_hand_edited_unreadable_expiry_keeps_the_environment():
    envs = group_environments([item("p1", "e", "next tuesday")])
    assert names(select(envs, Criteria(expired=True), NOW)) == []


def test_prefix_and_expired_combine_with_and():
    past = stamp(-timedelta(hours=1))
    envs = group_environments(
        [
            item("a", "pr-1", past),
            item("b", "pr-2", stamp(timedelta(hours=1))),
            item("c", "main", past),
        ]
    )
    assert names(select(envs, Criteria(expired=True, env_prefix="pr-"), NOW)) == ["pr-1"]
    assert names(select(envs, Criteria(env_prefix="pr-"), NOW)) == ["pr-1", "pr-2"]


def test_older_than_reads_the_created_tag_and_skips_environments_without_one():
    envs = group_environments(
        [
            item("a", "old", created=stamp(-timedelta(days=3))),
            item("b", "young", created=stamp(-timedelta(hours=2))),
            item("c", "unknown"),
        ]
    )
    decisions = select(envs, Criteria(older_than=timedelta(days=1)), NOW)
    assert names(decisions) == ["old"]
    assert any("creation time unknown" in d.reason for d in decisions)


def test_cleanup_without_any_criterion_is_refused():
    with pytest.raises(NoCriteria) as err:
        select([], Criteria(), NOW)
    assert err.value.exit_code == 2


def test_ownership_needs_both_the_managed_mark_and_exactly_this_env():
    assert owned_by({"provisioner-managed": "true", "provisioner-env": "pr-1"}, "pr-1")
    # Azure matches tag names without case (a portal edit may change it), values as written.
    assert owned_by({"Provisioner-Managed": "true", "PROVISIONER-ENV": "pr-1"}, "pr-1")
    assert not owned_by({"provisioner-managed": "true", "provisioner-env": "pr-10"}, "pr-1")
    assert not owned_by({"provisioner-env": "pr-1"}, "pr-1")
    assert not owned_by({"provisioner-managed": "true", "provisioner-env": "PR-1"}, "pr-1")


@pytest.mark.parametrize("managed", ["TRUE", "True", " true ", "true ", "yes", "1"])
def test_only_the_managed_value_the_tool_writes_counts(managed):
    """A look-alike tag never makes a resource ours to delete (issue 16.3)."""
    assert not owned_by({"provisioner-managed": managed, "provisioner-env": "pr-1"}, "pr-1")
    assert group_environments([item("pip", "pr-1", managed=managed)]) == []


@pytest.mark.parametrize("env", ["Team Z/Prod", "PR-1", "pr 1", "-pr", "a" * 41, ""])
def test_environment_names_the_tool_could_never_write_are_never_selected(env):
    tags = {"provisioner-managed": "true", "provisioner-env": env}
    assert not owned_by(tags, env)
    envs = group_environments([item("pip", env)])
    assert envs == []
    assert select(envs, Criteria(env_prefix=env[:1] or "x"), NOW) == []


def test_resources_tagged_with_group_expire_with_their_group():
    """What ``up`` writes when it creates the group: the timestamp on the group only."""
    rg = item("rg-e", "e", stamp(-timedelta(hours=1)), group=True)
    members = [item(n, "e", "with-group") for n in ("vnet", "lb", "nic")]
    envs = group_environments([rg, *members])
    assert envs[0].expires == NOW - timedelta(hours=1)
    assert names(select(envs, Criteria(expired=True), NOW)) == ["e"]


def test_a_hand_removed_expiry_still_keeps_an_environment_that_expires_with_its_group():
    rg = item("rg-e", "e", stamp(-timedelta(hours=1)), group=True)
    envs = group_environments([rg, item("lb", "e", "with-group"), item("pip", "e")])
    assert names(select(envs, Criteria(expired=True), NOW)) == []


def test_with_group_and_no_group_of_its_own_keeps_the_environment():
    envs = group_environments([item("lb", "e", "with-group"), item("pip", "e", "with-group")])
    assert envs[0].expires is None
    assert names(select(envs, Criteria(expired=True), NOW)) == []
