"""The seed documents' "complete mapping" tables, reproduced from blueprints.

Seed 003 draws both rule types with symbolic addresses; seed 002 (and 004) draws rule type 2 with
the frontend addresses 65.52.0.1 and 65.52.0.2, which only exist after apply: they come in
through ``resolve_mapping``.
"""

from __future__ import annotations

from compile_helpers import TWO_FRONTENDS, compile_text

from provisioner.compile.mapping import (
    ALLOCATED_AT_APPLY,
    BACKEND_NIC_IP,
    UNKNOWN_IP,
    resolve_mapping,
)

RULE_TYPE_1 = TWO_FRONTENDS.replace(
    "green: {frontend: green, port: 80, pool: app, probe: health, floating_ip: true}",
    "green: {frontend: green, port: 80, backend_port: 80, pool: app}",
).replace(
    "purple: {frontend: purple, port: 80, pool: app, probe: health, floating_ip: true}",
    "purple: {frontend: purple, port: 80, backend_port: 81, pool: app}",
)


def table(rows):
    """The seed's columns: rule, frontend IP, protocol, port, destination, destination port."""
    return [
        (r.rule, r.frontend_ip, r.protocol, r.frontend_port, r.destination_ip, r.destination_port)
        for r in rows
    ]


def test_seed_003_rule_type_1_destinations_are_the_backend_ip_on_ports_80_and_81():
    state = compile_text(RULE_TYPE_1)
    assert table(state.mapping) == [
        ("green", ALLOCATED_AT_APPLY, "Tcp", 80, BACKEND_NIC_IP, 80),
        ("purple", ALLOCATED_AT_APPLY, "Tcp", 80, BACKEND_NIC_IP, 81),
    ]
    assert all(not r.floating_ip for r in state.mapping)


def test_seed_003_rule_type_2_destinations_are_the_frontends_on_port_80():
    state = compile_text(TWO_FRONTENDS)
    # "same as frontend": the destination is the frontend's address, whatever it will be.
    for row in state.mapping:
        assert row.destination_ip == row.frontend_ip
        assert row.destination_port == row.frontend_port == 80
        assert row.floating_ip
    assert [r.rule for r in state.mapping] == ["green", "purple"]


def test_seed_002_table_with_the_allocated_frontend_addresses():
    state = compile_text(TWO_FRONTENDS)
    rows = resolve_mapping(
        state.mapping,
        {("lb", "green"): "65.52.0.1", ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
    )
    assert table(rows) == [
        ("green", "65.52.0.1", "Tcp", 80, "65.52.0.1", 80),
        ("purple", "65.52.0.2", "Tcp", 80, "65.52.0.2", 80),
    ]
    assert all(r.backend_ips == ("10.0.1.4", "10.0.1.5") for r in rows)


def test_rule_type_1_after_apply_lists_each_backend_address():
    rows = resolve_mapping(
        compile_text(RULE_TYPE_1).mapping,
        {("lb", "green"): "65.52.0.1", ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
    )
    assert [(r.destination_ip, r.backend_ips, r.destination_port) for r in rows] == [
        (BACKEND_NIC_IP, ("10.0.1.4", "10.0.1.5"), 80),
        (BACKEND_NIC_IP, ("10.0.1.4", "10.0.1.5"), 81),
    ]


def test_resolving_with_nothing_known_changes_nothing():
    rows = compile_text(TWO_FRONTENDS).mapping
    assert resolve_mapping(rows, {}, {}) == rows


def test_a_backend_whose_address_is_unknown_keeps_its_place():
    rows = resolve_mapping(compile_text(RULE_TYPE_1).mapping, {}, {"vm2": "10.0.1.5"})
    assert rows[0].backend_ips == (UNKNOWN_IP, "10.0.1.5")
    assert rows[0].frontend_ip == ALLOCATED_AT_APPLY


def test_ipv6_rows_take_the_ipv6_nic_addresses():
    rows = compile_text(RULE_TYPE_1).mapping
    resolved = resolve_mapping(
        rows,
        {("lb", "green"): "2001:db8::1"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
        {"vm1": "fd00::4", "vm2": "fd00::5"},
    )
    assert resolved[0].backend_ips == ("fd00::4", "fd00::5")
    assert resolved[1].backend_ips == ("10.0.1.4", "10.0.1.5")
