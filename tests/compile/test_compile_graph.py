"""Dependencies come first; independent resources share a level; teardown is the mirror image."""

from __future__ import annotations

import dataclasses

import pytest
from compile_helpers import BLUEPRINTS, TWO_FRONTENDS, compile_text, context, load

from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.graph import (
    DependencyCycle,
    reverse_levels,
    reverse_order,
    topological_levels,
    topological_sort,
)


def states():
    for path in sorted(BLUEPRINTS.glob("*.yaml")):
        bp = load(path)
        yield compile_blueprint(bp, context(env=bp.name))


def test_resources_are_listed_dependencies_first():
    for state in states():
        seen: set[str] = set()
        for res in state.order():
            assert set(res.depends_on) <= seen, res.key
            seen.add(res.key)


def test_levels_cover_every_resource_once_and_respect_dependencies():
    for state in states():
        levels = topological_levels(state)
        flat = [k for level in levels for k in level]
        assert sorted(flat) == sorted(state.resources)
        level_of = {k: i for i, level in enumerate(levels) for k in level}
        for res in state.order():
            assert all(level_of[d] < level_of[res.key] for d in res.depends_on)


def test_independent_resources_are_created_in_parallel():
    # Public IPs first: the NSG admits Floating IP traffic to their addresses; the NAT gateway,
    # the NSG and the load balancer side by side; the VNet carries NSG and NAT gateway inline.
    levels = topological_levels(compile_text(TWO_FRONTENDS))
    assert levels == [
        ["resource_group/rg-test"],
        [
            "public_ip/pip-test-lb-green",
            "public_ip/pip-test-lb-purple",
            "public_ip/pip-test-natgw",
        ],
        ["nat_gateway/ng-test", "network_security_group/nsg-test", "load_balancer/lb-test-lb"],
        ["virtual_network/vnet-test"],
        ["network_interface/nic-test-vm1", "network_interface/nic-test-vm2"],
        ["virtual_machine/vm-test-vm1", "virtual_machine/vm-test-vm2"],
    ]


def test_teardown_deletes_dependents_before_their_dependencies():
    for state in states():
        order = [r.key for r in reverse_order(state)]
        position = {k: i for i, k in enumerate(order)}
        for res in state.order():
            assert all(position[d] > position[res.key] for d in res.depends_on)
        assert [k for level in reverse_levels(state) for k in level] == order
    assert order[-1].startswith("resource_group/")


def test_a_cycle_is_reported_not_looped_on():
    state = compile_text(TWO_FRONTENDS)
    rg = state.resources["resource_group/rg-test"]
    broken = dataclasses.replace(rg, depends_on=("virtual_machine/vm-test-vm1",))
    with pytest.raises(DependencyCycle):
        topological_sort([broken, *list(state.order())[1:]])


def test_a_dependency_on_an_unknown_key_is_reported():
    state = compile_text(TWO_FRONTENDS)
    rg = state.resources["resource_group/rg-test"]
    with pytest.raises(DependencyCycle, match="unknown"):
        topological_sort([dataclasses.replace(rg, depends_on=("nope/x",))])
