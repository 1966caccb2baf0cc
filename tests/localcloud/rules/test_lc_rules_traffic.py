"""The traffic rules as pure functions over ARM documents: NSG rule fields, NAT gateways and
outbound port arithmetic; and, whatever a client sends, a RuleViolation or acceptance."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lc_rules_docs import NET, Store, pip

from provisioner.localcloud.rules import (
    ALL_CODES,
    RuleViolation,
    check_nat_gateway_put,
    check_network_security_group_put,
)
from provisioner.localcloud.rules.network_security_group import is_prefix, valid_port_range
from provisioner.localcloud.rules.outbound import available_ports
from provisioner.localcloud.rules.service_tags import is_service_tag

NSG = f"{NET}/networkSecurityGroups/nsg"
CODES = {c.code for c in ALL_CODES}


@pytest.mark.parametrize("value", ["*", "0", "80", "65535", "1024-65535", "80-80", 443])
def test_ports_azure_accepts(value):
    assert valid_port_range(value)


@pytest.mark.parametrize("value", ["any", "80,443", "65536", "90-80", "-1", "1-2-3", "", True])
def test_ports_azure_refuses(value):
    assert not valid_port_range(value)


@pytest.mark.parametrize("value", ["10.0.0.0/16", "203.0.113.7", "2001:db8::/32", "0.0.0.0/0"])
def test_prefixes_azure_accepts(value):
    assert is_prefix(value)


@pytest.mark.parametrize("value", ["20.20.20.20/16", "10.0.0.1-10.0.0.9", "AzureBastionSubnet"])
def test_prefixes_azure_refuses(value):
    """Host bits set, ranges and names are not prefixes (SecurityRuleInvalidAddressPrefix)."""
    assert not is_prefix(value)


@pytest.mark.parametrize("tag", ["Internet", "internet", "VirtualNetwork", "Storage.WestEurope"])
def test_service_tags(tag):
    assert is_service_tag(tag)


@pytest.mark.parametrize("tag", ["AzureBastionSubnet", "Internet.WestEurope", "Nope"])
def test_not_service_tags(tag):
    assert not is_service_tag(tag)


@pytest.mark.parametrize(
    ("frontends", "members", "ports"),
    [(1, 2, 32000), (1, 3, 21328), (2, 3, 42664), (1, 1, 64000), (1, 0, 64000)],
)
def test_ports_each_member_can_get(frontends, members, ports):
    """frontends × 64,000 / members, in blocks of 8 (two members of one frontend get at most
    32,000: MicrosoftDocs/azure-docs#36809)."""
    assert available_ports(frontends, members) == ports


def nsg_doc(*rules):
    return {
        "id": NSG,
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westeurope",
        "properties": {"securityRules": list(rules)},
    }


def sec_rule(name="r", **props):
    base = {
        "protocol": "Tcp",
        "access": "Allow",
        "direction": "Inbound",
        "priority": 100,
        "sourcePortRange": "*",
        "destinationPortRange": "80",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
    }
    base.update(props)
    return {"id": f"{NSG}/securityRules/{name}", "name": name, "properties": base}


def test_the_conflict_names_the_earlier_rule_first():
    with pytest.raises(RuleViolation) as err:
        check_network_security_group_put(nsg_doc(sec_rule("a"), sec_rule("b")), Store())
    assert err.value.message.startswith("Security rule a conflicts with rule b.")


def test_priorities_4096_and_100_are_the_bounds():
    check_network_security_group_put(
        nsg_doc(sec_rule("a", priority=100), sec_rule("b", priority=4096)), Store()
    )
    with pytest.raises(RuleViolation):
        check_network_security_group_put(nsg_doc(sec_rule("a", priority=4097)), Store())


def test_an_application_security_group_satisfies_the_address_requirement():
    asg = [{"id": f"{NET}/applicationSecurityGroups/web"}]
    rule = sec_rule(sourceAddressPrefix=None, sourceApplicationSecurityGroups=asg)
    check_network_security_group_put(nsg_doc(rule), Store())


values = st.one_of(
    st.none(),
    st.integers(-5, 70000),
    st.text(max_size=6),
    st.sampled_from(["*", "Tcp", "Allow", "Inbound", "10.0.0.0/8", "Internet", "80-90"]),
    st.lists(st.sampled_from(["*", "80", "10.0.0.0/8", "x"]), max_size=3),
    st.booleans(),
)
fields = st.sampled_from(
    [
        "protocol",
        "access",
        "direction",
        "priority",
        "sourcePortRange",
        "destinationPortRanges",
        "sourceAddressPrefix",
        "destinationAddressPrefixes",
        "sourceApplicationSecurityGroups",
    ]
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(fields, values, max_size=9), max_size=4))
def test_random_nsgs_only_ever_raise_rule_violations(rule_props):
    rules = [{"name": f"r{i}", "properties": p} for i, p in enumerate(rule_props)]
    try:
        check_network_security_group_put(nsg_doc(*rules), Store())
    except RuleViolation as err:
        assert err.code in CODES


nat_fields = st.dictionaries(
    st.sampled_from(["idleTimeoutInMinutes", "publicIpAddresses", "publicIpPrefixes"]),
    st.one_of(
        st.none(),
        st.integers(-1, 200),
        st.text(max_size=3),
        st.lists(st.one_of(st.just({"id": f"{NET}/publicIPAddresses/pip1"}), st.just("x"))),
    ),
)


@settings(max_examples=100, deadline=None)
@given(nat_fields, st.one_of(st.none(), st.lists(st.sampled_from(["1", "2", "3"]))))
def test_random_nat_gateways_only_ever_raise_rule_violations(props, zones):
    doc = {
        "id": f"{NET}/natGateways/nat",
        "type": "Microsoft.Network/natGateways",
        "location": "westeurope",
        "zones": zones,
        "properties": props,
    }
    with contextlib.suppress(RuleViolation):
        check_nat_gateway_put(doc, Store(pip("pip1")))
