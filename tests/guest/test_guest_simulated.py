"""The local cloud's simulated guest, fed the scripts provisioner renders."""

from __future__ import annotations

from provisioner.guest.output import parse_check, result_line
from provisioner.guest.render import render_apply, render_check, render_remove
from provisioner.guest.spec import GuestConfig, Listener
from provisioner.localcloud.guest import empty_state, run_script

A, B = "198.51.100.1", "198.51.100.2"


def cfg(*listeners: Listener) -> GuestConfig:
    return GuestConfig(vm="vm1", os="linux", listeners=listeners)


def test_apply_converges_to_exactly_the_manifest():
    state = empty_state()
    run_script(render_apply(cfg(Listener(A, "tcp", 80), Listener(B, "tcp", 80))).lines, state)
    run_script(render_apply(cfg(Listener(A, "tcp", 443))).lines, state)
    want = cfg(Listener(A, "tcp", 443))
    out = run_script(render_check(want).lines, state).stdout
    report = parse_check(out, want)
    assert report.addresses == (A,)
    assert report.open == (Listener(A, "tcp", 443),)


def test_remove_takes_away_what_apply_recorded():
    state = empty_state()
    run_script(render_apply(cfg(Listener(A, "tcp", 80))).lines, state)
    run_script(render_remove(cfg()).lines, state)
    assert state["addresses"] == [] and state["open"] == []


def test_malformed_manifest_fails():
    result = run_script(["#!/bin/sh", "# provisioner-guest-manifest: {oops"], empty_state())
    assert result_line(result.stdout) == {"status": "failed", "exit": 2}
    assert "malformed" in result.stderr


def test_fault_fails_the_chosen_action_and_changes_nothing():
    state = empty_state()
    state["fault"] = {"action": "apply", "exit": 4, "stderr": "boom", "times": 1}
    result = run_script(render_apply(cfg(Listener(A, "tcp", 80))).lines, state)
    assert result_line(result.stdout) == {"status": "failed", "exit": 4}
    assert result.stderr == "boom\n" and state["addresses"] == []
    run_script(render_apply(cfg(Listener(A, "tcp", 80))).lines, state)  # fault used up
    assert state["addresses"] == [A]


def test_probe_ports_and_forwarding_converge_and_are_reported_compactly():
    from provisioner.guest.report import converged, lacking
    from provisioner.guest.spec import ProbePort

    want = GuestConfig(
        vm="vm1",
        os="linux",
        listeners=(Listener(A, "tcp", 80),),
        probes=(ProbePort("10.0.1.4", 8080),),
        forwarding=True,
    )
    state = empty_state()
    report = parse_check(run_script(render_check(want).lines, state).stdout, want)
    assert lacking(want, report) == [
        f"address {A}",
        f"firewall {A} tcp/80",
        "probe port 10.0.1.4 tcp/8080",
        "IPv4 forwarding",
    ]
    run_script(render_apply(want).lines, state)
    report = parse_check(run_script(render_check(want).lines, state).stdout, want)
    assert converged(want, report) and report.version == 2
    assert report.sections["probe_listening"].have == 1, "the simulated service listens"
    run_script(render_remove(want).lines, state)
    assert "probe_open" not in state and "forwarding" not in state
