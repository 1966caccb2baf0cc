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
#: Version 2: the manifest names probe ports and forwarding; the check report is compact
#: (counts and digests, mismatches listed up to :data:`REPORT_BUDGET`). See docs/guest-os.md.
FORMAT_VERSION = 2
#: How many mismatches a check report lists per section; the rest are only counted, so the
#: report fits in the last 4,096 bytes of output that run-command returns, at Azure's limits.
REPORT_BUDGET = 6

Action = Literal["apply", "remove", "check"]


def compact_json(value: object) -> str:
    """JSON with sorted keys and no spaces: one stable line."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def manifest(cfg: GuestConfig, action: Action) -> dict[str, object]:
    """What a script for ``cfg`` does: the addresses it holds, the Floating IP entries it
    opens (none with ``firewall: off``), the probe ports it opens (with ``firewall: auto``) and
    reports on, and whether the VM forwards."""
    return {
        "version": FORMAT_VERSION,
        "action": action,
        "addresses": [str(a) for a in cfg.addresses],
        "open": [item.as_json() for item in cfg.open],
        "firewall": cfg.firewall,
        "probes": [item.as_json() for item in cfg.probes],
        "forwarding": cfg.forwarding,
    }


def manifest_line(cfg: GuestConfig, action: Action) -> str:
    return MANIFEST_PREFIX + compact_json(manifest(cfg, action))


def library(name: str, **values: str) -> list[str]:
    """The fixed script text in this package's data file ``name``, ``@KEY@`` constants filled in.

    Only module constants are substituted (paths, the format version); values from a blueprint
    go into the rendered header, never into the library.
    """
    text = files("provisioner.guest").joinpath(name).read_text(encoding="utf-8")
    constants = {"VERSION": str(FORMAT_VERSION), "BUDGET": str(REPORT_BUDGET), **values}
    for key, value in constants.items():
        text = text.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", text):
        raise RuntimeError(f"unfilled placeholder in {name}")
    return text.rstrip("\n").split("\n")
