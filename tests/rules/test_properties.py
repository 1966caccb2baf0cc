"""Whatever a user writes, validation answers with findings: it never crashes."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rules_helpers import internal, mixed, rule_type_1, rule_type_2

from provisioner.blueprint.model import Blueprint
from provisioner.errors import Finding
from provisioner.rules import validate


def _ha_doc() -> dict[str, Any]:
    doc = internal(mixed())
    ilb = doc["load_balancers"]["ilb"]
    ilb["frontends"]["v6"] = {"subnet": "backend", "ip_version": "ipv6"}
    ilb["rules"] = {
        "ha": {"frontend": "fe", "protocol": "all", "port": 0, "pool": "app", "floating_ip": True},
        "v6": {"frontend": "v6", "port": 443, "pool": "six"},
    }
    ilb["pools"]["six"] = ["web"]
    doc["network"]["address_space"] = ["10.0.0.0/16", "fd00:db8::/48"]
    doc["network"]["subnets"]["backend"] = {"prefix": "10.0.1.0/24", "ipv6_prefix": "fd00:db8::/64"}
    doc["vms"]["web"] = {"subnet": "backend", "count": 3, "ipv6": True}
    doc["load_balancers"]["lb"]["pools"]["more"] = ["web", "web-2", "vm1"]
    return doc


SEEDS = [rule_type_1(), rule_type_2(), mixed(), _ha_doc()]

NAMES = ["green", "purple", "blue", "app", "more", "health", "fe", "v6", "backend", "vm1", "web"]
NAMES += ["web-2", "web-9", "nope", "ha"]
VALUES = st.one_of(
    st.sampled_from(NAMES),
    st.integers(min_value=-1, max_value=70000),
    st.sampled_from([0, 1, 80, 81, 443, 8080, 65535]),
    st.sampled_from(["tcp", "udp", "all", "http", "public", "internal", "ipv4", "ipv6"]),
    st.booleans(),
    st.none(),
    st.sampled_from(["10.0.1.0", "10.0.1.3", "10.0.1.4", "10.0.1.100", "10.0.2.5", "fd00:db8::5"]),
    st.sampled_from(["10.0.1.0/24", "10.0.0.0/8", "10.1.0.0/16", "fd00:db8::/64", "10.0.1.0/29"]),
    st.just({}),
    st.lists(st.sampled_from(NAMES), max_size=3),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = []
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return out
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


PORTS = st.one_of(st.sampled_from([0, 80, 81, 443, 8080]), st.integers(0, 65535))
STRINGS = st.sampled_from(
    NAMES + ["tcp", "udp", "all", "ipv6", "10.0.1.4", "10.0.1.1", "10.0.1.100", "10.0.2.5"]
)


def _like(value: Any) -> st.SearchStrategy:
    """Mostly a value of the same kind (so the model accepts it and the rules see it)."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return PORTS
    if isinstance(value, str):
        return STRINGS
    if isinstance(value, list):
        return st.lists(st.sampled_from(NAMES), max_size=3)
    return VALUES


def _mutate(doc: dict, data: st.DataObject) -> None:
    """Change ports, protocols, flags and references, delete keys; now and then anything."""
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(doc) if p[0] not in ("blueprint", "name", "location")]
        if not paths:
            return
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["like"] * 5 + ["delete"] * 2 + ["anything"]))
        if action == "delete" or isinstance(parent[path[-1]], dict):
            del parent[path[-1]]
        elif action == "like":
            parent[path[-1]] = data.draw(_like(parent[path[-1]]))
        else:
            parent[path[-1]] = data.draw(VALUES)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(range(len(SEEDS))), data=st.data())
def test_mutated_blueprints_get_findings_or_a_validation_error_never_a_crash(seed, data):
    doc = copy.deepcopy(SEEDS[seed])
    _mutate(doc, data)
    try:
        bp = Blueprint.model_validate(doc)
    except ValidationError:
        return
    found = validate(bp)
    assert isinstance(found, list)
    assert all(isinstance(f, Finding) and f.code and f.path is not None for f in found)


def test_the_mutation_seeds_are_themselves_free_of_errors():
    for doc in SEEDS:
        found = validate(Blueprint.model_validate(doc))
        assert [(f.code, f.path) for f in found if f.severity == "error"] == []
