"""The guest step end to end: up, guest and verify against the local cloud."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.localcloud import FaultRule
from provisioner.localcloud.guest import set_guest_fault

ROOT = Path(__file__).resolve().parents[2]
RULE2 = str(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml")
MIXED = str(ROOT / "blueprints" / "mixed-rule-types.yaml")
MANIFEST = "# provisioner-guest-manifest: "
BUSY = (
    "Run command extension execution is in progress. Please wait for completion "
    "before invoking a run command."
)


def vms(cloud) -> dict[str, str]:
    """Blueprint VM name (the name's last part) → VM id."""
    out = {}
    for res in cloud.resources():
        if str(res.get("type", "")).lower() == "microsoft.compute/virtualmachines":
            out[res["name"].rsplit("-", 1)[-1]] = res["id"]
    return out


def manifests(cloud, vm_id: str) -> list[dict]:
    out = []
    for rec in cloud.run_command_history(vm_id):
        line = next(x for x in rec.script if x.startswith(MANIFEST))
        out.append(json.loads(line[len(MANIFEST) :]))
    return out


def frontend_ips(cli) -> dict[str, str]:
    doc = cli("status", RULE2, "--output", "json").json()
    return {row["rule"]: row["frontend_ip"] for row in doc["mapping"]}


def test_up_configures_every_floating_ip_vm_and_check_reports_converged(cli, cloud):
    assert cli("up", RULE2, "--yes").exit_code == 0
    fips = frontend_ips(cli)
    want = sorted([fips["green"], fips["purple"]])
    ids = vms(cloud)
    assert set(ids) == {"vm1", "vm2"}
    for vm_id in ids.values():
        applied = [m for m in manifests(cloud, vm_id) if m["action"] == "apply"]
        assert len(applied) == 1
        assert applied[0]["addresses"] == want
        assert applied[0]["open"] == [{"address": ip, "port": 80, "protocol": "tcp"} for ip in want]
        assert cloud.guest_state(vm_id)["addresses"] == want

    run = cli("guest", RULE2, "--check", "--output", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    doc = run.json()
    assert doc["ok"] is True
    assert {(v["vm"], v["converged"]) for v in doc["vms"]} == {("vm1", True), ("vm2", True)}


def test_second_guest_step_runs_no_command_and_writes_nothing(cli, cloud):
    assert cli("up", RULE2, "--yes").exit_code == 0
    ids = vms(cloud)
    before = {vm: len(cloud.run_command_history(i)) for vm, i in ids.items()}
    cloud.clear_request_log()
    run = cli("guest", RULE2, "--output", "json")
    assert run.exit_code == 0
    assert [v["action"] for v in run.json()["vms"]] == ["noop", "noop"]
    assert {vm: len(cloud.run_command_history(i)) for vm, i in ids.items()} == before
    assert [r for r in cloud.request_log() if r.method != "GET"] == []


def test_failing_script_is_reported_with_vm_exit_status_and_stderr(cli, cloud):
    assert cli("up", RULE2, "--yes").exit_code == 0
    assert cli("guest", RULE2, "--remove").exit_code == 0
    ids = vms(cloud)
    assert cloud.guest_state(ids["vm1"])["addresses"] == []
    set_guest_fault(
        cloud, ids["vm1"], exit_code=3, stderr="ip: RTNETLINK answers: Operation not permitted"
    )
    run = cli("guest", RULE2)
    assert run.exit_code == 1
    assert "vm1: FAILED" in run.stdout
    assert "exit status: 3" in run.stdout
    assert "RTNETLINK answers: Operation not permitted" in run.stdout
    assert "vm2: ok" in run.stdout
    doc = cli("guest", RULE2, "--output", "json").json()
    failed = next(v for v in doc["vms"] if v["vm"] == "vm1")
    assert failed["ok"] is False and failed["exit_status"] == 3
    assert failed["stderr_tail"] == ["ip: RTNETLINK answers: Operation not permitted"]


def test_run_command_in_progress_409_is_retried(cli, cloud):
    assert cli("up", RULE2, "--yes").exit_code == 0
    assert cli("guest", RULE2, "--remove").exit_code == 0
    cloud.add_fault(
        FaultRule(
            kind="409",
            method="POST",
            path="/runCommand$",
            code="Conflict",
            message=BUSY,
            max_count=3,
        )
    )
    run = cli("guest", RULE2, "--output", "json")
    assert run.exit_code == 0, run.stdout
    assert all(v["ok"] and v["converged"] for v in run.json()["vms"])
    assert cloud.faults()[0]["fired"] == 3


def test_dropping_a_rule_prunes_the_guest(cli, cloud, tmp_path):
    assert cli("up", RULE2, "--yes").exit_code == 0
    fips = frontend_ips(cli)
    text = Path(RULE2).read_text()
    trimmed = tmp_path / "rule-type-2-floating-ip.yaml"
    trimmed.write_text(
        "\n".join(x for x in text.splitlines() if not x.strip().startswith("purple: {frontend"))
    )
    plan = cli("guest", str(trimmed), "--output", "json")
    assert plan.exit_code == 0, plan.stdout
    for vm_id in vms(cloud).values():
        assert cloud.guest_state(vm_id)["addresses"] == [fips["green"]]


@pytest.fixture
def datapath_ok():
    from provisioner.guest.datapath import available

    why = available()
    if why is not None:
        pytest.skip(why)


@pytest.mark.datapath
@pytest.mark.parametrize("blueprint", [RULE2, MIXED], ids=["rule-type-2", "mixed"])
def test_verify_datapath_after_up(cli, datapath_ok, blueprint):
    assert cli("up", blueprint, "--yes").exit_code == 0
    run = cli("verify", blueprint, "--datapath", "--output", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    doc = run.json()
    assert doc["ok"] is True and doc["rows"]
    assert all(r["ok"] for r in doc["rows"])


@pytest.mark.datapath
def test_verify_datapath_without_guest_fails_clearly(cli, datapath_ok):
    assert cli("up", RULE2, "--yes").exit_code == 0
    run = cli("verify", RULE2, "--datapath", "--skip-guest")
    assert run.exit_code == 1
    assert "FAIL" in run.stdout and "was the guest script run?" in run.stdout
    assert "guest scripts were NOT run" in run.stderr


def test_verify_shows_each_row_with_ready_vms(cli):
    assert cli("up", MIXED, "--yes").exit_code == 0
    run = cli("verify", MIXED, "--output", "json")
    assert run.exit_code == 0
    rows = {r["rule"]: r for r in run.json()["rows"]}
    assert rows["purple"]["converged"] == ["vm1", "vm2"]
    assert rows["green-http"]["converged"] == [] and rows["green-http"]["ok"]
    text = cli("verify", MIXED).stdout
    assert "lb/purple" in text and "guest ready on vm1, vm2" in text
