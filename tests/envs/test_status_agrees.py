"""`status` and `cleanup` judge expiry one way: an environment is expired only when all of it is."""

from __future__ import annotations

from azure.mgmt.network import models as nm

from provisioner.envs.listing import list_environments

from . import world
from .world import NOW, hours, stamp

LATER = NOW + hours(1)


def _drop_expiry(target, rg: str, name: str) -> None:
    """Someone removed the expiry tag from one public IP by hand."""
    pip = target.network.public_ip_addresses.get(rg, name)
    tags = {k: v for k, v in (pip.tags or {}).items() if k != "provisioner-expires"}
    target.network.public_ip_addresses.update_tags(rg, name, nm.TagsObject(tags=tags))


def test_status_and_cleanup_agree_on_what_is_expired(target, provision):
    world.environment(target, "old", NOW - hours(2), octet=1)
    world.environment(target, "half", NOW - hours(2), octet=2)
    world.environment(target, "young", NOW + hours(3), octet=3)
    _drop_expiry(target, "rg-half", "pip-half")

    listed = {e.env: e for e in list_environments(target, LATER)}
    cleanup = provision("cleanup", "--expired", "--now", stamp(LATER), "--output", "json")
    selected = {e["name"]: e["selected"] for e in cleanup.json()["environments"]}

    assert {name: e.expired for name, e in listed.items()} == selected
    assert selected == {"old": True, "half": False, "young": False}
    assert listed["half"].expires is None
    assert "no expiry" in listed["half"].reason


def test_status_lists_environments_with_their_expiry_as_json(target, provision):
    world.environment(target, "old", NOW - hours(2), octet=1)
    doc = provision("status", "--output", "json").json()
    (env,) = doc["environments"]
    assert env["env"] == "old" and env["expired"] is True
    assert env["expires"] == stamp(NOW - hours(2))
    assert env["resources"] == 5
