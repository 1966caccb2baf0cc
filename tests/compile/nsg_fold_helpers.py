"""A blueprint at Azure's load balancer limits whose NSG needs folding, built in code.

1,100 load-balancing rules on 1,100 distinct backend ports (every other port from 20000, so no
two are adjacent), one public frontend, without Floating IP (every flow is addressed to the
backend subnet). Azure's other limits shape it: at most 300 rules per NIC, so four pools of one
VM each take 275 rules apiece; 1,100 rules fit the 1,500 of one Standard load balancer. One rule
per port would give the NSG 1,100 Allow rules plus the probes' one: more than its 1,000.

(A uniquely named module rather than conftest.py, as ``compile_helpers``.)
"""

from __future__ import annotations

from typing import Any

from provisioner.blueprint.model import Blueprint

POOLS, PER_POOL = 4, 275
RULES = POOLS * PER_POOL
FIRST_PORT = 20000


def port_of(i: int) -> int:
    return FIRST_PORT + 2 * i


def wide_doc(rules: int = RULES, sources: bool = False) -> dict[str, Any]:
    """The blueprint as YAML would give it; ``sources``: each rule its own ``allow_from``
    prefix, so no two derived rules share a source and nothing can fold."""
    per_pool = -(-rules // POOLS)
    table: dict[str, Any] = {}
    for i in range(rules):
        pool = i // per_pool
        rule: dict[str, Any] = {
            "frontend": "web",
            "protocol": "tcp",
            "port": port_of(i),
            "pool": f"pool{pool}",
            "probe": f"health{pool}",
        }
        if sources:
            rule["allow_from"] = [f"198.18.{i // 256}.{i % 256}/32"]
        table[f"r{i}"] = rule
    return {
        "blueprint": 1,
        "name": "wide",
        "location": "westeurope",
        "network": {"address_space": "10.0.0.0/16", "subnets": {"backend": "10.0.1.0/24"}},
        "vms": {f"vm{p}": {"subnet": "backend"} for p in range(POOLS)},
        "guest": {"configure": False},
        "load_balancers": {
            "lb": {
                "type": "public",
                "frontends": {"web": {}},
                "pools": {f"pool{p}": [f"vm{p}"] for p in range(POOLS)},
                "probes": {f"health{p}": {"protocol": "tcp", "port": 8080} for p in range(POOLS)},
                "rules": table,
            }
        },
        "security": "managed",
        "outbound": "nat_gateway",
    }


def wide(rules: int = RULES, sources: bool = False) -> Blueprint:
    return Blueprint.model_validate(wide_doc(rules, sources))
