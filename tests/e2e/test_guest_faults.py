"""Run-command under faults: a lost answer waits for the running script, and a connection that
keeps dropping is a failed VM in the report, never a traceback (issue 16.5 and 16.6)."""

from __future__ import annotations

from provisioner.arm.target import open_target
from provisioner.guest.delivery import Delivery
from provisioner.guest.render import render_check
from provisioner.guest.spec import GuestConfig
from provisioner.localcloud import FaultRule
from tests.e2e.conftest import BLUEPRINTS

RULE2 = str(next(p for p in BLUEPRINTS if "floating" in p.stem))
RUN_COMMAND = r"/runCommand$"
CHECK = render_check(GuestConfig(vm="vm1", os="linux", listeners=()))


def _guest_to_do(cli) -> None:
    """An environment whose VMs need their guest configured again."""
    assert cli("up", RULE2, "--yes").exit_code == 0
    assert cli("guest", RULE2, "--remove").exit_code == 0


def test_a_run_command_whose_answer_was_lost_waits_for_the_one_running(cli, cloud):
    assert cli("up", RULE2, "--yes").exit_code == 0
    vm = next(r for r in cloud.resources() if r["type"] == "Microsoft.Compute/virtualMachines")
    rg = vm["id"].split("/")[4]
    before = len(cloud.run_command_history(vm["id"]))
    cloud.clear_request_log()
    # The script runs 600 virtual seconds: longer than the whole back-off of a request's
    # attempts (at most 1 + 2 + … + 60 + 60… = 303 s), so only waiting for the running one lets
    # the script be sent again. Time passes for real in the local cloud: 0.6 s at this scale.
    cloud.set_latency({"Microsoft.Compute/virtualMachines/runCommand:POST": 600})
    cloud.set_time_scale(0.001)
    cloud.add_fault(FaultRule("drop-after", method="POST", path=RUN_COMMAND, max_count=1))
    target = open_target("local", local_cloud=cloud)
    try:
        outcome = Delivery(target).run(rg, vm["name"], CHECK, "linux")
    finally:
        target.close()
    assert outcome.ok
    posts = [r.status for r in cloud.request_log() if r.path.endswith("/runCommand")]
    assert posts[0] == 202 and posts[-1] == 202  # the first one's answer was lost
    assert 409 in posts  # Azure said "in progress": ours, from the POST whose answer was lost
    assert len(cloud.run_command_history(vm["id"])) == before + 2


def test_a_connection_dropped_on_the_last_run_command_retry_is_a_failed_vm_not_a_traceback(
    cli, cloud
):
    _guest_to_do(cli)
    cloud.add_fault(FaultRule("drop-before", method="POST", path=RUN_COMMAND))
    run = cli("up", RULE2, "--yes", "--output", "json")
    assert run.exit_code == 1
    doc = run.json()
    assert doc["ok"] is False
    assert doc["error"]["code"] == "GuestFailed"
    assert "ConnectionFailed" in doc["error"]["message"]
    assert {v["vm"]: v["ok"] for v in doc["guest"]["vms"]} == {"vm1": False, "vm2": False}
    assert doc["retries"] > 0


def test_a_connection_dropped_after_the_run_command_landed_is_reported_too(cli, cloud):
    _guest_to_do(cli)
    cloud.add_fault(FaultRule("drop-after", method="POST", path=RUN_COMMAND))
    run = cli("guest", RULE2, "--output", "json")
    assert run.exit_code == 1
    vms = run.json()["vms"]
    assert vms and all(not v["ok"] and "ConnectionDropped" in v["detail"] for v in vms)
