"""The blueprint's JSON Schema, for editors (completion, hover help, squiggles as you type).

Generated from the model, then taught the short forms the model accepts in its ``before``
validators (``address_space: 10.0.0.0/16``, ``backend: 10.0.1.0/24``, ``app: [vm1, vm2]``,
``green: {}`` or ``green:``): without them an editor would flag the documented, idiomatic
spelling as an error. ``docs/schema/blueprint.schema.json`` is this document, checked in.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from provisioner.blueprint.model import Blueprint

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: A stable identifier, not a download location: editors take the schema from the file or URL
#: named in the ``# yaml-language-server: $schema=…`` comment.
SCHEMA_ID = "urn:provisioner:blueprint:1"
SCHEMA_TITLE = "provisioner blueprint, format 1"


def blueprint_schema() -> dict[str, Any]:
    """The JSON Schema of blueprint format 1 as a dict (``$schema`` and ``$id`` first)."""
    generated = copy.deepcopy(Blueprint.model_json_schema())
    defs = generated["$defs"]
    _allow_short_forms(defs)
    _close_named_maps(generated)
    generated.pop("title", None)
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": SCHEMA_ID,
        "title": SCHEMA_TITLE,
        "description": (
            "An Azure Load Balancer scenario (multi-frontend, Floating IP) for provisioner. "
            "See docs/blueprint.md."
        ),
        **generated,
    }


def blueprint_schema_json() -> str:
    """The schema as text, exactly as checked in (2-space indent, trailing newline)."""
    return json.dumps(blueprint_schema(), indent=2, ensure_ascii=False) + "\n"


def _allow_short_forms(defs: dict[str, Any]) -> None:
    network = defs["Network"]["properties"]
    space = network["address_space"]
    items = space.pop("items")
    space.pop("type")
    space["anyOf"] = [{"type": "array", "items": items, "minItems": 1}, {"type": "string"}]
    _widen_values(network["subnets"], {"type": "string", "description": "IPv4 prefix"})

    lb = defs["LoadBalancer"]["properties"]
    _widen_values(lb["frontends"], {"type": "null", "description": "all defaults"})
    name_list = {"type": "array", "items": defs["Pool"]["properties"]["vms"]["items"]}
    _widen_values(lb["pools"], {**name_list, "description": "the pool's VMs"})

    # ``security: managed``, ``outbound: nat_gateway``: the mode alone.
    for name in ("Security", "SubnetSecurity"):
        modes = ["managed", "none"]
        defs[name] = {"anyOf": [defs[name], {"enum": modes, "description": "the mode alone"}]}
    modes = list(defs["Outbound"]["properties"]["mode"]["anyOf"][0]["enum"])
    defs["Outbound"] = {
        "anyOf": [defs["Outbound"], {"enum": modes, "description": "the mode alone"}]
    }


def _widen_values(named_map: dict[str, Any], alternative: dict[str, Any]) -> None:
    for pattern, value_schema in named_map["patternProperties"].items():
        named_map["patternProperties"][pattern] = {"anyOf": [value_schema, alternative]}


def _close_named_maps(node: Any) -> None:
    """Maps keyed by names (``vms``, ``rules``…) reject keys that break the name rule."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_named_maps(value)
    elif isinstance(node, list):
        for value in node:
            _close_named_maps(value)
