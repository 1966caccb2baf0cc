"""Shared helpers for the compiler tests: blueprints from text or from blueprints/, compiled.

(A uniquely named module rather than conftest.py: tests/ has no packages, and several
directories may hold a conftest.)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from provisioner.blueprint.model import Blueprint
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState

BLUEPRINTS = Path(__file__).resolve().parents[2] / "blueprints"
SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def parse(text: str) -> Blueprint:
    return Blueprint.model_validate(YAML(typ="safe").load(text))


def load(path: Path) -> Blueprint:
    """Through the project's loader when it exists, else plain YAML + the model."""
    try:
        from provisioner.blueprint.loader import load_blueprint
    except ImportError:  # pragma: no cover - the loader lands separately
        return parse(path.read_text())
    return load_blueprint(path).blueprint


def context(env: str = "test", expires: str | None = "2030-01-01T00:00:00Z") -> CompileContext:
    return CompileContext(env=env, subscription_id=SUBSCRIPTION, digest="d1g3st", expires=expires)


def compile_text(text: str, env: str = "test", **kwargs: Any) -> DesiredState:
    return compile_blueprint(parse(text), context(env, **kwargs))


TWO_FRONTENDS = """
blueprint: 1
name: fip-demo
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {backend: 10.0.1.0/24}
vms:
  vm1: {subnet: backend}
  vm2: {subnet: backend}
load_balancers:
  lb:
    type: public
    frontends: {green: {}, purple: {}}
    pools: {app: [vm1, vm2]}
    probes: {health: {protocol: tcp, port: 8080}}
    rules:
      green: {frontend: green, port: 80, pool: app, probe: health, floating_ip: true}
      purple: {frontend: purple, port: 80, pool: app, probe: health, floating_ip: true}
"""
