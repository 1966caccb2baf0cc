"""What `verify` asks Network Watcher for each mapping row, decided from plain data."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from provisioner.arm.network_watcher import BackendHealth, FlowVerdict, RuleHealth
from provisioner.blueprint.loader import load_blueprint
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState, Kind
from provisioner.guest.azure_verify import (
    HA_SAMPLE_PORT,
    INTERNET_CLIENT,
    AzureRowCheck,
    FlowAnswer,
    plan_flows,
)

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"


def state_of(name: str) -> DesiredState:
    bp = load_blueprint(BLUEPRINTS / name).blueprint
    ctx = CompileContext(
        env="t", subscription_id="00000000-0000-0000-0000-000000000001", digest="d"
    )
    return compile_blueprint(bp, ctx)


def live_of(state: DesiredState) -> dict:
    """NICs with their ids, the virtual network with its address space."""
    live: dict = {}
    for res in state.resources.values():
        if res.kind is Kind.NETWORK_INTERFACE:
            live[res.key] = {"id": res.id}
        if res.kind is Kind.VIRTUAL_NETWORK:
            live[res.key] = {"properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    return live


def row_of(state: DesiredState, rule: str, frontend_ip: str, ips: tuple[str, ...]):
    row = next(r for r in state.mapping if r.rule == rule)
    return dataclasses.replace(row, frontend_ip=frontend_ip, backend_ips=ips)


def test_a_floating_row_is_asked_at_the_frontend_ip_and_a_plain_one_at_the_nic_address():
    state = state_of("mixed-rule-types.yaml")
    live = live_of(state)
    purple = plan_flows(
        state, live, row_of(state, "purple", "203.0.113.7", ("10.0.1.4", "10.0.1.5"))
    )
    assert [(q.vm, q.flow.local_ip, q.flow.local_port, q.flow.protocol) for q in purple] == [
        ("vm1", "203.0.113.7", 80, "TCP"),
        ("vm2", "203.0.113.7", 80, "TCP"),
    ]
    assert {q.flow.remote_ip for q in purple} == {INTERNET_CLIENT}, "a public load balancer"
    assert purple[0].nic_id and purple[0].nic_id.endswith("/networkInterfaces/nic-t-vm1")
    assert purple[0].vm_id.endswith("/virtualMachines/vm-t-vm1")

    dns = plan_flows(
        state, live, row_of(state, "green-dns", "203.0.113.5", ("10.0.1.4", "10.0.1.5"))
    )
    assert [(q.flow.local_ip, q.flow.local_port, q.flow.protocol) for q in dns] == [
        ("10.0.1.4", 53, "UDP"),
        ("10.0.1.5", 53, "UDP"),
    ]
    assert (
        plan_flows(state, live, row_of(state, "purple", "198.18.0.9", ()), "192.0.2.1")[
            0
        ].flow.remote_ip
        == "192.0.2.1"
    ), "--from wins"


def test_an_internal_ha_ports_row_comes_from_the_virtual_network_and_samples_one_port():
    state = state_of("internal-ha-ports.yaml")
    [q1, q2] = plan_flows(state, live_of(state), row_of(state, "ha", "10.0.1.10", ()))
    assert (q1.flow.protocol, q1.flow.local_ip, q1.flow.local_port) == (
        "TCP",
        "10.0.1.10",
        HA_SAMPLE_PORT,
    )
    assert q1.flow.remote_ip == "10.0.255.254"


def test_rows_that_cannot_be_asked_say_why():
    state = state_of("ipv6-public-frontend.yaml")
    live = live_of(state)
    six = next(r for r in state.mapping if r.ip_version == "ipv6")
    questions = plan_flows(state, live, dataclasses.replace(six, frontend_ip="2001:db8::5"))
    assert questions and all(q.flow is None for q in questions)
    assert {q.skipped for q in questions} <= {
        "IPv6: IP flow verify takes IPv4 addresses only",
        "address not allocated yet",
    }
    unallocated = plan_flows(state, live, state.mapping[0])
    assert {q.skipped for q in unallocated} == {"address not allocated yet"}


def test_a_row_is_not_ready_when_an_nsg_denies_it_or_no_backend_is_up():
    state = state_of("mixed-rule-types.yaml")
    row = row_of(state, "purple", "203.0.113.7", ("10.0.1.4", "10.0.1.5"))
    allow = FlowVerdict("Allow", "securityRules/allow-purple")
    deny = FlowVerdict("Deny", "defaultSecurityRules/DenyAllInBound")
    up = RuleHealth(2, 0, ())
    check = AzureRowCheck(row, [FlowAnswer("vm1", allow), FlowAnswer("vm2", allow)], up)
    assert check.ok and check.nsg_text() == "Allow (securityRules/allow-purple)"
    check.flows[1] = FlowAnswer("vm2", deny)
    assert not check.ok
    assert check.nsg_text() == (
        "Deny at vm2 (defaultSecurityRules/DenyAllInBound);"
        " Allow at vm1 (securityRules/allow-purple)"
    )
    down = RuleHealth(0, 2, (BackendHealth("10.0.1.4", "", "Down", "Down_Probe_TcpProbeTimeout"),))
    check = AzureRowCheck(row, [FlowAnswer("vm1", allow)], down)
    assert not check.ok and "10.0.1.4: Down_Probe_TcpProbeTimeout" in check.health_text()
    unknown = AzureRowCheck(row, [FlowAnswer("vm1", None, "no Network Watcher")], None, "HTTP404")
    assert unknown.ok, "what could not be asked counts neither way"
    assert unknown.nsg_text() == "not checked (no Network Watcher)"
