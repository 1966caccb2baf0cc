"""Random valid blueprints: the compiler never fails and keeps its structural promises."""

from __future__ import annotations

from typing import Any

from compile_helpers import context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provisioner.blueprint.model import Blueprint
from provisioner.compile import names
from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.desired import Kind
from provisioner.compile.topology import pool_members
from provisioner.rules.validate import validate

LIMITS = {Kind.VIRTUAL_MACHINE: 64, Kind.VIRTUAL_NETWORK: 64}


@st.composite
def blueprints(draw: st.DrawFn) -> dict[str, Any]:
    """A blueprint Azure would accept: every rule gets its own backend port (so no two rules
    share a backend flow whatever their Floating IP flags), frontend ports are unique per load
    balancer, static addresses are unique, and at most one load balancer is internal."""
    n_subnets = draw(st.integers(1, 2))
    subnets = {f"s{i}": f"10.0.{i}.0/24" for i in range(n_subnets)}
    vms: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 4))):
        vm: dict[str, Any] = {"subnet": f"s{draw(st.integers(0, n_subnets - 1))}"}
        if draw(st.booleans()):
            vm["count"] = draw(st.integers(1, 3))
        vm["os"] = draw(st.sampled_from(["linux", "windows"]))
        vms[f"vm{i}"] = vm
    member_names = [
        name
        for key, vm in vms.items()
        for name in [key, *(f"{key}-{n}" for n in range(1, vm.get("count", 0) + 1))]
    ]
    backend_port = iter(range(2000, 3000))
    static_host = iter(range(100, 200))
    lbs: dict[str, Any] = {}
    for i in range(draw(st.integers(1, 3))):
        internal = i == 0 and draw(st.booleans())
        frontends: dict[str, Any] = {}
        for f in range(draw(st.integers(1, 4))):
            fe: dict[str, Any] = {}
            if internal:
                subnet = draw(st.integers(0, n_subnets - 1))
                fe["subnet"] = f"s{subnet}"
                if draw(st.booleans()):
                    fe["private_ip"] = f"10.0.{subnet}.{next(static_host)}"
            frontends[f"fe{f}"] = fe
        pools = {
            f"p{p}": draw(st.lists(st.sampled_from(member_names), max_size=3, unique=True))
            for p in range(draw(st.integers(1, 3)))
        }
        probes = {f"pr{p}": {"port": 8000 + p} for p in range(draw(st.integers(0, 2)))}
        rules: dict[str, Any] = {}
        for r in range(draw(st.integers(0, 5))):
            rule: dict[str, Any] = {
                "frontend": draw(st.sampled_from(sorted(frontends))),
                "protocol": draw(st.sampled_from(["tcp", "udp"])),
                "port": 1000 + r,
                "backend_port": next(backend_port),
                "pool": draw(st.sampled_from(sorted(pools))),
                "floating_ip": draw(st.booleans()),
            }
            if probes:
                rule["probe"] = draw(st.sampled_from(sorted(probes)))
            rules[f"r{r}"] = rule
        lbs[f"lb{i}"] = {
            "type": "internal" if internal else "public",
            "frontends": frontends,
            "pools": pools,
            "probes": probes,
            "rules": rules,
        }
    return {
        "blueprint": 1,
        "name": "random",
        "location": "westeurope",
        "network": {"address_space": "10.0.0.0/16", "subnets": subnets},
        "vms": vms,
        "load_balancers": lbs,
        "guest": {"configure": draw(st.booleans())},
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(blueprints())
def test_random_valid_blueprints_compile_to_one_body_per_load_balancer(doc: dict[str, Any]):
    bp = Blueprint.model_validate(doc)
    assert [f.code for f in validate(bp) if f.severity == "error"] == []  # the generator is sound
    state = compile_blueprint(bp, context(env="prop"))

    lbs = {r.name: r for r in state.order() if r.kind is Kind.LOAD_BALANCER}
    assert len(lbs) == len(bp.load_balancers)
    pool_ids: set[str] = set()
    for lb_name, spec in bp.load_balancers.items():
        res = lbs[names.load_balancer("prop", lb_name)]
        body = res.body
        assert len(body.frontend_ip_configurations) == len(spec.frontends)
        assert len(body.backend_address_pools) == len(spec.pools)
        assert len(body.probes) == len(spec.probes)
        assert len(body.load_balancing_rules) == len(spec.rules)
        pool_ids |= {p.id for p in body.backend_address_pools}

    assert len(state.mapping) == sum(len(lb.rules) for lb in bp.load_balancers.values())
    for row in state.mapping:
        pool = bp.load_balancers[row.load_balancer].pools[
            bp.load_balancers[row.load_balancer].rules[row.rule].pool
        ]
        assert row.backends == pool_members(bp, pool.vms)

    seen: set[str] = set()
    for res in state.order():
        assert set(res.depends_on) <= seen
        seen.add(res.key)
        assert len(res.name) <= LIMITS.get(res.kind, 80)
        if res.kind is Kind.NETWORK_INTERFACE:
            for cfg in res.body.ip_configurations:
                assert {p.id for p in cfg.load_balancer_backend_address_pools} <= pool_ids

    vms = [r for r in state.order() if r.kind is Kind.VIRTUAL_MACHINE]
    assert len(vms) == len(bp.expanded_vms())
    floating_backends = {vm for row in state.mapping if row.floating_ip for vm in row.backends}
    expected_guests = floating_backends if bp.guest.configure else set()
    assert {g.vm for g in state.guest} == expected_guests
