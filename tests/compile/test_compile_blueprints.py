"""Every example blueprint compiles, is valid, and yields the mapping table its comment promises."""

from __future__ import annotations

import pytest
from compile_helpers import BLUEPRINTS, context, load

from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import Kind
from provisioner.compile.mapping import ALLOCATED_AT_APPLY as AT_APPLY
from provisioner.compile.mapping import BACKEND_NIC_IP as NIC
from provisioner.compile.names import OUTBOUND_SNAT
from provisioner.rules.validate import validate

# (lb, rule, frontend IP, protocol, frontend port, destination IP, destination port, floating,
#  backends) per row, in blueprint order.
EXPECTED = {
    "rule-type-1.yaml": [
        ("lb", "green", AT_APPLY, "Tcp", 80, NIC, 80, False, ("vm1", "vm2")),
        ("lb", "purple", AT_APPLY, "Tcp", 80, NIC, 81, False, ("vm1", "vm2")),
    ],
    "rule-type-2-floating-ip.yaml": [
        ("lb", "green", AT_APPLY, "Tcp", 80, AT_APPLY, 80, True, ("vm1", "vm2")),
        ("lb", "purple", AT_APPLY, "Tcp", 80, AT_APPLY, 80, True, ("vm1", "vm2")),
    ],
    "mixed-rule-types.yaml": [
        ("lb", "green-http", AT_APPLY, "Tcp", 80, NIC, 8080, False, ("vm1", "vm2")),
        ("lb", "green-dns", AT_APPLY, "Udp", 53, NIC, 53, False, ("vm1", "vm2")),
        ("lb", "purple", AT_APPLY, "Tcp", 80, AT_APPLY, 80, True, ("vm1", "vm2")),
        ("lb", "orange", AT_APPLY, "Tcp", 80, AT_APPLY, 80, True, ("vm1", "vm2")),
    ],
    "internal-ha-ports.yaml": [
        ("ilb", "ha", "10.0.1.10", "All", 0, "10.0.1.10", 0, True, ("nva-1", "nva-2")),
    ],
    "public-internal-pair.yaml": [
        ("edge", "http", AT_APPLY, "Tcp", 80, NIC, 80, False, ("app1", "app2")),
        ("inner", "api", "10.0.2.10", "Tcp", 443, "10.0.2.10", 443, True, ("app1", "app2")),
    ],
    "windows-backends.yaml": [
        ("lb", "site-a", AT_APPLY, "Tcp", 443, AT_APPLY, 443, True, ("win-1", "win-2")),
        ("lb", "site-b", AT_APPLY, "Tcp", 443, AT_APPLY, 443, True, ("win-1", "win-2")),
    ],
    "ipv6-public-frontend.yaml": [
        ("lb", "http-v4", AT_APPLY, "Tcp", 80, AT_APPLY, 80, True, ("vm1", "vm2")),
        ("lb", "http-v6", AT_APPLY, "Tcp", 80, NIC, 80, False, ("vm1", "vm2")),
    ],
}


def test_every_example_blueprint_has_an_expected_mapping():
    assert sorted(p.name for p in BLUEPRINTS.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_blueprint_compiles_to_its_documented_mapping(name: str):
    bp = load(BLUEPRINTS / name)
    state = compile_blueprint(bp, context(env=bp.name))
    rows = [
        (
            r.load_balancer,
            r.rule,
            r.frontend_ip,
            r.protocol,
            r.frontend_port,
            r.destination_ip,
            r.destination_port,
            r.floating_ip,
            r.backends,
        )
        for r in state.mapping
    ]
    assert rows == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_blueprint_breaks_none_of_azures_rules(name: str):
    errors = [f for f in validate(load(BLUEPRINTS / name)) if f.severity == "error"]
    assert errors == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_blueprint_is_one_put_per_load_balancer(name: str):
    bp = load(BLUEPRINTS / name)
    state = compile_blueprint(bp, context(env=bp.name))
    lbs = [r for r in state.order() if r.kind is Kind.LOAD_BALANCER]
    assert len(lbs) == len(bp.load_balancers)
    for res, (_, spec) in zip(lbs, bp.load_balancers.items(), strict=True):
        assert len(res.body.load_balancing_rules) == len(spec.rules)
        # ``outbound: lb_outbound_rule`` adds its own SNAT frontend, named ``outbound_snat``.
        frontends = [fe.name for fe in res.body.frontend_ip_configurations]
        assert [n for n in frontends if n != OUTBOUND_SNAT] == list(spec.frontends)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_blueprint_documents_itself_at_the_top(name: str):
    first = (BLUEPRINTS / name).read_text().splitlines()[:5]
    assert all(line.startswith("#") for line in first)


def test_floating_ip_examples_ask_the_guest_for_their_frontends():
    bp = load(BLUEPRINTS / "rule-type-2-floating-ip.yaml")
    state = compile_blueprint(bp, context(env=bp.name))
    assert [g.vm for g in state.guest] == ["vm1", "vm2"]
    assert [(li.frontend.frontend, li.port) for li in state.guest[0].listeners] == [
        ("green", 80),
        ("purple", 80),
    ]


def test_rule_type_1_needs_nothing_from_the_guest():
    bp = load(BLUEPRINTS / "rule-type-1.yaml")
    assert compile_blueprint(bp, context(env=bp.name)).guest == ()


def test_a_row_carries_the_ip_version_of_its_frontend():
    """``MappingRow.ip_version`` was declared and never set, so every row read as IPv4."""
    bp = load(BLUEPRINTS / "ipv6-public-frontend.yaml")
    state = compile_blueprint(bp, context(env=bp.name))
    assert [(r.rule, r.ip_version) for r in state.mapping] == [
        ("http-v4", "ipv4"),
        ("http-v6", "ipv6"),
    ]
