"""Long-running operations: the operation record, its status document and the poll URLs.

Every request that answers 201/202 starts its operation through :func:`start`, which takes
the virtual duration the latency profile gives it; it stays InProgress until that much virtual
time (duration × time scale real seconds) has passed. The outcome (Succeeded, Failed,
Canceled) is decided when it starts, so polling is a pure read.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from provisioner.localcloud.context import Call
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.store import Txn
from provisioner.localcloud.wire import Request, Response, json_response, retry_after


@dataclass(slots=True)
class Operation:
    id: str
    kind: str  # "network" | "compute" | "runcommand" | "group-delete"
    sub: str
    started: float
    done_at: float
    status: str  # final status
    error: dict[str, Any] | None
    output: Any
    target: str
    time_scale: float

    def remaining_virtual(self, now: float) -> float:
        if now >= self.done_at or self.time_scale <= 0:
            return 0.0
        return (self.done_at - now) / self.time_scale


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an operation will end: its final status and, unless it succeeds, the error."""

    status: str = "Succeeded"
    error: dict[str, Any] | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "Succeeded"


SUCCEEDED = Outcome()


def faulted(call: Call, operation: str) -> Outcome:
    """The outcome an LRO fault on this call gives ``operation``; Succeeded without a fault."""
    if not call.lro_fault:
        return SUCCEEDED
    status = "Canceled" if call.lro_fault == "canceled" else "Failed"
    return Outcome(status, call.fault_error(operation))


def start(
    call: Call,
    tx: Txn,
    kind: str,
    target: str,
    latency: tuple[str, str],
    outcome: Outcome = SUCCEEDED,
    output: Any = None,
) -> Operation:
    """Record the long-running operation a request starts, in the request's transaction.

    ``latency`` is the ``(ARM type, method)`` the latency profile times it by; ``outcome`` is
    decided now (see the module docstring), ``output`` is what a run-command returns.
    """
    settings = call.settings
    op = Operation(
        id=str(uuid.uuid4()),
        kind=kind,
        sub=call.route.sub,
        started=call.now,
        done_at=call.now + max(0.0, settings.duration(*latency)) * settings.time_scale,
        status=outcome.status,
        error=outcome.error,
        output=output,
        target=target,
        time_scale=settings.time_scale,
    )
    tx.c.execute(
        "INSERT INTO operations (id, kind, sub, started, done_at, status, error, output, target,"
        " time_scale) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (
            op.id,
            kind,
            op.sub,
            op.started,
            op.done_at,
            op.status,
            json.dumps(op.error) if op.error else "",
            json.dumps(output) if output is not None else "",
            target,
            op.time_scale,
        ),
    )
    return op


def load(tx: Txn, op_id: str) -> Operation | None:
    r = tx.c.execute(
        "SELECT id, kind, sub, started, done_at, status, error, output, target, time_scale"
        " FROM operations WHERE id=?",
        (op_id,),
    ).fetchone()
    if r is None:
        return None
    return Operation(
        r[0],
        r[1],
        r[2],
        r[3],
        r[4],
        r[5],
        json.loads(r[6]) if r[6] else None,
        json.loads(r[7]) if r[7] else None,
        r[8],
        r[9],
    )


def namespace(kind: str) -> str:
    return "Microsoft.Network" if kind == "network" else "Microsoft.Compute"


def async_url(req: Request, op: Operation, location: str) -> str:
    q = urlencode({"api-version": req.api_version or "2024-05-01"})
    return (
        f"{req.base}/subscriptions/{op.sub}/providers/{namespace(op.kind)}/locations/"
        f"{location}/operations/{op.id}?{q}"
    )


def lro_headers(call: Call, op: Operation, location: str, with_location: bool) -> dict[str, str]:
    """Headers of the initial 201/202: where to poll, and (integer) how long to wait."""
    req = call.req
    h = {"Azure-AsyncOperation": async_url(req, op, location), "Azure-AsyncNotification": "Enabled"}
    if with_location:
        if op.kind == "network":
            h["Location"] = h["Azure-AsyncOperation"].replace("/operations/", "/operationResults/")
        else:
            h["Location"] = h["Azure-AsyncOperation"] + "&monitor=true"
    ra = retry_after(op.remaining_virtual(call.now), call.settings.time_scale, req.via)
    if ra:
        h["Retry-After"] = ra
    return h


def group_delete_headers(call: Call, op: Operation) -> dict[str, str]:
    """Headers of a resource group DELETE's 202: ARM's ``Location`` pattern, no async header."""
    return operation_results_headers(call, op)


def operation_results_headers(call: Call, op: Operation) -> dict[str, str]:
    """A 202 polled at ARM's ``/subscriptions/{s}/operationresults/{id}`` (a group delete, a
    deployment what-if): ``Location`` and (integer) ``Retry-After``, no async header."""
    h = {"Location": group_delete_location(call.req, op)}
    ra = retry_after(op.remaining_virtual(call.now), call.settings.time_scale, call.req.via)
    if ra:
        h["Retry-After"] = ra
    return h


def group_delete_location(req: Request, op: Operation) -> str:
    q = urlencode({"api-version": req.api_version or "2025-04-01"})
    return f"{req.base}/subscriptions/{op.sub}/operationresults/{op.id}?{q}"


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat().replace("+00:00", "Z")


def status_response(req: Request, op: Operation, now: float, results: bool) -> Response:
    """Answer a poll of the Azure-AsyncOperation, operationResults or monitor URL."""
    remaining = op.remaining_virtual(now)
    running = remaining > 0
    headers: dict[str, str] = {}
    ra = retry_after(remaining, op.time_scale, req.via) if running else None
    if ra:
        headers["Retry-After"] = ra
    monitor = req.query.get("monitor", "").lower() == "true"
    if results or monitor or op.kind == "group-delete":
        # Location-style polling: 202 while running, then the final answer.
        if running:
            loc = f"{req.base}{req.path}?{urlencode(req.query)}"
            headers["Location"] = loc
            return Response(202, headers)
        if op.status != "Succeeded":
            err = op.error or {"code": op.status, "message": f"Operation {op.status.lower()}."}
            blocked = err["code"] == "ResourceGroupDeletionBlocked"
            raise ArmError(
                400 if op.status == "Failed" and not blocked else 409,
                err["code"],
                err["message"],
                err.get("details"),
            )
        if op.kind == "runcommand":
            return json_response(200, {"value": op.output or []})
        if op.kind == "group-delete":
            return Response(200, headers)
        if op.output is not None:  # an action's answer (ipFlowVerify, rule health ...)
            return json_response(200, op.output, headers)
        return Response(204, headers)
    doc: dict[str, Any] = {"status": "InProgress" if running else op.status}
    if op.kind != "network":
        doc = {"startTime": _iso(op.started), **doc, "name": op.id}
        if not running:
            doc["endTime"] = _iso(max(op.done_at, op.started))
    if not running and op.error:
        doc["error"] = op.error
    if not running and op.kind == "runcommand" and op.status == "Succeeded":
        doc["properties"] = {"output": {"value": op.output or []}}
    return json_response(200, doc, headers)
