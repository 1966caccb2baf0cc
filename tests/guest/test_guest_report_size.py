"""Run-command returns only the last 4,096 bytes of a script's stdout: at Azure's limits the check
report must still fit there, whole, with the result line after it.

Azure's limits (azure-reference.md §2): 600 frontends and 1,500 rules per load balancer, 300
rules on one NIC. So one VM is asked for at most 300 Floating IP entries (300 frontend IPs) and
300 probe ports. The worst case for the report is every one of them missing, every address text
as long as it gets (IPv6, 39 characters), 5-digit ports, and a loopback full of addresses nobody
asked for. The Linux check script is *run* for that case, with its system commands replaced by
shell functions that describe such a VM (no root needed, nothing on this machine is read or
changed); the PowerShell report cannot be run here (no PowerShell), so its size is computed from
the same sections and budget the script builds it from.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from provisioner.guest.markers import CHECK_PREFIX, REPORT_BUDGET, RESULT_PREFIX
from provisioner.guest.output import parse_check, result_line
from provisioner.guest.render import render_apply, render_check
from provisioner.guest.report import expected_tokens, lacking
from provisioner.guest.spec import GuestConfig, Listener, ProbePort

RUN_COMMAND_TAIL = 4096
RULES_PER_NIC = 300


def _v6(i: int) -> str:
    return f"2001:db8:ffff:ffff:ffff:ffff:ffff:{0xF000 + i:04x}"  # 39 characters


def worst_case(os_name: str) -> GuestConfig:
    """One VM at Azure's limits: 300 Floating IP rules, each with its own probe port, and
    forwarding on; the longest addresses and ports there are."""
    listeners = tuple(
        Listener(_v6(i), "udp" if i % 2 else "tcp", 65535 - i) for i in range(RULES_PER_NIC)
    )
    nic = "2001:db8:ffff:ffff:ffff:ffff:ffff:fffe"
    probes = tuple(ProbePort(nic, 65535 - i) for i in range(RULES_PER_NIC))
    return GuestConfig("vm1", os_name, listeners, probes=probes, forwarding=True)  # type: ignore[arg-type]


#: A VM with nothing of what is asked, an active nftables firewall that opens none of it,
#: nothing listening and 300 loopback addresses that nobody asked for.
STUBS = r"""
id() { echo 0; }
ip() {
  case "$*" in
    "-o addr show dev lo")
      i=0
      while [ $i -lt 300 ]; do
        printf '1: lo    inet6 fd00:eeee:eeee:eeee:eeee:eeee:eeee:%04x/128 scope global\n' $i
        i=$((i + 1))
      done ;;
  esac
  return 0
}
nft() {
  case "$1 $2" in
    "list chains")
      printf 'table inet filter {\n\tchain input {\n'
      printf '\t\ttype filter hook input priority filter; policy drop;\n\t}\n}\n' ;;
  esac
  return 0
}
ss() { return 0; }
have() {  # only the stubbed nftables: ufw, firewalld and iptables are not there
  case $1 in ufw|firewall-cmd|iptables|ip6tables) return 1;; esac
  command -v "$1" >/dev/null 2>&1
}
"""


def _run_with_stubs(cfg: GuestConfig) -> str:
    lines = render_check(cfg).lines
    at = lines.index('[ "$(id -u)" = 0 ] || die "must run as root"')  # after the library
    text = "\n".join([*lines[:at], STUBS, *lines[at:]]) + "\n"
    done = subprocess.run(["sh", "-s"], input=text, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
def test_linux_worst_case_check_report_fits_in_the_run_command_tail() -> None:
    cfg = worst_case("linux")
    stdout = _run_with_stubs(cfg)
    tail = stdout.encode()[-RUN_COMMAND_TAIL:].decode(errors="replace")
    check = next(x for x in tail.splitlines() if x.startswith(CHECK_PREFIX))
    result = tail.splitlines()[-1]
    size = len((check + "\n" + result + "\n").encode())
    assert size <= 3000, f"check and result lines take {size} bytes"
    assert tail.endswith(check + "\n" + result + "\n"), "nothing but the result after the report"
    assert result_line(tail) == {"status": "ok", "exit": 0}

    report = parse_check(tail, cfg)
    assert report.backend == "nftables"
    for name, tokens in expected_tokens(cfg).items():
        section = report.sections[name]
        assert (section.want, section.have) == (len(tokens), 0), name
        assert len(section.missing) == REPORT_BUDGET
        assert section.unlisted == len(tokens) - REPORT_BUDGET
    assert report.extra == 300
    said = lacking(cfg, report)
    assert f"{RULES_PER_NIC - REPORT_BUDGET} more address entries" in said
    assert "IPv4 forwarding" in said


def _windows_worst_case_report(cfg: GuestConfig) -> str:
    """The report ``Invoke-Check`` builds for the worst case, compact JSON like
    ``ConvertTo-Json -Compress``: the sections of ``expected_tokens`` with every entry missing."""

    def section(tokens: tuple[str, ...]) -> dict[str, object]:
        digest = "e3b0c44298fc1c14"  # nothing held
        return {"want": len(tokens), "have": 0, "digest": digest, "missing": tokens[:REPORT_BUDGET]}

    tokens = expected_tokens(cfg)
    extra = [f"fd00:eeee:eeee:eeee:eeee:eeee:eeee:{i:04x}" for i in range(REPORT_BUDGET)]
    report = {
        "version": 2,
        "backend": "windows",
        "addresses": section(tokens["addresses"]),
        "extra": {"count": 300, "listed": extra},
        "open": section(tokens["open"]),
        "listening": section(tokens["listening"]),
        "probe_open": section(tokens["probe_open"]),
        "probe_listening": section(tokens["probe_listening"]),
        "forwarding": {"want": True, "on": False, "persisted": False},
    }
    return CHECK_PREFIX + json.dumps(report, separators=(",", ":"))


def test_windows_worst_case_check_report_fits_in_the_run_command_tail() -> None:
    cfg = worst_case("windows")
    text = render_check(cfg).text
    assert f"$Budget = {REPORT_BUDGET}" in text, "the script lists what the tool budgets for"
    assert "elseif ($missing.Count -lt $Budget)" in text
    line = _windows_worst_case_report(cfg)
    result = RESULT_PREFIX + '{"status":"ok","exit":0}'
    # ConvertTo-Json may escape or space a little differently: keep a quarter in reserve.
    assert len((line + "\r\n" + result + "\r\n").encode()) <= RUN_COMMAND_TAIL * 3 // 4
    report = parse_check(line, cfg)
    assert report.sections["probe_open"].unlisted == RULES_PER_NIC - REPORT_BUDGET


@pytest.mark.parametrize("os_name", ["linux", "windows"])
def test_scripts_at_azure_limits_stay_far_below_the_script_size_limit(os_name: str) -> None:
    """The Linux extension refuses scripts over 256 KiB (azure-reference.md §2.3); measured:
    about 135 KiB (Linux) and 175 KiB (Windows) for this worst case."""
    cfg = worst_case(os_name)
    for script in (render_apply(cfg), render_check(cfg)):
        assert len(script.text.encode()) < 200 * 1024


def test_apply_ends_with_its_summary_and_result_whatever_it_printed_before() -> None:
    lines = render_apply(worst_case("linux")).lines
    assert lines[-1] == "do_apply"
    text = "\n".join(lines)
    assert 'say "apply done for $VM: $(count "$ADDRS") frontend address(es)' in text
    assert "trap finish EXIT" in text


def limits_blueprint() -> dict[str, object]:
    """A blueprint at Azure's limits: one public load balancer with 600 frontends and 1,500
    Floating IP rules over five pools of one VM each, so every VM's NIC carries 300 rules, each
    rule with a probe of its own port (300 probe ports per VM)."""
    from provisioner.rules.limits import (
        MAX_FRONTENDS_PER_LB,
        MAX_RULES_PER_LB,
        MAX_RULES_PER_NIC,
    )

    pools = MAX_RULES_PER_LB // MAX_RULES_PER_NIC
    rules = {
        f"r{i}": {
            "frontend": f"f{i % MAX_FRONTENDS_PER_LB}",
            "protocol": "udp" if i % 2 else "tcp",
            "port": 1024 + i // MAX_FRONTENDS_PER_LB,
            "pool": f"p{i // MAX_RULES_PER_NIC}",
            "probe": f"h{i % MAX_RULES_PER_NIC}",
            "floating_ip": True,
        }
        for i in range(MAX_RULES_PER_LB)
    }
    return {
        "blueprint": 1,
        "name": "limits",
        "location": "westeurope",
        "network": {"address_space": "10.0.0.0/16", "subnets": {"backend": "10.0.1.0/24"}},
        "vms": {f"vm{k}": {"subnet": "backend"} for k in range(pools)},
        "load_balancers": {
            "lb": {
                "type": "public",
                "frontends": {f"f{j}": {} for j in range(MAX_FRONTENDS_PER_LB)},
                "pools": {f"p{k}": [f"vm{k}"] for k in range(pools)},
                "probes": {f"h{j}": {"port": 20000 + j} for j in range(MAX_RULES_PER_NIC)},
                "rules": rules,
            }
        },
    }


@pytest.mark.skipif(not shutil.which("sh"), reason="no sh")
def test_a_blueprint_at_azures_limits_renders_checks_whose_report_fits_the_tail() -> None:
    from provisioner.blueprint.model import Blueprint
    from provisioner.compile.compiler import CompileContext, compile_blueprint
    from provisioner.guest.spec import config_from_requirement
    from provisioner.rules.validate import validate

    bp = Blueprint.model_validate(limits_blueprint())
    assert not [f for f in validate(bp) if f.severity == "error"], "within Azure's limits"
    state = compile_blueprint(
        bp,
        CompileContext(env="t", subscription_id="00000000-0000-0000-0000-000000000001", digest="d"),
    )
    assert len(state.guest) == 5

    def frontend_ip(ref: object) -> str:
        n = int(ref.frontend[1:])  # type: ignore[attr-defined]
        return f"198.18.{n // 250}.{n % 250 + 1}"

    req = state.guest[0]
    cfg = config_from_requirement(req, frontend_ip, lambda version: "10.0.1.4")
    assert (len(cfg.addresses), len(cfg.listeners), len(cfg.probes)) == (300, 300, 300)
    stdout = _run_with_stubs(cfg)  # nothing held: every section at its worst
    tail = stdout.encode()[-RUN_COMMAND_TAIL:].decode(errors="replace")
    check = next(x for x in tail.splitlines() if x.startswith(CHECK_PREFIX))
    assert len(check.encode()) < 2048, f"the report takes {len(check.encode())} bytes"
    report = parse_check(tail, cfg)
    assert report.sections["open"].unlisted == 300 - REPORT_BUDGET
    assert result_line(tail) == {"status": "ok", "exit": 0}
