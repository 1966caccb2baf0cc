"""Bodies are built from wire JSON through prototypes: same data, same types as the SDK's own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.mgmt.network import models as net
from compile_helpers import BLUEPRINTS, context, load

from provisioner.compile import wire
from provisioner.compile.compiler import compile_blueprint

GOLDEN = Path(__file__).with_name("golden_bodies.json")
PATHS = sorted(BLUEPRINTS.glob("*.yaml"))


def _wire(body: Any) -> Any:
    return body.as_dict() if hasattr(body, "as_dict") else body


def _same_structure(a: Any, b: Any, where: str = "body") -> None:
    """``a`` and ``b`` hold equal data with the same Python types at every level."""
    assert type(a) is type(b), where
    data_a, data_b = getattr(a, "_data", a), getattr(b, "_data", b)
    if isinstance(data_a, dict):
        assert list(data_a) == list(data_b), where
        for key in data_a:
            _same_structure(data_a[key], data_b[key], f"{where}.{key}")
    elif isinstance(data_a, list):
        assert len(data_a) == len(data_b), where
        for i, (x, y) in enumerate(zip(data_a, data_b, strict=True)):
            _same_structure(x, y, f"{where}[{i}]")
    else:
        assert data_a == data_b, where


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_bodies_are_unchanged_on_the_wire(path: Path) -> None:
    """The bodies the SDK-keyword compiler produced (recorded in golden_bodies.json)."""
    golden = json.loads(GOLDEN.read_text())[path.name]
    state = compile_blueprint(load(path), context())
    assert {key: _wire(r.body) for key, r in state.resources.items()} == golden


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_bodies_match_the_sdk_constructor(path: Path) -> None:
    state = compile_blueprint(load(path), context())
    for key, resource in state.resources.items():
        body = resource.body
        if not hasattr(body, "as_dict"):
            continue
        by_sdk = type(body)(body.as_dict())
        _same_structure(body, by_sdk, key)
        assert body == by_sdk


def test_copies_are_independent() -> None:
    raw = {"name": "a", "properties": {"subnet": {"id": "s"}, "privateIPAddressVersion": "IPv4"}}
    first = wire.model(net.FrontendIPConfiguration, raw)
    second = wire.model(net.FrontendIPConfiguration, {**raw, "name": "b"})
    second.subnet.id = "changed"
    second.zones = ["1"]
    assert first.subnet.id == "s" and first.zones is None and first.name == "a"
    assert wire.model(net.FrontendIPConfiguration, raw).as_dict() == raw


def test_unknown_shapes_fall_back_to_the_sdk() -> None:
    raw = {"properties": {"loadBalancerBackendAddressPools": []}}
    empty = wire.model(net.NetworkInterfaceIPConfiguration, raw)
    full = {"properties": {"loadBalancerBackendAddressPools": [{"id": "p1"}, {"id": "p2"}]}}
    joined = wire.model(net.NetworkInterfaceIPConfiguration, full)
    _same_structure(joined, net.NetworkInterfaceIPConfiguration(full))
    assert [p.id for p in joined.load_balancer_backend_address_pools] == ["p1", "p2"]
    assert empty.as_dict() == raw
    odd = {"properties": {"loadBalancerBackendAddressPools": [{"id": 7}]}}  # not a string
    _same_structure(
        wire.model(net.NetworkInterfaceIPConfiguration, odd),
        net.NetworkInterfaceIPConfiguration(odd),
    )
