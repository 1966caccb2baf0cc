"""Run-command on the simulated guest: Azure's output format, the manifest, one at a time."""

from __future__ import annotations

import json

import pytest
from azure.core.exceptions import ResourceExistsError
from localcloud_scenario import make_nic, make_vm, manifest, scenario

OPEN80 = {"address": "203.0.113.4", "protocol": "tcp", "port": 80}


def run(c, lines, vm="vm1", command="RunShellScript"):
    return c.compute.virtual_machines.begin_run_command(
        "rg", vm, {"commandId": command, "script": lines}
    ).result()


def check_report(c, vm="vm1") -> dict:
    message = run(c, [manifest("check")], vm).value[0].message
    line = next(x for x in message.splitlines() if x.startswith("PROVISIONER-CHECK "))
    return json.loads(line.split(" ", 1)[1])


def test_apply_is_idempotent_and_remove_undoes_it(clients):
    scenario(clients)
    for _ in range(2):
        run(clients, [manifest("apply", ["203.0.113.4"], [OPEN80])])
    report = check_report(clients)
    assert report == {
        "version": 1,
        "addresses": ["203.0.113.4"],
        "firewall": {"backend": "simulated", "open": [OPEN80]},
        "listening": [],
    }
    run(clients, [manifest("remove", ["203.0.113.4"], [OPEN80])])
    assert check_report(clients)["addresses"] == []


def test_linux_output_format(clients):
    scenario(clients)
    [status] = run(clients, [manifest("apply", ["203.0.113.4"], [OPEN80])]).value
    assert status.code == "ProvisioningState/succeeded"
    assert status.message == (
        'Enable succeeded: \n[stdout]\nPROVISIONER-RESULT {"status": "ok", "exit": 0}\n\n[stderr]\n'
    )


def test_windows_output_has_stdout_and_stderr_statuses(clients):
    s = scenario(clients)
    nic = make_nic(clients, "nic-win", s["vnet"].subnets[0].id)
    make_vm(clients, "win", nic.id, windows=True)
    result = run(
        clients, ["Write-Output hi", manifest("check")], vm="win", command="RunPowerShellScript"
    )
    assert [v.code for v in result.value] == [
        "ComponentStatus/StdOut/succeeded",
        "ComponentStatus/StdErr/succeeded",
    ]
    assert "PROVISIONER-CHECK" in result.value[0].message


def test_script_without_manifest_is_recorded_and_says_it_did_not_run(clients):
    s = scenario(clients)
    [status] = run(clients, ["echo hello"]).value
    assert status.message.startswith("Enable succeeded: \n[stdout]\n\n[stderr]\n")
    assert "[local cloud] script recorded, not run" in status.message
    [record] = clients.cloud.run_command_history(s["vm"].id)
    assert record.script == ["echo hello"] and record.command_id == "RunShellScript"


def test_malformed_manifest_reports_an_error(clients):
    scenario(clients)
    [status] = run(clients, ["# provisioner-guest-manifest: {oops"]).value
    assert '"status": "failed"' in status.message and "malformed" in status.message


def test_second_run_command_while_one_runs_is_409(clients):
    scenario(clients)
    clients.cloud.set_time_scale(1000)  # the first run-command will not finish in this test
    clients.compute.virtual_machines.begin_run_command(
        "rg", "vm1", {"commandId": "RunShellScript", "script": ["true"]}, polling=False
    )
    with pytest.raises(ResourceExistsError) as err:
        clients.compute.virtual_machines.begin_run_command(
            "rg", "vm1", {"commandId": "RunShellScript", "script": ["true"]}, polling=False
        )
    assert err.value.error.code == "Conflict"
    assert "Run command extension execution is in progress" in err.value.error.message


def test_guest_state_is_per_vm(clients):
    s = scenario(clients)
    nic = make_nic(clients, "nic2", s["vnet"].subnets[0].id)
    vm2 = make_vm(clients, "vm2", nic.id)
    run(clients, [manifest("apply", ["203.0.113.4"], [OPEN80])])
    assert clients.cloud.guest_state(vm2.id)["addresses"] == []
    assert clients.cloud.guest_state(s["vm"].id)["addresses"] == ["203.0.113.4"]
