"""Whatever a client sends, the checks answer with a RuleViolation or accept — never crash."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lc_rules_docs import NET, Store, child, pip, vnet

from provisioner.localcloud.rules import (
    ALL_CODES,
    RuleViolation,
    check_load_balancer_put,
    check_network_interface_put,
)

ports = st.one_of(st.integers(-5, 70000), st.none(), st.text(max_size=3), st.booleans())
names = st.sampled_from(["a", "b", "c"])
protocols = st.sampled_from(["Tcp", "Udp", "All", "tcp", None, 7])


def ref(kind):
    return st.one_of(names.map(lambda n: {"id": child("lb", kind, n)}), st.none(), st.just("x"))


frontends = st.builds(
    lambda name, public, v6, static: {
        "id": child("lb", "frontendIPConfigurations", name),
        "name": name,
        "properties": (
            {"publicIPAddress": {"id": f"{NET}/publicIPAddresses/pip1"}}
            if public
            else {
                "subnet": {"id": f"{NET}/virtualNetworks/vnet/subnets/fe"},
                "privateIPAddress": "fd00::5" if v6 else "10.0.1.5",
                "privateIPAllocationMethod": "Static" if static else "Dynamic",
                "privateIPAddressVersion": "IPv6" if v6 else "IPv4",
            }
        ),
    },
    names,
    st.booleans(),
    st.booleans(),
    st.booleans(),
)

rules = st.builds(
    lambda name, fe, pool, probe, proto, fp, bp, floating, idle: {
        "id": child("lb", "loadBalancingRules", name),
        "properties": {
            "frontendIPConfiguration": fe,
            "backendAddressPool": pool,
            "probe": probe,
            "protocol": proto,
            "frontendPort": fp,
            "backendPort": bp,
            "enableFloatingIP": floating,
            "idleTimeoutInMinutes": idle,
        },
    },
    names,
    ref("frontendIPConfigurations"),
    ref("backendAddressPools"),
    ref("probes"),
    protocols,
    ports,
    ports,
    st.one_of(st.booleans(), st.none()),
    st.one_of(st.integers(0, 200), st.none(), st.text(max_size=2)),
)

lbs = st.builds(
    lambda sku, fes, pools, rs, nats: {
        "id": f"{NET}/loadBalancers/lb",
        "type": "Microsoft.Network/loadBalancers",
        "sku": {"name": sku} if sku else None,
        "properties": {
            "frontendIPConfigurations": fes,
            "backendAddressPools": [
                {"id": child("lb", "backendAddressPools", p), "name": p} for p in pools
            ],
            "loadBalancingRules": rs,
            "inboundNatRules": nats,
        },
    },
    st.sampled_from(["Standard", "Basic", None, "Gateway"]),
    st.lists(frontends, max_size=3),
    st.lists(names, max_size=3),
    st.lists(rules, max_size=5),
    st.lists(rules, max_size=2),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lbs)
def test_random_load_balancers_only_ever_raise_rule_violations(doc):
    store = Store(vnet(), pip("pip1"))
    try:
        check_load_balancer_put(doc, store)
    except RuleViolation as err:
        assert err.code in {c.code for c in ALL_CODES}
        assert err.status == 400


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(["id", "properties", "type"]), st.none() | st.text()))
def test_garbage_nic_documents_only_ever_raise_rule_violations(doc):
    doc.setdefault("id", f"{NET}/networkInterfaces/x")
    with contextlib.suppress(RuleViolation):
        check_network_interface_put(doc, Store())


def test_every_code_is_documented_once_and_invented_codes_say_so():
    codes = [c.code for c in ALL_CODES]
    assert len(codes) == len(set(codes))
    for entry in ALL_CODES:
        assert entry.source
        assert entry.code.startswith("LocalCloud") == (not entry.verified), entry.code
