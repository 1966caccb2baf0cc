"""``POST …/deployments/{name}/whatIf``: what a deployment would change, predicted, never done.

What the SDK sends (azure-mgmt-resource-deployments, ``deployments.begin_what_if``): the
deployment body (``properties.template``, ``parameters``, ``mode``, optionally
``whatIfSettings.resultFormat``). Azure answers 202 with a ``Location`` to poll, then 200 with
``{status, properties: {changes: [{resourceId, changeType, before, after, delta}]}}``.

Here the template goes through the same checks and the same evaluator as a ``PUT``
(``check``): a template error is the same synchronous 400 ``InvalidTemplate``. Then, in
deployment order, each resource's body is evaluated and compared with what is stored, and
what it leaves out with what the type's own handler would store for it (``_shaped``, read
only; ``delta.py``): ``Create`` when nothing is there, ``Modify`` with the delta or
``NoChange`` when it is; the group's other resources are ``Ignore`` (Incremental mode;
``Complete`` is refused as for a ``PUT``, since the local cloud would not run it).
``resultFormat: ResourceIdOnly`` gives ids and ``Create``/``Deploy``/``Ignore`` only, as
Azure does.

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

import copy
import json
from typing import Any

from provisioner.localcloud import lro
from provisioner.localcloud.context import Call
from provisioner.localcloud.deployments import delta, expressions
from provisioner.localcloud.deployments.expressions import TemplateError
from provisioner.localcloud.deployments.template import Context, Planned, Reader, Run, body_of
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import RESOURCE_GROUP_TYPE, key
from provisioner.localcloud.resources import handler_for
from provisioner.localcloud.resources.base import WriteCtx
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
        changes = [_predict(call, run, p) for p in planned]
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


def _predict(call: Call, run: WhatIfRun, p: Planned) -> dict[str, Any]:
    """One resource's change: its body evaluated now, against what is stored."""
    body = run.body(p)
    api = str(p.raw.get("apiVersion"))
    stored = run.read(p.id)
    if stored is None:
        run.predicted[p.id.lower()] = "Create"
        head = {"apiVersion": api, "id": p.id, "name": p.name, "type": p.type}
        return {"resourceId": p.id, "changeType": "Create", "after": {**head, **body}}
    shaped = _shaped(call, p, api, body, stored)
    changes = delta.delta(stored, body, shaped)
    kind = "Modify" if changes else "NoChange"
    run.predicted[p.id.lower()] = kind
    out = {
        "resourceId": stored.get("id", p.id),
        "changeType": kind,
        "before": {"apiVersion": api, **stored},
        "after": {"apiVersion": api, **delta.after(stored, body, shaped)},
    }
    if changes:
        out["delta"] = changes
    return out


class _Shaped(Exception):
    """Carries the shaped document out of the transaction it rolls back."""


def _shaped(call: Call, p: Planned, api: str, body: dict[str, Any], stored: dict[str, Any]) -> Any:
    """The document the PUT would store, as the write pipeline shapes it (normalise,
    back-references, kept or allocated addresses; no rules, no platform effects), in a
    transaction that is always rolled back (a VM's allocation stores its OS disk);
    ``delta.UNKNOWN`` for a child resource, which is written into its parent, or a body the
    handler cannot shape."""
    if p.type.count("/") != 1:
        return delta.UNKNOWN
    rid = stored.get("id", p.id)
    handler = handler_for(p.type)
    try:
        with call.store.write() as tx:
            w = WriteCtx(tx, call.route.sub, call.now, exclude=key(rid), api_version=api)
            old = copy.deepcopy(stored)
            doc = handler.normalise(copy.deepcopy(body), rid, old, w)
            handler.backrefs(doc, w)
            handler.allocate(doc, old, w)
            raise _Shaped(doc)  # never committed: what-if writes nothing
    except _Shaped as shaped:
        return shaped.args[0]
    except (ArmError, KeyError, TypeError, AttributeError, ValueError):
        return delta.UNKNOWN  # the rules would refuse it; what-if judges only what it sets


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
