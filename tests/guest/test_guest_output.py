"""Azure's run-command results, both formats, and the check report."""

from __future__ import annotations

import pytest
from azure.mgmt.compute.models import InstanceViewStatus, RunCommandResult
from guest_helpers import seed_config

from provisioner.guest.output import (
    OutputError,
    converged,
    parse_check,
    parse_run_command_result,
)
from provisioner.guest.spec import GuestConfig, Listener

OK_LINE = 'PROVISIONER-RESULT {"status":"ok","exit":0}'
FAIL_LINE = 'PROVISIONER-RESULT {"status":"failed","exit":1}'


def linux(stdout: str, stderr: str = "", code: str = "ProvisioningState/succeeded") -> dict:
    verb = "succeeded" if code.endswith("succeeded") else "failed"
    return {
        "value": [
            {
                "code": code,
                "level": "Info",
                "displayStatus": "Provisioning succeeded",
                "message": f"Enable {verb}: \n[stdout]\n{stdout}\n[stderr]\n{stderr}",
            }
        ]
    }


def windows(stdout: str, stderr: str = "") -> dict:
    return {
        "value": [
            {"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "message": stdout},
            {"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "message": stderr},
        ]
    }


def test_linux_success_reads_the_result_line() -> None:
    out = parse_run_command_result(linux(f"provisioner: added\n{OK_LINE}\n"), "linux")
    assert out.ok and out.exit_status == 0
    assert out.stdout.startswith("provisioner: added")


def test_linux_failure_is_seen_although_azure_says_succeeded() -> None:
    result = linux(f"provisioner: x\n{FAIL_LINE}\n", "provisioner: error: cannot add\n")
    out = parse_run_command_result(result, "linux")
    assert not out.ok and out.exit_status == 1
    assert out.stderr_tail == ["provisioner: error: cannot add"]


def test_linux_output_without_result_line_is_a_failure_with_unknown_status() -> None:
    out = parse_run_command_result(linux("killed halfway\n"), "linux")
    assert not out.ok and out.exit_status is None


def test_extension_failure_is_a_failure_even_with_an_ok_line() -> None:
    out = parse_run_command_result(linux(OK_LINE, code="ProvisioningState/failed"), "linux")
    assert not out.ok


def test_windows_two_component_statuses() -> None:
    out = parse_run_command_result(windows(f"provisioner: ok\r\n{OK_LINE}\r\n"), "windows")
    assert out.ok and out.exit_status == 0
    bad = parse_run_command_result(windows(FAIL_LINE, "provisioner: error: boom\r\n"), "windows")
    assert not bad.ok and bad.exit_status == 1 and bad.stderr_tail == ["provisioner: error: boom"]


def test_sdk_model_objects_are_read_like_dicts() -> None:
    model = RunCommandResult(
        value=[
            InstanceViewStatus(
                code="ProvisioningState/succeeded",
                message=f"Enable succeeded: \n[stdout]\n{OK_LINE}\n\n[stderr]\n",
            )
        ]
    )
    assert parse_run_command_result(model, "linux").ok


def test_async_status_document_shape_is_accepted() -> None:
    doc = {"status": "Succeeded", "properties": {"output": linux(OK_LINE)}}
    assert parse_run_command_result(doc, "linux").ok


def test_a_result_without_value_is_an_error() -> None:
    with pytest.raises(OutputError):
        parse_run_command_result({}, "linux")


CHECK = (
    'PROVISIONER-CHECK {"version":1,"addresses":["198.51.100.1","198.51.100.2"],'
    '"firewall":{"backend":"ufw","open":[{"address":"198.51.100.1","protocol":"tcp","port":80}]},'
    '"listening":[{"address":"0.0.0.0","protocol":"tcp","port":80}]}'
)


def two_frontends(**kw: object) -> GuestConfig:
    listeners = (Listener("198.51.100.1", "tcp", 80), Listener("198.51.100.2", "tcp", 80))
    return GuestConfig("vm1", "linux", listeners, **kw)  # type: ignore[arg-type]


def test_check_report_is_read_from_the_line_before_the_result() -> None:
    report = parse_check(f"noise\n{CHECK}\n{OK_LINE}\n")
    assert report.addresses == ("198.51.100.1", "198.51.100.2")
    assert report.backend == "ufw"
    assert report.open == (Listener("198.51.100.1", "tcp", 80),)
    assert report.listening[0].address == "0.0.0.0"


def test_converged_needs_addresses_and_open_ports_but_not_listeners() -> None:
    report = parse_check(CHECK)
    assert not converged(two_frontends(), report), "198.51.100.2:80 is not open"
    assert converged(two_frontends(firewall="off"), report)
    none = parse_check(CHECK.replace('"ufw"', '"none"'))
    assert converged(two_frontends(), none), "no active firewall blocks nothing"
    missing = parse_check(CHECK.replace(',"198.51.100.2"', ""))
    assert not converged(two_frontends(firewall="off"), missing)


def test_windows_check_and_ipv6_spelling() -> None:
    line = CHECK.replace('"ufw"', '"windows"').replace("198.51.100.2", "2001:DB8::2")
    report = parse_check(line)
    assert "2001:db8::2" in report.addresses and report.backend == "windows"


@pytest.mark.parametrize(
    "stdout", ["", "PROVISIONER-CHECK not-json", 'PROVISIONER-CHECK {"version":2}',
               'PROVISIONER-CHECK {"version":1,"addresses":[],"firewall":[]}'],
)  # fmt: skip
def test_malformed_check_output_is_an_error(stdout: str) -> None:
    with pytest.raises(OutputError):
        parse_check(stdout)


def test_seed_config_is_not_converged_on_an_empty_vm() -> None:
    empty = parse_check(
        'PROVISIONER-CHECK {"version":1,"addresses":[],"firewall":{"backend":"none","open":[]},'
        '"listening":[]}'
    )
    assert not converged(seed_config("linux"), empty)
