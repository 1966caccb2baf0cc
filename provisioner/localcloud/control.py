"""Settings every process sharing a state file must agree on: time, latency, faults, paging.

They live in the SQLite file (not in memory) so a test that injects a fault through one
``LocalCloud`` object affects a CLI subprocess or an HTTP server using the same file.
Readers cache them and reload only when the ``version`` row changes.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from provisioner.localcloud.store import Store

#: Virtual seconds each long-running operation takes, roughly what Azure takes.
#: Keys are ``{resource type}:{method}``; an action is ``{type}/{action}:POST``.
DEFAULT_LATENCY: dict[str, float] = {
    "Microsoft.Resources/resourceGroups:PUT": 1,
    "Microsoft.Resources/resourceGroups:DELETE": 10,
    "Microsoft.Network/virtualNetworks:PUT": 3,
    "Microsoft.Network/virtualNetworks:DELETE": 3,
    "Microsoft.Network/virtualNetworks/subnets:PUT": 3,
    "Microsoft.Network/virtualNetworks/subnets:DELETE": 3,
    "Microsoft.Network/publicIPAddresses:PUT": 3,
    "Microsoft.Network/publicIPAddresses:DELETE": 3,
    "Microsoft.Network/loadBalancers:PUT": 5,
    "Microsoft.Network/loadBalancers:DELETE": 5,
    "Microsoft.Network/networkInterfaces:PUT": 3,
    "Microsoft.Network/networkInterfaces:DELETE": 3,
    "Microsoft.Compute/virtualMachines:PUT": 30,
    "Microsoft.Compute/virtualMachines:DELETE": 30,
    "Microsoft.Compute/virtualMachines:POST": 15,
    "Microsoft.Compute/virtualMachines/runCommand:POST": 20,
    # an action run-command whose VM cannot report back (no outbound): Azure/azure-xplat-cli#2794
    "Microsoft.Compute/virtualMachines/runCommand/noOutbound:POST": 1526,
    "Microsoft.Compute/virtualMachines/runCommands:PUT": 20,
    "Microsoft.Compute/virtualMachines/runCommands:DELETE": 5,
    "*": 3,
}

#: Fault kinds, what the client sees.
FAULT_KINDS = {
    "429": "429 TooManyRequests with an integer Retry-After",
    "500": "500 InternalServerError",
    "503": "503 ServiceUnavailable",
    "409": "409 AnotherOperationInProgress",
    "412": "412 PreconditionFailed",
    "policy": "403 RequestDisallowedByPolicy from a deny policy assignment (Azure's shape)",
    "canceled": "the long-running operation ends Canceled (superseded), nothing is written",
    "failed": "the long-running operation ends Failed; the resource is left Failed",
    "drop-before": "the connection drops before the write is committed",
    "drop-after": "the connection drops after the write is committed",
}


@dataclass(slots=True)
class FaultRule:
    """Inject ``kind`` into requests that match all given filters.

    ``path`` is a regular expression searched case-insensitively in the request path;
    ``resource_type`` (e.g. ``Microsoft.Network/loadBalancers``) matches the addressed
    top-level type. ``probability`` is drawn from a generator seeded with the cloud's seed,
    the rule's position and the match number, so a failing run replays exactly.
    """

    kind: str
    method: str | None = None
    path: str | None = None
    resource_type: str | None = None
    probability: float = 1.0
    max_count: int | None = None
    retry_after: int = 1
    code: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.retry_after < 1:
            raise ValueError("retry_after must be an integer >= 1 (the SDK rejects others)")

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultRule:
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(slots=True)
class StoredFault:
    idx: int
    rule: FaultRule
    matched: int
    fired: int


@dataclass(slots=True)
class Settings:
    time_scale: float = 0.0
    latency: dict[str, float] = field(default_factory=dict)
    seed: int = 0
    page_size: int = 100
    faults: list[StoredFault] = field(default_factory=list)
    version: str = ""
    #: a VM without outbound connectivity gets no run-command result back, as on Azure (a test
    #: that builds VMs without outbound and still wants results turns it off)
    enforce_outbound: bool = True
    #: Azure enables Network Watcher in a region when a virtual network is created or updated
    #: there (opt-out: the DisableNetworkWatcherAutocreation feature)
    network_watcher_autocreate: bool = True
    #: Basic IPv4 public IPs a subscription may still create: 0 since their retirement
    #: (2025-09-30); a test for Basic behaviour raises it, as a subscription that kept some
    basic_public_ip_quota: int = 0

    def duration(self, type_name: str, operation: str) -> float:
        """Virtual seconds an operation takes (profile overrides, then defaults, then ``*``)."""
        k = f"{type_name}:{operation}".lower()
        for table in (self.latency, _DEFAULT_LOWER):
            if k in table:
                return table[k]
        return self.latency.get("*", DEFAULT_LATENCY["*"])


_DEFAULT_LOWER = {k.lower(): v for k, v in DEFAULT_LATENCY.items()}


class SettingsCache:
    """Per-process cache of :class:`Settings`, reloaded when another process changed them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._settings: Settings | None = None

    def current(self) -> Settings:
        version = self.store.setting("version") or "0"
        cached = self._settings
        if cached is not None and cached.version == version:
            return cached
        self._settings = load_settings(self.store, version)
        return self._settings

    def invalidate(self) -> None:
        self._settings = None


def load_settings(store: Store, version: str) -> Settings:
    rows = dict(store.conn().execute("SELECT key, value FROM settings").fetchall())
    faults = [
        StoredFault(idx, FaultRule.from_dict(json.loads(rule)), matched, fired)
        for idx, rule, matched, fired in store.conn().execute(
            "SELECT idx, rule, matched, fired FROM faults ORDER BY idx"
        )
    ]
    latency = {k.lower(): float(v) for k, v in json.loads(rows.get("latency", "{}")).items()}
    return Settings(
        time_scale=float(rows.get("time_scale", "0")),
        latency=latency,
        seed=int(rows.get("seed", "0")),
        page_size=int(rows.get("page_size", "100")),
        faults=faults,
        version=version,
        enforce_outbound=rows.get("enforce_outbound", "1") == "1",
        network_watcher_autocreate=rows.get("network_watcher_autocreate", "1") == "1",
        basic_public_ip_quota=int(rows.get("basic_public_ip_quota", "0")),
    )


def draw(seed: int, rule_idx: int, match_no: int) -> float:
    """A reproducible number in [0, 1) for the ``match_no``-th match of rule ``rule_idx``."""
    digest = hashlib.sha256(f"{seed}:{rule_idx}:{match_no}".encode()).digest()
    return random.Random(digest).random()
