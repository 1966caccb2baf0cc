"""What Azure fills in, echoes differently or never returns, so that it never shows as a change.

Everything here is a pure function of wire-shaped JSON (``model.as_dict()``). The diff compares
only the fields the desired body sets (Azure adds back-references, ids, etags, allocated
addresses…), after both sides got the defaults Azure applies, and compares enum values, ids and
locations the way Azure matches them: case-insensitively.
"""

from __future__ import annotations

from typing import Any

from provisioner.arm.kinds import spec
from provisioner.compile.desired import Kind

#: Read-only bookkeeping Azure adds everywhere.
IGNORED_KEYS = frozenset({"etag", "provisioningState", "resourceGuid", "type"})

#: Values Azure applies when a field is absent, per child collection (a kind's root
#: ``properties`` have theirs in its ``KindSpec``). Applied to both sides before comparing, so
#: "absent" equals "the default".
DEFAULTS: dict[str, dict[str, Any]] = {
    "loadBalancingRules": {
        "idleTimeoutInMinutes": 4,
        "enableTcpReset": False,
        "enableFloatingIP": False,
        "disableOutboundSnat": False,
        "loadDistribution": "Default",
    },
    "frontendIPConfigurations": {"privateIPAddressVersion": "IPv4"},
    "ipConfigurations": {"privateIPAddressVersion": "IPv4"},
    "probes": {"intervalInSeconds": 15, "probeThreshold": 1},
}

#: Strings whose case matters (paths, keys, user data); everything else Azure matches (and often
#: echoes) case-insensitively: ids, names, enums such as ``tcp``/``Tcp``, ``static``/``Static``.
CASE_SENSITIVE_KEYS = frozenset({"requestPath", "keyData", "customData", "userData"})


def scalar(key: str, value: Any) -> Any:
    """A scalar as Azure would compare it."""
    if isinstance(value, str):
        if key == "location":
            return value.replace(" ", "").lower()
        if key in CASE_SENSITIVE_KEYS:
            return value
        return value.lower()
    return value


def with_defaults(collection: str, properties: Any) -> Any:
    """``properties`` with Azure's defaults for ``collection`` filled in where absent."""
    defaults = DEFAULTS.get(collection)
    if not defaults or not isinstance(properties, dict):
        return properties
    return {**defaults, **{k: v for k, v in properties.items() if v is not None}}


def root_properties(kind: Kind, body: dict[str, Any]) -> dict[str, Any]:
    """The body with its root defaults applied and create-only fields removed."""
    out = dict(body)
    props = out.get("properties")
    if isinstance(props, dict):
        defaults = spec(kind).defaults
        if defaults:
            props = {**defaults, **{k: v for k, v in props.items() if v is not None}}
        create_only = spec(kind).create_only
        props = {k: v for k, v in props.items() if k not in create_only}
        out["properties"] = props
    return out


def display_path(segments: list[str]) -> str:
    """``properties.loadBalancingRules[web].properties.frontendPort`` → the readable form."""
    shown = [s for s in segments if s != "properties"]
    out = ""
    for s in shown:
        out += s if s.startswith("[") or not out else f".{s}"
    return out or "(root)"
