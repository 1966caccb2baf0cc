"""Generated scripts: golden files, the three machine lines, structure and size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from guest_helpers import seed_config

from provisioner.guest.markers import MANIFEST_PREFIX
from provisioner.guest.render import render_apply, render_check, render_remove
from provisioner.guest.spec import GuestConfig, GuestScript

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("PROVISIONER_UPDATE_GOLDEN") == "1"
RENDERERS = {"apply": render_apply, "remove": render_remove, "check": render_check}


def _manifest(script: GuestScript) -> dict[str, object]:
    lines = [ln for ln in script.lines[:3] if ln.startswith(MANIFEST_PREFIX)]
    assert len(lines) == 1, "exactly one manifest line near the top"
    return json.loads(lines[0][len(MANIFEST_PREFIX) :])


@pytest.mark.parametrize("os_name,ext", [("linux", "sh"), ("windows", "ps1")])
@pytest.mark.parametrize("action", ["apply", "remove", "check"])
def test_scripts_match_their_golden_files(os_name: str, ext: str, action: str) -> None:
    """Regenerate with PROVISIONER_UPDATE_GOLDEN=1 and review the diff."""
    text = RENDERERS[action](seed_config(os_name)).text
    path = GOLDEN / f"{os_name}-{action}.{ext}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing {path}: run with PROVISIONER_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("os_name", ["linux", "windows"])
@pytest.mark.parametrize("action", ["apply", "remove", "check"])
def test_manifest_line_is_compact_sorted_and_exact(os_name: str, action: str) -> None:
    script = RENDERERS[action](seed_config(os_name))
    manifest = _manifest(script)
    assert manifest == {
        "version": 2,
        "action": action,
        "firewall": "auto",
        "probes": [],
        "forwarding": False,
        "addresses": ["198.51.100.1", "198.51.100.2", "203.0.113.9", "2001:db8::10"],
        "open": [
            {"address": "198.51.100.1", "protocol": "tcp", "port": 80},
            {"address": "198.51.100.2", "protocol": "tcp", "port": 80},
            {"address": "198.51.100.2", "protocol": "udp", "port": 53},
            {"address": "203.0.113.9", "protocol": "all", "port": 0},
            {"address": "2001:db8::10", "protocol": "tcp", "port": 443},
        ],
    }
    line = next(ln for ln in script.lines if ln.startswith(MANIFEST_PREFIX))
    body = line[len(MANIFEST_PREFIX) :]
    assert body == json.dumps(manifest, separators=(",", ":"), sort_keys=True)


def test_manifest_with_firewall_off_opens_nothing() -> None:
    cfg = seed_config("linux", firewall="off")
    assert _manifest(render_apply(cfg))["open"] == []


@pytest.mark.parametrize("os_name", ["linux", "windows"])
def test_command_ids_and_size_limits(os_name: str) -> None:
    for render in RENDERERS.values():
        script = render(seed_config(os_name))
        want = "RunShellScript" if os_name == "linux" else "RunPowerShellScript"
        assert script.command_id == want
        assert len(script.text.encode()) < 32 * 1024, "far below Azure's 256 KiB"


def test_many_frontends_still_fit_azure_limits() -> None:
    from provisioner.guest.spec import Listener

    listeners = tuple(Listener(f"10.{i // 250}.{i % 250}.4", "tcp", 80) for i in range(600))
    for os_name in ("linux", "windows"):
        cfg = GuestConfig(vm="vm1", os=os_name, listeners=listeners)  # type: ignore[arg-type]
        assert len(render_apply(cfg).text.encode()) < 256 * 1024


def test_linux_scripts_report_their_exit_status_last() -> None:
    text = render_apply(seed_config("linux")).text
    assert "trap finish EXIT" in text
    assert "PROVISIONER-RESULT" in text
    assert text.splitlines()[0] == "#!/bin/sh"
    assert text.rstrip().endswith("do_apply")


def test_windows_scripts_report_their_exit_status_last() -> None:
    lines = render_apply(seed_config("windows")).lines
    assert lines[-1] == "exit $ExitCode"
    assert lines[-2] == "Write-Output ('PROVISIONER-RESULT ' + $Result)"


def test_windows_firewall_rules_are_named_deterministically(windows_cfg: GuestConfig) -> None:
    text = render_apply(windows_cfg).text
    for name in (
        "provisioner-fip-198.51.100.1-tcp-80",
        "provisioner-fip-203.0.113.9-all-0",
        "provisioner-fip-2001_db8__10-tcp-443",
    ):
        assert f"Name = '{name}'" in text
    assert "-SkipAsSource $true" in text
    assert "-WeakHostReceive Enabled" in text and "-WeakHostSend Enabled" in text
    assert "*MSLOOP" in text and "netloop.inf" in text


def test_linux_persistence_unit_is_a_oneshot_that_readds_addresses(linux_cfg: GuestConfig) -> None:
    text = render_apply(linux_cfg).text
    assert "/etc/systemd/system/provisioner-loopback.service" in text
    assert "Type=oneshot" in text and "ip addr replace" in text
    assert "[ -d /run/systemd/system ]" in text, "systemctl only when systemd runs"


@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
@pytest.mark.parametrize("action", ["apply", "remove", "check"])
def test_linux_scripts_parse_as_posix_sh(action: str) -> None:
    text = RENDERERS[action](seed_config("linux")).text
    done = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
def test_linux_script_run_as_non_root_fails_and_says_so() -> None:
    if os.geteuid() == 0:
        pytest.skip("needs a non-root user")
    text = render_apply(seed_config("linux")).text
    done = subprocess.run(["sh", "-s"], input=text, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == 'PROVISIONER-RESULT {"status":"failed","exit":1}'
