"""How `up`, `plan` and `down` drive the guest step: shown, in the JSON, failures exit 1,
a converged second `up` writes nothing, `down` undoes the guest of brownfield VMs."""

from __future__ import annotations

from pathlib import Path

from provisioner.localcloud.guest import set_guest_fault
from tests.e2e.conftest import writes

ROOT = Path(__file__).resolve().parents[2]
RULE2 = str(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml")
ENV = "rule-type-2"


def _vm_id(cloud, name: str) -> str:
    (vm,) = [
        r["id"]
        for r in cloud.resources()
        if str(r.get("type", "")).lower() == "microsoft.compute/virtualmachines"
        and r["name"] == f"vm-{ENV}-{name}"
    ]
    return vm


def _undo_guest(cloud) -> None:
    """Take the guest configuration away (as `provision guest --remove` would)."""
    from provisioner.apply.lifecycle import desired_state, load_and_validate, run_guest
    from provisioner.arm.target import open_target

    target = open_target("local", local_cloud=cloud)
    try:
        state = desired_state(target, load_and_validate(RULE2), ENV)
        report = run_guest(target, state, mode="remove")
        assert report is not None and report.ok
    finally:
        target.close()


def test_up_reports_the_guest_step_and_a_second_up_writes_nothing(cloud, cli):
    first = cli("up", RULE2, "--yes", "--output", "json")
    assert first.exit_code == 0, first.stdout + first.stderr
    guest = first.json()["guest"]
    assert guest["ok"] is True
    assert {(v["vm"], v["action"]) for v in guest["vms"]} == {
        ("vm1", "configure"),
        ("vm2", "configure"),
    }
    assert "guest vm1" in first.stderr

    cloud.clear_request_log()
    again = cli("up", RULE2, "--yes", "--output", "json")
    assert again.exit_code == 0
    assert {v["action"] for v in again.json()["guest"]["vms"]} == {"noop"}
    assert writes(cloud) == []


def test_plan_shows_pending_guest_work_and_detailed_exitcode_is_3(cloud, cli):
    assert cli("up", RULE2, "--yes").exit_code == 0
    clean = cli("plan", RULE2, "--detailed-exitcode", "--output", "json")
    assert clean.exit_code == 0
    assert {i["action"] for i in clean.json()["guest"]} == {"noop"}

    _undo_guest(cloud)
    pending = cli("plan", RULE2, "--detailed-exitcode", "--output", "json")
    assert pending.exit_code == 3
    assert pending.json()["changes"] == []
    assert {(i["vm"], i["action"]) for i in pending.json()["guest"]} == {
        ("vm1", "configure"),
        ("vm2", "configure"),
    }
    text = cli("plan", RULE2)
    assert "guest: 2 VM(s)" in text.stdout


def test_a_failing_guest_script_makes_up_exit_1_with_vm_status_and_stderr(cloud, cli):
    assert cli("up", RULE2, "--yes").exit_code == 0
    _undo_guest(cloud)
    set_guest_fault(cloud, _vm_id(cloud, "vm1"), action="apply", exit_code=7, stderr="ip: boom")

    run = cli("up", RULE2, "--yes", "--output", "json")
    assert run.exit_code == 1, run.stdout
    doc = run.json()
    assert doc["ok"] is False and doc["error"]["code"] == "GuestFailed"
    (bad,) = [v for v in doc["guest"]["vms"] if not v["ok"]]
    assert bad["vm"] == "vm1" and bad["exit_status"] == 7
    assert any("boom" in line for line in bad["stderr_tail"])
    assert doc["mapping"], "the infrastructure part is still reported"

    text = cli("up", RULE2, "--yes")
    assert text.exit_code == 1
    assert "guest failed:" in text.stderr and "vm1" in text.stderr
    assert "exit status 7" in text.stderr and "boom" in text.stderr


BROWNFIELD = """\
blueprint: 1
name: brown
location: westeurope
network:
  existing_id: {vnet}
  address_space: 10.9.0.0/16
  subnets:
    default: 10.9.0.0/24
vms:
  legacy: {{existing_id: {vm}}}
load_balancers:
  lb:
    type: public
    frontends:
      web: {{}}
    pools:
      app: [legacy]
    probes:
      health: {{protocol: tcp, port: 8080}}
    rules:
      web: {{frontend: web, protocol: tcp, port: 80, pool: app, probe: health, floating_ip: true}}
"""


def test_down_with_the_blueprint_undoes_the_guest_and_pools_of_a_brownfield_vm(
    cloud, cli, tmp_path
):
    from provisioner.arm.target import open_target
    from tests.envs import world

    target = open_target("local", local_cloud=cloud)
    try:
        world.group(target, "theirs")
        vnet = world.vnet(target, "theirs", "their-vnet", "10.9.0.0/16")
        nic = world.nic(target, "theirs", "legacy-nic", f"{vnet}/subnets/default", None, None)
        vm = world.vm(target, "theirs", "legacy", nic, {"team": "payments"})
        path = tmp_path / "brown.yaml"
        path.write_text(BROWNFIELD.format(vnet=vnet, vm=vm))
        up = cli("up", str(path), "--yes", "--output", "json")
        assert up.exit_code == 0, up.stdout + up.stderr
        assert cloud.guest_state(vm)["addresses"], "the brownfield guest was configured"

        down = cli("down", str(path), "--yes", "--output", "json")

        assert down.exit_code == 0, down.stdout + down.stderr
        doc = down.json()
        assert [(v["vm"], v["action"], v["ok"]) for v in doc["guest"]["vms"]] == [
            ("legacy", "remove", True)
        ]
        assert cloud.guest_state(vm)["addresses"] == []
        live = target.compute.virtual_machines.get("theirs", "legacy")
        assert live.tags == {"team": "payments"}
        cfg = target.network.network_interfaces.get("theirs", "legacy-nic").ip_configurations[0]
        assert not cfg.load_balancer_backend_address_pools
    finally:
        target.close()
