"""Replay Azure's own recorded / documented exchanges against the local cloud.

Fixtures in ``conformance/`` name their source (repository, path, commit). We send the
recorded request bodies and compare status codes, the poll headers and the response shape:
every field Azure returned must be there with the same value, except values that are
unique per call (etags, GUIDs, addresses, messages) and the deliberate differences listed in
docs/local-cloud.md.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from provisioner.localcloud import LocalCloud
from provisioner.localcloud.wire import Request

FIXTURES = sorted((Path(__file__).parent / "conformance").glob("*.json"))
VOLATILE = {"etag", "resourceGuid", "ipAddress", "message"}
#: fields of the 2019 API the local cloud does not echo
DELIBERATE = {"enableDestinationServiceEndpoint", "allowBackendPortConflict"}
BASE = "https://localcloud.invalid"


def send(cloud: LocalCloud, method: str, path: str, body: Any = None):
    data = json.dumps(body).encode() if body is not None else b""
    resp = cloud.engine.handle(Request.build(method, path, {}, data, BASE, "inprocess"))
    return resp, (json.loads(resp.body) if resp.body else None)


def same_shape(
    expected: Any, actual: Any, where: str = "$", skip: frozenset[str] = frozenset()
) -> list[str]:
    """Every field Azure sent is there with the same value (``skip``: deliberate differences)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where}: expected an object, got {actual!r}"]
        out = []
        for k, v in expected.items():
            if k in DELIBERATE or k in skip:
                continue
            if k not in actual:
                out.append(f"{where}.{k}: missing")
            elif k not in VOLATILE:
                out += same_shape(v, actual[k], f"{where}.{k}", skip)
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{where}: expected {len(expected)} items, got {actual!r}"]
        return [
            m
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for m in same_shape(e, a, f"{where}[{i}]", skip)
        ]
    return [] if expected == actual else [f"{where}: expected {expected!r}, got {actual!r}"]


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_replays_azure_exchange(fixture: Path, tmp_path):
    spec = json.loads(fixture.read_text().replace("{sub}", LocalCloud.DEFAULT_SUBSCRIPTION))
    assert spec["source"]
    skip = frozenset(spec.get("deliberate", []))
    cloud = LocalCloud(tmp_path / "s.sqlite")
    quota = (spec.get("settings") or {}).get("basic_public_ip_quota")
    if quota is not None:  # recorded before Basic public IPs were retired
        cloud.set_basic_public_ip_quota(quota)
    if spec.get("latency"):
        cloud.set_latency(spec["latency"])
        cloud.set_time_scale(1e-5)  # in progress at the response, done microseconds later
    for step in spec["setup"]:
        resp, _ = send(cloud, step["method"], step["path"], step.get("body"))
        assert resp.status in (200, 201, 202), (step["path"], resp.body)
    last_headers: dict[str, str] = {}
    for step in spec["steps"]:
        if "poll" in step:
            url = last_headers[step["poll"]]
            resp, body = send(cloud, "GET", url.removeprefix(BASE))
            for _ in range(100_000 if step.get("wait") else 0):  # busy-poll, no sleeping
                if body.get("status") != "InProgress":
                    break
                resp, body = send(cloud, "GET", url.removeprefix(BASE))
        else:
            resp, body = send(cloud, step["method"], step["path"], step.get("body"))
            last_headers = resp.headers
        assert resp.status == step["status"], (step, resp.body)
        for h in step.get("headers", []):
            assert h.lower() in {k.lower() for k in resp.headers}, (h, resp.headers)
        if "response" in step:
            assert same_shape(step["response"], body, skip=skip) == [], step.get("note", "")
