"""Fault profiles for the local cloud, and what the request log says a run wrote.

Shared by the fault tests and ``bench/faults.py``, so that the benchmark measures exactly what
the tests promise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from provisioner.localcloud import FaultRule

#: Failures any request can meet on Azure, each its own way to the client: throttled (429 with
#: Retry-After), a server error, unavailable, the connection refused before the request was
#: sent, and the answer lost after the request was carried out.
EVERY_REQUEST_KINDS = ("429", "500", "503", "drop-before", "drop-after")


def every_request(rate: float) -> list[FaultRule]:
    """Faults on every request (reads, writes, status polls) with total probability ``rate``,
    split evenly among :data:`EVERY_REQUEST_KINDS`.

    The local cloud fires the first matching rule that draws below its probability, so rule
    ``i`` gets the share left by the ones before it: each kind then fires on ``rate / 5`` of
    the requests, and some fault on ``rate`` of them.
    """
    share = rate / len(EVERY_REQUEST_KINDS)
    return [
        FaultRule(kind=kind, probability=share / (1 - i * share))
        for i, kind in enumerate(EVERY_REQUEST_KINDS)
    ]


def _resource_path(path: str) -> str:
    return path.split("?")[0].lower()


def landed_writes(log: Iterable[Any]) -> Counter[tuple[str, str]]:
    """(method, resource path) → writes the cloud carried out (a 2xx answer, lost or not).

    A request refused with a status fault or dropped before it was sent did not write; one
    whose answer was dropped afterwards did (the log keeps its real status). Status polls and
    run-command actions are not writes of a resource.
    """
    out: Counter[tuple[str, str]] = Counter()
    for r in log:
        if r.method not in ("PUT", "PATCH", "DELETE") or not 200 <= r.status < 300:
            continue
        out[(r.method, _resource_path(r.path))] += 1
    return out
