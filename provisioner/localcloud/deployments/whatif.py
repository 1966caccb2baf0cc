"""``POST …/deployments/{name}/whatIf``: what a deployment would change, predicted, never done.

What the SDK sends (azure-mgmt-resource-deployments, ``deployments.begin_what_if``): the
deployment body (``properties.template``, ``parameters``, ``mode``, optionally
``whatIfSettings.resultFormat``). Azure answers 202 with a ``Location`` to poll, then 200 with
``{status, properties: {changes: [{resourceId, changeType, before, after, delta}]}}``.

Here the template goes through the same checks and the same evaluator as a ``PUT``
(``check``): a template error is the same synchronous 400 ``InvalidTemplate``. Then, in
deployment order, each resource's body is evaluated and compared with what is stored
(``delta.py``): ``Create`` when nothing is there, ``Modify`` with the delta or ``NoChange``
when it is; the group's other resources are ``Ignore`` (Incremental mode; ``Complete`` is
refused as for a ``PUT``, since the local cloud would not run it). ``resultFormat:
ResourceIdOnly`` gives ids and ``Create``/``Deploy``/``Ignore`` only, as Azure does.

Nothing is written: no resource, no deployment record, no deployment operations. The one row
added is the long-running operation the client polls, which holds the result.

``reference()`` in a resource's body: ARM's what-if does not resolve it and shows the
expression itself in ``after`` (so the property reads as modified; Azure's what-if docs say
so). Here a ``reference()`` is resolved when its answer is already known: the resource exists
and this deployment does not deploy it, or deploys it unchanged and only its properties are
asked for. When the resource does not exist yet, when this deployment creates or modifies it
first, or when its ``'Full'`` document is asked for (a redeploy renews the etag), the value
is not known before the deployment runs, so the property is reported as Azure reports it: its
unevaluated expression text, never a guessed value.
"""

from __future__ import annotations

import json
from typing import Any

from provisioner.localcloud import lro
from provisioner.localcloud.context import Call
from provisioner.localcloud.deployments import delta, expressions
from provisioner.localcloud.deployments.expressions import TemplateError
from provisioner.localcloud.deployments.template import Context, Planned, Reader, Run, body_of
from provisioner.localcloud.ids import RESOURCE_GROUP_TYPE, key
from provisioner.localcloud.wire import Response

_NOT_PREDICTED = {RESOURCE_GROUP_TYPE.lower(), "microsoft.resources/deployments"}


class Unevaluated(Exception):
    """A ``reference()`` whose answer only the deployment itself would know."""


class WhatIfRun(Run):
    """The deployment's evaluator, with ``reference()`` left unevaluated where it must be."""

    def __init__(self, ctx: Context, read: Reader) -> None:
        super().__init__(ctx, read)
        self.predicted: dict[str, str] = {}  # lower-cased id → change type decided so far
        self.in_body = False

    def reference(self, target: str, full: bool) -> Any:
        if not self.in_body:  # names, conditions, counts: as the deployment evaluates them
            return super().reference(target, full)
        rid = target if target.startswith("/") else self._id_of_symbol(target)
        deployed = any(p.id.lower() == rid.lower() for p in self.planned)
        if deployed and (full or self.predicted.get(rid.lower()) != "NoChange"):
            raise Unevaluated(rid)  # a redeploy renews even an unchanged one's etag
        if self.read(rid) is None:
            raise Unevaluated(rid)
        return super().reference(rid, full)

    def value(self, raw: Any) -> Any:
        if self.in_body and isinstance(raw, str) and expressions.is_expression(raw):
            try:
                return super().value(raw)
            except Unevaluated:
                return raw  # what Azure's what-if shows for what it cannot evaluate
        return super().value(raw)

    def body(self, p: Planned) -> dict[str, Any]:
        self.in_body = True
        try:
            return body_of(self, p)
        finally:
            self.in_body = False


def what_if(call: Call) -> Response:
    """Predict the deployment the request describes; 202 and the result at ``Location``."""
    from provisioner.localcloud.deployments import check, invalid, request_body

    body = request_body(call)
    run, planned = check(call, body, WhatIfRun)
    assert isinstance(run, WhatIfRun)
    settings = body["properties"].get("whatIfSettings") or {}
    ids_only = str(settings.get("resultFormat", "")).lower() == "resourceidonly"
    try:
        changes = [_predict(run, p) for p in planned]
    except TemplateError as exc:
        raise invalid(exc) from exc
    changes += _ignored(call, {key(p.id) for p in planned})
    if ids_only:
        changes = [_id_only(c) for c in changes]
    result = {"status": "Succeeded", "properties": {"changes": changes}}
    outcome = lro.faulted(call, "DeploymentWhatIf")  # an injected canceled / failed fault
    with call.store.write() as tx:
        op = lro.start(
            call,
            tx,
            "whatif",
            key(call.route.resource_id()),
            ("Microsoft.Resources/deployments/whatIf", "POST"),
            outcome,
            output=result if outcome.succeeded else None,
        )
    return Response(202, lro.operation_results_headers(call, op))


def _predict(run: WhatIfRun, p: Planned) -> dict[str, Any]:
    """One resource's change: its body evaluated now, against what is stored."""
    body = run.body(p)
    head = {"apiVersion": str(p.raw.get("apiVersion")), "id": p.id, "name": p.name, "type": p.type}
    stored = run.read(p.id)
    if stored is None:
        run.predicted[p.id.lower()] = "Create"
        return {"resourceId": p.id, "changeType": "Create", "after": {**head, **body}}
    before = {"apiVersion": head["apiVersion"], **stored}
    changes = delta.delta(stored, body)
    kind = "Modify" if changes else "NoChange"
    run.predicted[p.id.lower()] = kind
    out = {
        "resourceId": stored.get("id", p.id),
        "changeType": kind,
        "before": before,
        "after": delta.after(before, body),
    }
    if changes:
        out["delta"] = changes
    return out


def _ignored(call: Call, deployed: set[str]) -> list[dict[str, Any]]:
    """The group's resources the template leaves alone (Incremental mode)."""
    route = call.route
    rows = call.store.reader().in_group(route.sub, route.rg)
    out = []
    for row in rows:
        if row.parent or row.type in _NOT_PREDICTED or row.key in deployed:
            continue
        doc = json.loads(row.doc)
        out.append({"resourceId": doc.get("id", row.key), "changeType": "Ignore", "before": doc})
    return sorted(out, key=lambda c: c["resourceId"].lower())


def _id_only(change: dict[str, Any]) -> dict[str, Any]:
    """``ResourceIdOnly``: an existing resource the template deploys is ``Deploy``."""
    kind = change["changeType"]
    return {
        "resourceId": change["resourceId"],
        "changeType": "Deploy" if kind in ("Modify", "NoChange") else kind,
    }
