"""Real packets in network namespaces: Floating IP works with the generated script, not without.

Needs root, iproute2 and nftables; skipped cleanly elsewhere. Addresses are documentation and
private ranges that exist only inside the namespaces these tests create.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from ipaddress import ip_address, ip_interface

import pytest

from provisioner.guest.datapath import (
    BackendVM,
    DataPath,
    MappingRule,
    Topology,
    available,
    results_table,
    run_datapath,
)
from provisioner.guest.output import parse_check, result_line
from provisioner.guest.render import render_apply, render_check, render_remove
from provisioner.guest.spec import GuestConfig, GuestScript, Listener

_WHY = available()
pytestmark = [pytest.mark.datapath, pytest.mark.skipif(_WHY is not None, reason=_WHY or "")]

FIP1, FIP2 = ip_address("198.51.100.1"), ip_address("198.51.100.2")
VMS = (
    BackendVM("vm1", (ip_interface("10.0.1.4/24"), ip_interface("fd00:1::4/64"))),
    BackendVM("vm2", (ip_interface("10.0.1.5/24"), ip_interface("fd00:1::5/64"))),
)
CLIENT = (ip_interface("192.0.2.10/24"), ip_interface("2001:db8:c::10/64"))
POOL = ("vm1", "vm2")


def topology(*rows: MappingRule) -> Topology:
    return Topology(client=CLIENT, vms=VMS, rows=rows)


def guest_config(vm: str, rows: Iterable[MappingRule], firewall: str = "auto") -> GuestConfig:
    listeners = tuple(
        Listener(r.frontend_ip, r.protocol, r.backend_port)
        for r in rows
        if r.floating and vm in r.pool
    )
    return GuestConfig(vm=vm, os="linux", listeners=listeners, firewall=firewall)  # type: ignore[arg-type]


def apply_scripts(topo: Topology) -> dict[str, GuestScript]:
    return {vm.name: render_apply(guest_config(vm.name, topo.rows)) for vm in topo.vms}


def assert_all_ok(results: list) -> None:
    assert results and all(r.ok for r in results), "\n" + results_table(results)
    for r in results:
        assert set(r.served_by) <= set(r.row.pool)
        assert r.reply_from == str(r.row.frontend_ip)


def test_rule_type_1_without_floating_ip_reaches_the_nic_ip_and_backend_port() -> None:
    """Seed 003 rule type 1: each frontend:80 maps to a different backend port on the NIC IP."""
    topo = topology(
        MappingRule(FIP1, "tcp", 80, False, 81, POOL, "green"),
        MappingRule(FIP2, "tcp", 80, False, 82, POOL, "purple"),
    )
    assert_all_ok(run_datapath(topo, apply_scripts(topo)))


def test_rule_type_2_two_floating_frontends_share_port_80_on_the_same_vms() -> None:
    """Seed 002: FIP1:80 and FIP2:80 on VM1 and VM2, each service bound to its frontend IP."""
    topo = topology(
        MappingRule(FIP1, "tcp", 80, True, 80, POOL, "green"),
        MappingRule(FIP2, "tcp", 80, True, 80, POOL, "purple"),
    )
    results = run_datapath(topo, apply_scripts(topo))
    assert_all_ok(results)


def test_mixed_rules_with_udp_and_a_different_backend_port() -> None:
    topo = topology(
        MappingRule(FIP1, "tcp", 80, True, 80, POOL, "green"),
        MappingRule(FIP1, "udp", 53, True, 53, ("vm2",), "green-dns"),
        MappingRule(FIP2, "tcp", 443, True, 8443, POOL, "purple-tls"),
        MappingRule(ip_address("198.51.100.3"), "tcp", 80, False, 81, POOL, "plain"),
        MappingRule(ip_address("198.51.100.3"), "udp", 53, False, 5353, ("vm1",), "plain-dns"),
    )
    assert_all_ok(run_datapath(topo, apply_scripts(topo)))


def test_ipv6_frontends_with_and_without_floating_ip() -> None:
    topo = topology(
        MappingRule(ip_address("2001:db8::1"), "tcp", 80, True, 80, POOL, "v6-floating"),
        MappingRule(ip_address("2001:db8::2"), "tcp", 80, False, 81, POOL, "v6-dnat"),
        MappingRule(ip_address("2001:db8::1"), "udp", 53, True, 53, POOL, "v6-udp"),
    )
    assert_all_ok(run_datapath(topo, apply_scripts(topo)))


def test_without_the_guest_script_floating_rows_fail_and_say_why() -> None:
    topo = topology(
        MappingRule(FIP1, "tcp", 80, True, 80, POOL, "green"),
        MappingRule(ip_address("198.51.100.3"), "tcp", 80, False, 81, POOL, "plain"),
    )
    by_name = {r.row.name: r for r in run_datapath(topo, apply_scripts(topo), skip_guest=True)}
    assert not by_name["green"].ok
    assert "was the guest script run?" in by_name["green"].detail
    assert by_name["plain"].ok, "rows without Floating IP need no guest script"


VM_FIREWALL = """table inet filter {
  chain input { type filter hook input priority filter; policy drop;
    ct state established,related accept
    iif "lo" accept
    tcp dport 8080 accept
  }
}
"""


def _snapshot(dp: DataPath, vm: str) -> tuple[str, str]:
    return dp.exec(vm, "ip", "-o", "addr", "show"), dp.exec(vm, "nft", "list", "ruleset")


def _run_ok(dp: DataPath, vm: str, script: GuestScript) -> str:
    status, out, err = dp.run_script(vm, script)
    assert status == 0 and (result_line(out) or {}).get("status") == "ok", out + err
    return out


def test_apply_is_idempotent_opens_the_firewall_and_remove_restores_the_vm() -> None:
    rows = (
        MappingRule(FIP1, "tcp", 80, True, 80, POOL, "green"),
        MappingRule(FIP2, "tcp", 80, True, 80, POOL, "purple"),
    )
    topo = topology(*rows)
    cfg = guest_config("vm1", rows)
    with DataPath(topo) as dp:
        for vm in ("vm1", "vm2"):
            _load_firewall(dp, vm)
        before = _snapshot(dp, "vm1")

        _run_ok(dp, "vm1", render_apply(cfg))
        once = _snapshot(dp, "vm1")
        assert "198.51.100.1/32" in once[0] and "198.51.100.2/32" in once[0]
        assert once[1].count('comment "provisioner/') == 2
        second = _run_ok(dp, "vm1", render_apply(cfg))
        assert _snapshot(dp, "vm1") == once, "a second apply changes nothing"
        assert "already on lo" in second and "already open" in second

        unit = os.path.join(dp.vm_state("vm1"), "systemd/system/provisioner-loopback.service")
        with open(unit, encoding="utf-8") as fh:
            assert "Type=oneshot" in fh.read()

        report = parse_check(_run_ok(dp, "vm1", render_check(cfg)), cfg)
        assert report.backend == "nftables" and len(report.open) == 2

        # Traffic passes the VM's drop-by-default firewall once apply opened it.
        _run_ok(dp, "vm2", render_apply(guest_config("vm2", rows)))
        dp.start_services()
        assert all(dp.probe().values())
        assert_all_ok(dp.send())

        _run_ok(dp, "vm1", render_remove(cfg))
        assert _snapshot(dp, "vm1") == before, "remove leaves the VM as it was"
        assert not os.path.exists(os.path.join(dp.vm_state("vm1"), "provisioner"))
        assert not os.path.exists(unit)
        _run_ok(dp, "vm1", render_remove(cfg))
        assert _snapshot(dp, "vm1") == before, "remove is idempotent"


def _load_firewall(dp: DataPath, vm: str) -> None:
    import subprocess

    subprocess.run(
        ["ip", "netns", "exec", dp.vm_ns[vm], "nft", "-f", "-"],
        input=VM_FIREWALL,
        text=True,
        check=True,
    )


def test_apply_prunes_a_frontend_the_blueprint_dropped() -> None:
    rows = (
        MappingRule(FIP1, "tcp", 80, True, 80, POOL, "green"),
        MappingRule(FIP2, "tcp", 80, True, 80, POOL, "purple"),
    )
    with DataPath(topology(*rows)) as dp:
        _load_firewall(dp, "vm1")
        _run_ok(dp, "vm1", render_apply(guest_config("vm1", rows)))
        _run_ok(dp, "vm1", render_apply(guest_config("vm1", rows[:1])))
        addrs, ruleset = _snapshot(dp, "vm1")
        assert "198.51.100.1/32" in addrs and "198.51.100.2" not in addrs
        assert "198.51.100.2" not in ruleset


@pytest.mark.skipif(not shutil.which("iptables"), reason="iptables not installed")
def test_iptables_backend_is_opened_and_restored() -> None:
    rows = (MappingRule(FIP1, "tcp", 80, True, 80, ("vm1",), "green"),)
    cfg = guest_config("vm1", rows)
    with DataPath(topology(*rows)) as dp:
        dp.exec("vm1", "iptables", "-P", "INPUT", "DROP")
        before = dp.exec("vm1", "iptables", "-S", "INPUT")
        _run_ok(dp, "vm1", render_apply(cfg))
        opened = dp.exec("vm1", "iptables", "-S", "INPUT")
        assert "-d 198.51.100.1/32 -p tcp" in opened and "provisioner/198.51.100.1/tcp/80" in opened
        _run_ok(dp, "vm1", render_apply(cfg))
        assert dp.exec("vm1", "iptables", "-S", "INPUT") == opened
        _run_ok(dp, "vm1", render_remove(cfg))
        assert dp.exec("vm1", "iptables", "-S", "INPUT") == before
