"""Every example blueprint: up, plan shows nothing, up again writes nothing, down leaves nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BLUEPRINTS, env_resources, writes


@pytest.mark.parametrize("blueprint", BLUEPRINTS, ids=[p.stem for p in BLUEPRINTS])
def test_up_plan_up_down_round_trip(blueprint, cloud, cli):
    env = f"e2e-{blueprint.stem}"[:30]
    first = cli("up", str(blueprint), "--env", env, "--yes", "--output", "json")
    assert first.exit_code == 0, first.stderr + first.stdout
    doc = first.json()
    assert doc["ok"] and doc["env"] == env
    assert {r["action"] for r in doc["resources"]} == {"create"}
    assert doc["mapping"], "the mapping table comes back with the apply"
    for row in doc["mapping"]:
        assert row["frontend_ip"] != "allocated at apply", row
        assert len(row["backend_ips"]) == len(row["backends"])
    assert first.stderr.splitlines()[0].startswith("target: local cloud")
    assert writes(cloud), "the test watches the same cloud the CLI wrote to"

    plan = cli("plan", str(blueprint), "--env", env, "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.json()["changes"]
    assert plan.json()["changes"] == []

    cloud.clear_request_log()
    again = cli("up", str(blueprint), "--env", env, "--yes", "--output", "json")
    assert again.exit_code == 0, again.stderr
    assert writes(cloud) == [], "a second up must not write anything"
    assert {r["action"] for r in again.json()["resources"]} == {"noop"}

    down = cli("down", "--env", env, "--yes", "--output", "json")
    assert down.exit_code == 0, down.stdout + down.stderr
    assert down.json()["left"] == []
    assert env_resources(cloud, env) == []


def test_invalid_blueprint_exits_2_without_calling_the_cloud(cloud, cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("blueprint: 1\nname: bad\nlocation: westeurope\nnetwork: {}\nbogus: 1\n")
    cloud.clear_request_log()
    for args in (["plan"], ["up", "--yes"]):
        run = cli(*args, str(bad), "--output", "json")
        assert run.exit_code == 2
        assert run.json()["ok"] is False
    assert cloud.request_log() == []


def test_plan_detailed_exitcode_is_3_before_the_first_up(cloud, cli):
    blueprint = BLUEPRINTS[0]
    run = cli("plan", str(blueprint), "--env", "fresh", "--detailed-exitcode")
    assert run.exit_code == 3
    assert "to create" in run.stdout
    assert writes(cloud) == []


def test_status_lists_the_environment_and_its_mapping(cloud, cli):
    blueprint = BLUEPRINTS[0]
    assert cli("up", str(blueprint), "--env", "seen", "--yes", "--ttl", "4h").exit_code == 0
    listing = cli("status", "--output", "json").json()
    (env,) = [e for e in listing["environments"] if e["env"] == "seen"]
    assert env["resources"] > 0 and env["expires"] and not env["expired"]
    one = cli("status", "--env", "seen", "--output", "json").json()
    assert one["exists"] and one["mapping"]
    with_bp = cli("status", str(blueprint), "--env", "seen", "--output", "json").json()
    assert with_bp["drift"] is False


def test_down_never_touches_resources_of_another_environment(cloud, cli):
    blueprint = BLUEPRINTS[0]
    assert cli("up", str(blueprint), "--env", "keep", "--yes").exit_code == 0
    assert cli("up", str(blueprint), "--env", "drop", "--yes").exit_code == 0
    before = len(env_resources(cloud, "keep"))
    assert cli("down", "--env", "drop", "--yes").exit_code == 0
    assert env_resources(cloud, "drop") == []
    assert len(env_resources(cloud, "keep")) == before


def test_down_keeps_and_reports_a_group_holding_someone_elses_resource(cloud, cli):
    from azure.mgmt.network.models import PublicIPAddress, PublicIPAddressSku

    from provisioner.arm.target import open_target

    blueprint = BLUEPRINTS[0]
    assert cli("up", str(blueprint), "--env", "shared", "--yes").exit_code == 0
    target = open_target("local", local_cloud=cloud)
    target.network.public_ip_addresses.begin_create_or_update(
        "rg-shared",
        "not-ours",
        PublicIPAddress(
            location="westeurope",
            sku=PublicIPAddressSku(name="Standard"),
            public_ip_allocation_method="Static",
        ),
    ).result()
    down = cli("down", "--env", "shared", "--yes", "--output", "json")
    assert down.exit_code == 1
    doc = down.json()
    assert [x["id"].lower() for x in doc["left"]] == [
        f"/subscriptions/{target.subscription_id}/resourcegroups/rg-shared".lower()
    ]
    assert target.network.public_ip_addresses.get("rg-shared", "not-ours").name == "not-ours"
    kinds_left = {
        str(r["type"] if isinstance(r, dict) else r.type).lower()
        for r in env_resources(cloud, "shared")
        if "not-ours" not in str(r)
    }
    assert kinds_left <= {"microsoft.resources/resourcegroups"}
    target.close()


def test_a_vm_dropped_from_the_blueprint_is_deleted(cloud, cli, tmp_path):
    source = next(p for p in BLUEPRINTS if "floating" in p.stem).read_text()
    assert cli_up(cli, tmp_path, source, "shrink").exit_code == 0
    smaller = source.replace("[vm1, vm2]", "[vm1]").replace("  vm2: {subnet: backend}\n", "")
    if smaller == source:
        pytest.skip("blueprint layout changed; adjust the edit")
    plan = cli("plan", str(write(tmp_path, smaller)), "--env", "shrink", "--output", "json")
    deleted = {c["kind"] for c in plan.json()["changes"] if c["action"] == "delete"}
    assert deleted == {"virtual_machine", "network_interface"}
    assert cli_up(cli, tmp_path, smaller, "shrink").exit_code == 0
    again = cli("plan", str(write(tmp_path, smaller)), "--env", "shrink", "--detailed-exitcode")
    assert again.exit_code == 0


def write(tmp_path, text: str):
    path = tmp_path / "bp.yaml"
    path.write_text(text)
    return path


def cli_up(cli, tmp_path, text: str, env: str):
    return cli("up", str(write(tmp_path, text)), "--env", env, "--yes")
