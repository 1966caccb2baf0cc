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
    out = run_script(render_check(cfg(Listener(A, "tcp", 443))).lines, state).stdout
    report = parse_check(out)
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
