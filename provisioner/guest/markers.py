"""The three machine-readable lines every guest script carries, in one place.

``# provisioner-guest-manifest: {json}`` near the top says what the script will do (the local
cloud's simulated guest reads exactly this line); ``PROVISIONER-CHECK {json}`` is what a check
script found; ``PROVISIONER-RESULT {json}`` ends stdout with the exit status, because Azure's Linux
run-command extension reports success even when the script fails.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from typing import Literal

from provisioner.guest.spec import GuestConfig

MANIFEST_PREFIX = "# provisioner-guest-manifest: "
CHECK_PREFIX = "PROVISIONER-CHECK "
RESULT_PREFIX = "PROVISIONER-RESULT "
FORMAT_VERSION = 1

Action = Literal["apply", "remove", "check"]


def compact_json(value: object) -> str:
    """JSON with sorted keys and no spaces: one stable line."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def manifest(cfg: GuestConfig, action: Action) -> dict[str, object]:
    """What a script for ``cfg`` does: the addresses it holds and the entries it opens."""
    return {
        "version": FORMAT_VERSION,
        "action": action,
        "addresses": [str(a) for a in cfg.addresses],
        "open": [item.as_json() for item in cfg.open],
    }


def manifest_line(cfg: GuestConfig, action: Action) -> str:
    return MANIFEST_PREFIX + compact_json(manifest(cfg, action))


def library(name: str, **values: str) -> list[str]:
    """The fixed script text in this package's data file ``name``, ``@KEY@`` constants filled in.

    Only module constants are substituted (paths, the format version); values from a blueprint
    go into the rendered header, never into the library.
    """
    text = files("provisioner.guest").joinpath(name).read_text(encoding="utf-8")
    for key, value in {"VERSION": str(FORMAT_VERSION), **values}.items():
        text = text.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", text):
        raise RuntimeError(f"unfilled placeholder in {name}")
    return text.rstrip("\n").split("\n")
