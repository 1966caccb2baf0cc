"""Blueprint documents for the rules tests: the seeds' scenarios, as plain dicts to mutate."""

from __future__ import annotations

import copy
from typing import Any

from provisioner.blueprint.model import Blueprint
from provisioner.errors import Finding
from provisioner.rules import validate

Doc = dict[str, Any]

_BASE: Doc = {
    "blueprint": 1,
    "name": "fip-demo",
    "location": "westeurope",
    "network": {"address_space": "10.0.0.0/16", "subnets": {"backend": "10.0.1.0/24"}},
    "vms": {"vm1": {"subnet": "backend"}, "vm2": {"subnet": "backend"}},
}


def rule_type_1() -> Doc:
    """Seed 003, rule type 1: two frontends, no backend port reuse (80→80, 80→81)."""
    doc = copy.deepcopy(_BASE)
    doc["load_balancers"] = {
        "lb": {
            "type": "public",
            "frontends": {"green": {}, "purple": {}},
            "pools": {"app": ["vm1", "vm2"]},
            "probes": {"health": {"protocol": "tcp", "port": 8080}},
            "rules": {
                "green": {"frontend": "green", "port": 80, "pool": "app", "probe": "health"},
                "purple": {
                    "frontend": "purple",
                    "port": 80,
                    "backend_port": 81,
                    "pool": "app",
                    "probe": "health",
                },
            },
        }
    }
    return doc


def rule_type_2() -> Doc:
    """Seeds 002/003, rule type 2: two frontends, Floating IP, backend port 80 reused."""
    doc = copy.deepcopy(_BASE)
    doc["load_balancers"] = {
        "lb": {
            "type": "public",
            "frontends": {"green": {}, "purple": {}},
            "pools": {"app": ["vm1", "vm2"]},
            "probes": {"health": {"protocol": "tcp", "port": 8080}},
            "rules": {
                name: {
                    "frontend": name,
                    "protocol": "tcp",
                    "port": 80,
                    "pool": "app",
                    "probe": "health",
                    "floating_ip": True,
                    "disable_outbound_snat": True,
                }
                for name in ("green", "purple")
            },
        }
    }
    return doc


def mixed() -> Doc:
    """Both rule types on one load balancer and one pool (allowed: different destination IPs)."""
    doc = rule_type_2()
    lb = doc["load_balancers"]["lb"]
    lb["frontends"]["blue"] = {}
    lb["rules"]["blue"] = {"frontend": "blue", "port": 80, "pool": "app", "probe": "health"}
    return doc


def internal(doc: Doc, name: str = "ilb") -> Doc:
    """Add an internal load balancer with a static frontend in the backend subnet."""
    doc.setdefault("load_balancers", {})[name] = {
        "type": "internal",
        "frontends": {"fe": {"subnet": "backend", "private_ip": "10.0.1.100"}},
        "pools": {"app": ["vm1", "vm2"]},
        "probes": {"health": {"port": 8080}},
        "rules": {},
    }
    return doc


def check(doc: Doc) -> list[Finding]:
    return validate(Blueprint.model_validate(doc))


def errors(doc: Doc) -> list[Finding]:
    return [f for f in check(doc) if f.severity == "error"]


def codes_of(doc: Doc) -> list[str]:
    return [f.code for f in errors(doc)]


def only(doc: Doc, code: str) -> Finding:
    """The one finding with ``code`` (and fail loudly with all findings if not exactly one)."""
    found = check(doc)
    hits = [f for f in found if f.code == code]
    assert len(hits) == 1, [(f.code, f.path, f.message) for f in found]
    return hits[0]


def rules(doc: Doc, lb: str = "lb") -> Doc:
    return doc["load_balancers"][lb]["rules"]


def LB(*rest: str | int, lb: str = "lb") -> tuple[str | int, ...]:  # noqa: N802
    return ("load_balancers", lb, *rest)
