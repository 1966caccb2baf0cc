"""Probe ports and IPv4 forwarding, with the real Linux scripts in network namespaces (root).

The probe source 168.63.129.16 is put on the load-balancer hop's loopback *inside its own
namespace*, so a probe can come from it without a packet leaving the namespaces these tests
create. Skipped cleanly where the data path cannot run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from ipaddress import ip_address

import pytest
from test_guest_datapath import POOL, VM_FIREWALL, _load_firewall, _run_ok, topology

from provisioner.guest.datapath import DataPath, MappingRule, available
from provisioner.guest.output import parse_check
from provisioner.guest.render import render_apply, render_check, render_remove
from provisioner.guest.report import converged, found, lacking
from provisioner.guest.spec import PROBE_SOURCE_V4, GuestConfig, Listener, ProbePort

_WHY = available()
pytestmark = [pytest.mark.datapath, pytest.mark.skipif(_WHY is not None, reason=_WHY or "")]

FIP = ip_address("198.51.100.1")
NIC = "10.0.1.4"  # vm1's NIC address in test_guest_datapath's topology
ROW = MappingRule(FIP, "tcp", 80, True, 80, POOL, "green")
#: VM_FIREWALL without its blanket "tcp dport 8080 accept": only what apply opens gets in.
CLOSED_FIREWALL = VM_FIREWALL.replace("    tcp dport 8080 accept\n", "")


def config(**kw: object) -> GuestConfig:
    probes = (ProbePort(NIC, 8080),)
    return GuestConfig("vm1", "linux", (Listener(FIP, "tcp", 80),), probes=probes, **kw)  # type: ignore[arg-type]


def _closed_firewall(dp: DataPath) -> None:
    subprocess.run(
        ["ip", "netns", "exec", dp.vm_ns["vm1"], "nft", "-f", "-"],
        input=CLOSED_FIREWALL,
        text=True,
        check=True,
    )


def _connect(dp: DataPath, source: str, port: int = 8080) -> bool:
    """A TCP connect from ``source`` (an address of the hop) to vm1's NIC address."""
    code = (
        "import socket,sys\n"
        "s=socket.socket(); s.settimeout(1.5); s.bind((sys.argv[1],0))\n"
        "try:\n s.connect((sys.argv[2],int(sys.argv[3]))); print('ok')\n"
        "except OSError as e: print('no', e)\n"
    )
    done = subprocess.run(
        ["ip", "netns", "exec", dp.lb_ns, sys.executable, "-c", code, source, NIC, str(port)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return done.stdout.startswith("ok")


def test_a_probe_port_is_opened_on_the_nic_address_for_the_probe_source_only() -> None:
    cfg = config()
    with DataPath(topology(ROW)) as dp:
        _closed_firewall(dp)
        subprocess.run(  # the data path may hold it already; "replace" is idempotent
            ["ip", "netns", "exec", dp.lb_ns, "ip", "addr", "replace", f"{PROBE_SOURCE_V4}/32",
             "dev", "lo"], check=True)  # fmt: skip
        before = dp.exec("vm1", "nft", "list", "ruleset")
        report = parse_check(_run_ok(dp, "vm1", render_check(cfg)), cfg)
        assert "probe port 10.0.1.4 tcp/8080" in lacking(cfg, report)

        _run_ok(dp, "vm1", render_apply(cfg))
        ruleset = dp.exec("vm1", "nft", "list", "ruleset")
        assert "ip saddr 168.63.129.16 ip daddr 10.0.1.4 tcp dport 8080 accept" in ruleset
        _run_ok(dp, "vm1", render_apply(cfg))
        assert dp.exec("vm1", "nft", "list", "ruleset") == ruleset, "idempotent"

        report = parse_check(_run_ok(dp, "vm1", render_check(cfg)), cfg)
        assert converged(cfg, report)
        assert report.sections["probe_open"].have == 1
        assert report.sections["probe_listening"].missing == ("10.0.1.4/tcp/8080/168.63.129.16",)
        assert found(cfg, report) == (
            "frontends bound 1/1; floating ports open 1/1; probe ports open 1/1;"
            " probe ports listening 0/1"
        )

        dp.start_services()  # binds the NIC address on the topology's probe port, 8080
        report = parse_check(_run_ok(dp, "vm1", render_check(cfg)), cfg)
        assert report.sections["probe_listening"].have == 1
        assert found(cfg, report).endswith("probe ports listening 1/1")
        assert _connect(dp, str(PROBE_SOURCE_V4)), "the probe source gets in"
        gateway = dp.exec("vm1", "ip", "-4", "route", "show", "default").split()[2]
        assert not _connect(dp, gateway), "anyone else does not"

        _run_ok(dp, "vm1", render_remove(cfg))
        assert dp.exec("vm1", "nft", "list", "ruleset") == before


def _forwarding(dp: DataPath) -> str:
    return dp.exec("vm1", "cat", "/proc/sys/net/ipv4/ip_forward").strip()


def test_forwarding_is_turned_on_persisted_and_undone_when_the_blueprint_drops_it() -> None:
    on, off = config(forwarding=True), config()
    with DataPath(topology(ROW)) as dp:
        _load_firewall(dp, "vm1")
        assert _forwarding(dp) == "0"
        drop_in = os.path.join(dp.vm_state("vm1"), "sysctl.d/60-provisioner-forwarding.conf")
        report = parse_check(_run_ok(dp, "vm1", render_check(on)), on)
        assert "IPv4 forwarding" in lacking(on, report)

        _run_ok(dp, "vm1", render_apply(on))
        assert _forwarding(dp) == "1"
        with open(drop_in, encoding="utf-8") as fh:
            assert fh.read() == "net.ipv4.ip_forward = 1\n"
        again = _run_ok(dp, "vm1", render_apply(on))
        assert "IPv4 forwarding is on" in again and "wrote" not in again
        report = parse_check(_run_ok(dp, "vm1", render_check(on)), on)
        assert converged(on, report)
        assert found(on, report).endswith("; IPv4 forwarding on, persisted")

        _run_ok(dp, "vm1", render_apply(off))  # ip_forwarding dropped from the blueprint
        assert _forwarding(dp) == "0" and not os.path.exists(drop_in)

        _run_ok(dp, "vm1", render_apply(on))
        _run_ok(dp, "vm1", render_remove(on))
        assert _forwarding(dp) == "0" and not os.path.exists(drop_in)


def test_forwarding_that_was_on_before_is_left_on() -> None:
    """Something else (a container runtime, say) forwarded already: not ours to turn off."""
    on, off = config(forwarding=True), config()
    with DataPath(topology(ROW)) as dp:
        dp.exec("vm1", "sysctl", "-qw", "net.ipv4.ip_forward=1")
        _run_ok(dp, "vm1", render_apply(on))
        _run_ok(dp, "vm1", render_apply(off))
        assert _forwarding(dp) == "1"
