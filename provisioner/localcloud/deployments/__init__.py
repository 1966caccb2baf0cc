"""``Microsoft.Resources/deployments`` at resource-group scope: templates that actually run.

What Azure CLI sends for ``az network lb create`` and ``az vm create`` (shared/peer-clients.md):
``PUT …/resourcegroups/{rg}/providers/Microsoft.Resources/deployments/{name}`` with an inline
template, then polls and reads the outputs. Here:

- ``PUT``: the template is checked first (parameters, expressions that do not need a resource,
  copy loops, ``dependsOn``, resource types); a template error is ARM's synchronous 400
  ``InvalidTemplate``. Then every resource is PUT through ``dispatch``, the route table a
  client's own PUT takes (``template.py``), and the deployment answers 201 with
  ``provisioningState: Accepted`` and an ``Azure-AsyncOperation`` that ends ``Succeeded`` with
  the outputs, or ``Failed`` with ``DeploymentFailed`` and the failing operation's error as a
  detail. Never 201 without running.
- ``GET`` the deployment, its list, ``…/operations`` and ``…/operations/{id}``, ``POST
  …/validate``; ``DELETE`` removes the record only (as in Azure, the resources stay).
- ``POST …/whatIf`` (``whatif.py``): the same checks and evaluator, each resource compared
  with what is stored (``delta.py``), the changes as a long-running result; nothing written.
- Not run: ``templateLink`` (no request leaves the machine), ``Complete`` mode, nested
  deployments and any resource type outside :func:`deployable`: each is refused with ARM's
  error shape, never skipped.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

from provisioner.localcloud import lro
from provisioner.localcloud.context import Call, rendered_doc
from provisioner.localcloud.deployments.expressions import TemplateError
from provisioner.localcloud.deployments.template import (
    DEPLOYABLE_EXTRA,
    Context,
    Planned,
    Run,
    body_of,
    order,
    outputs_of,
)
from provisioner.localcloud.errors import ArmError, group_not_found
from provisioner.localcloud.ids import key, parse_path
from provisioner.localcloud.store import Row
from provisioner.localcloud.wire import Request, Response, json_response

TYPE = "microsoft.resources/deployments"
Handler = Callable[[Call], Response]
RouteFn = Callable[[Call], Handler | None]
_OPS = "deployment-operations:"
_FAILED = (
    "At least one resource deployment operation failed. Please list deployment operations for "
    "details. Please see https://aka.ms/arm-deployment-operations for usage details."
)


def route(call: Call, router: RouteFn) -> Handler | None:
    """The handler of a deployments path; ``router`` is the engine's route table (for PUTs)."""
    r, method = call.route, call.req.method
    if not r.rg:
        return _unsupported_scope
    if r.kind == "resource":
        if method == "PUT":
            return lambda c: put_deployment(c, router)
        return {"GET": get_deployment, "DELETE": delete_deployment}.get(method)
    child = r.child.lower()
    if r.kind == "child_list" and child == "validate" and method == "POST":
        return lambda c: validate(c)
    if r.kind == "child_list" and child == "whatif" and method == "POST":
        from provisioner.localcloud.deployments.whatif import what_if

        return what_if
    if r.kind == "child_list" and child == "operations" and method == "GET":
        return list_operations
    if r.kind == "child" and child == "operations" and method == "GET":
        return get_operation
    if r.kind == "child" and child == "operationstatuses" and method == "GET":
        return operation_status
    return None


def _unsupported_scope(call: Call) -> Response:
    raise ArmError(
        400,
        "InvalidDeploymentScope",
        "The local cloud runs template deployments at resource-group scope only.",
    )


def deployable(arm_type: str) -> bool:
    from provisioner.localcloud.resources import handler_for
    from provisioner.localcloud.resources.generic import Generic

    low = arm_type.lower()
    top = "/".join(low.split("/")[:2])
    return low in DEPLOYABLE_EXTRA or not isinstance(handler_for(top), Generic)


# --- the template, checked --------------------------------------------------------------------


def request_body(call: Call) -> dict[str, Any]:
    body = call.req.json(lenient=True)
    props = body.get("properties") if isinstance(body, dict) else None
    if not isinstance(props, dict):
        raise ArmError(
            400,
            "InvalidRequestContent",
            "The request content was invalid: 'properties' is required.",
        )
    if "templateLink" in props or "parametersLink" in props:
        raise ArmError(
            400,
            "InvalidTemplateDeployment",
            "The local cloud does not fetch linked templates or parameters (no request leaves "
            "the machine); send the template inline.",
        )
    if not isinstance(props.get("template"), dict):
        raise ArmError(
            400,
            "InvalidRequestContent",
            "The request content was invalid: 'properties.template' is required.",
        )
    mode = str(props.get("mode", "Incremental"))
    if mode.lower() != "incremental":
        raise ArmError(
            400,
            "InvalidDeploymentMode",
            f"The deployment mode '{mode}' is not supported by the local cloud; use 'Incremental'.",
        )
    return body


def _context(call: Call, body: dict[str, Any]) -> Context:
    from provisioner.localcloud.identity.tokens import load_config

    route = call.route
    rg_row = call.store.reader().get(key(route.group_id))
    if rg_row is None:
        raise group_not_found(route.rg)
    props = body["properties"]
    return Context(
        sub=route.sub,
        rg=json.loads(rg_row.doc)["name"],
        rg_doc=json.loads(rg_row.doc),
        tenant=load_config(call.store).tenant,
        deployment_name=route.name,
        template=props["template"],
        parameters=props.get("parameters") or {},
    )


def _reader(call: Call) -> Callable[[str], dict[str, Any] | None]:
    def read(rid: str) -> dict[str, Any] | None:
        row = call.store.reader().get(key(rid))
        if row is not None:
            return json.loads(row.doc)
        route = parse_path(rid)
        if route.kind == "child":
            parent = call.store.reader().get(key(route.resource_id()))
            if parent is not None:
                from provisioner.localcloud.resources.base import find_child

                return find_child(json.loads(parent.doc), route.child, route.child_name)
        return None

    return read


def invalid(exc: TemplateError) -> ArmError:
    code = "InvalidTemplate" if exc.code == "InvalidTemplate" else "InvalidTemplateDeployment"
    return ArmError(400, code, exc.message)


def check(
    call: Call, body: dict[str, Any], evaluator: type[Run] = Run
) -> tuple[Run, list[Planned]]:
    """The template's resources in deployment order, or ARM's 400 for the template.

    Reads only; ``evaluator`` is the scope expressions are evaluated in (what-if passes its
    own, which leaves what only the deployment would know unevaluated)."""
    try:
        run = evaluator(_context(call, body), _reader(call))
        for name in run.params:
            run.parameter(name)
        planned = order(run.expand())
    except TemplateError as exc:
        raise invalid(exc) from exc
    for p in planned:
        if p.type.lower() == TYPE:
            raise ArmError(
                400,
                "InvalidTemplate",
                f"Nested deployments ('{p.name}') are not supported by the local cloud.",
            )
        if not deployable(p.type):
            raise ArmError(
                400,
                "InvalidTemplateDeployment",
                "The template deployment failed: the resource type "
                f"'{p.type}' is not modelled by the local cloud.",
                [
                    {
                        "code": "NoRegisteredProviderFound",
                        "message": f"No registered resource provider found for type '{p.type}' "
                        "in the local cloud.",
                    }
                ],
            )
    return run, planned


def validate(call: Call) -> Response:
    body = request_body(call)
    _, planned = check(call, body)
    doc = _document(call, body, "Succeeded", {}, [p.id for p in planned], None)
    doc["properties"]["validatedResources"] = [{"id": p.id} for p in planned]
    return json_response(200, doc)


# --- the run ----------------------------------------------------------------------------------


def put_deployment(call: Call, router: RouteFn) -> Response:
    body = request_body(call)
    run, planned = check(call, body)
    operations: list[dict[str, Any]] = []
    error: dict[str, Any] | None = None
    done_at = call.now
    for p in planned:
        op, failure, pending = _deploy_one(call, router, run, p)
        operations.append(op)
        done_at = max(done_at, pending)
        if failure is not None:
            error = {"code": "DeploymentFailed", "message": _FAILED, "details": [failure]}
            break
    outputs: dict[str, Any] = {}
    if error is None:
        try:
            outputs = outputs_of(run)
        except TemplateError as exc:
            error = {
                "code": "DeploymentOutputEvaluationFailed",
                "message": f"Unable to evaluate template outputs. {exc.message}",
                "details": [{"code": exc.code, "message": exc.message}],
            }
    return _store(call, body, operations, outputs, [p.id for p in planned], error, done_at)


def _deploy_one(
    call: Call, router: RouteFn, run: Run, p: Planned
) -> tuple[dict[str, Any], dict[str, Any] | None, float]:
    """PUT one resource through the route table; its operation record, error, pending end."""
    started = time.time()
    failure: dict[str, Any] | None = None
    status, answer = 0, {}
    try:
        body = body_of(run, p)
    except TemplateError as exc:
        failure = {"code": exc.code, "message": exc.message}
    if failure is None:
        api = str(p.raw.get("apiVersion"))
        status, answer = _dispatch(call, router, p.id, api, body)
        if status >= 400:
            err = answer.get("error") if isinstance(answer, dict) else None
            failure = err if isinstance(err, dict) else {"code": str(status), "message": ""}
    row = call.store.reader().get(key(p.id))
    pending = row.pending_until if row is not None else call.now
    op = {
        "id": f"{call.route.resource_id()}/operations/{uuid.uuid4().hex[:16].upper()}",
        "operationId": "",
        "properties": {
            "provisioningOperation": "Create",
            "provisioningState": "Failed" if failure else "Succeeded",
            "timestamp": _iso(time.time()),
            "duration": f"PT{max(0.0, time.time() - started):.3f}S",
            "trackingId": str(uuid.uuid4()),
            "statusCode": _status_text(status) if status else "BadRequest",
            "targetResource": {"id": p.id, "resourceType": p.type, "resourceName": p.name},
        },
    }
    op["operationId"] = op["id"].rsplit("/", 1)[-1]
    if failure is not None:
        op["properties"]["statusMessage"] = {"error": failure}
    return op, failure, pending


def _dispatch(
    call: Call, router: RouteFn, rid: str, api: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """A PUT of ``body`` to ``rid`` as a client would send it, answered by the same handlers."""
    req = Request(
        "PUT",
        rid,
        {"api-version": api},
        {"content-type": "application/json"},
        json.dumps(body).encode(),
        call.req.base,
        call.req.via,
    )
    sub = Call(req, parse_path(rid), call.settings, call.store, call.now)
    try:
        handler = router(sub)
        if handler is None:
            raise ArmError(
                400,
                "InvalidResourceType",
                f"The resource type '{sub.route.type}' does not support PUT here.",
            )
        resp = handler(sub)
    except ArmError as exc:
        return exc.status, exc.body()
    try:
        return resp.status, json.loads(resp.body or b"{}")
    except ValueError:
        return resp.status, {}


def _store(
    call: Call,
    body: dict[str, Any],
    operations: list[dict[str, Any]],
    outputs: dict[str, Any],
    resources: list[str],
    error: dict[str, Any] | None,
    done_at: float,
) -> Response:
    status = "Failed" if error else "Succeeded"
    doc = _document(call, body, status, outputs, resources, error)
    route = call.route
    rid = doc["id"]
    k = key(rid)
    with call.store.write() as tx:
        op = lro.start(
            call,
            tx,
            "deployment",
            k,
            ("Microsoft.Resources/deployments", "PUT"),
            lro.Outcome(status, error),
        )
        tx.c.execute("UPDATE operations SET done_at=? WHERE id=?", (done_at, op.id))
        op.done_at = done_at
        pending = done_at if done_at > call.now else 0.0
        tx.put(
            Row(
                k,
                route.sub.lower(),
                route.rg.lower(),
                TYPE,
                "",
                json.dumps(doc),
                "",
                pending,
                "Running",
            )
        )
        tx.set_setting(_OPS + k, json.dumps(operations))
    shown = json.loads(json.dumps(doc))
    shown["properties"]["provisioningState"] = "Accepted"
    shown["properties"].pop("outputs", None)
    shown["properties"].pop("error", None)
    url = f"{call.req.base}{rid}/operationStatuses/{op.id}?api-version={call.req.api_version}"
    headers = {"Azure-AsyncOperation": url}
    return json_response(201, shown, headers)


def _document(
    call: Call,
    body: dict[str, Any],
    status: str,
    outputs: dict[str, Any],
    resources: list[str],
    error: dict[str, Any] | None,
) -> dict[str, Any]:
    route = call.route
    rg_row = call.store.reader().get(key(route.group_id))
    rg_name = json.loads(rg_row.doc)["name"] if rg_row else route.rg
    props = body["properties"]
    template = props["template"]
    declared = {k.lower(): v for k, v in (template.get("parameters") or {}).items()}
    shown_params = {
        name: {
            "type": (declared.get(name.lower()) or {}).get("type", "String"),
            **(
                {}
                if str((declared.get(name.lower()) or {}).get("type", ""))
                .lower()
                .startswith("secure")
                else {"value": v.get("value") if isinstance(v, dict) else v}
            ),
        }
        for name, v in (props.get("parameters") or {}).items()
    }
    doc: dict[str, Any] = {
        "id": (
            f"/subscriptions/{route.sub}/resourceGroups/{rg_name}/providers/"
            f"Microsoft.Resources/deployments/{route.name}"
        ),
        "name": route.name,
        "type": "Microsoft.Resources/deployments",
        "properties": {
            "templateHash": str(
                int(
                    hashlib.sha256(json.dumps(template, sort_keys=True).encode()).hexdigest()[:15],
                    16,
                )
            ),
            "parameters": shown_params,
            "mode": "Incremental",
            "provisioningState": status,
            "timestamp": _iso(time.time()),
            "duration": "PT0S",
            "correlationId": call.req.headers.get("x-ms-correlation-request-id")
            or str(uuid.uuid4()),
            "providers": [],
            "dependencies": [],
            "outputs": outputs,
            "outputResources": [{"id": r} for r in resources] if status == "Succeeded" else [],
        },
    }
    if isinstance(body.get("tags"), dict):
        doc["tags"] = body["tags"]
    if error is not None:
        doc["properties"]["error"] = error
    return doc


def _status_text(status: int) -> str:
    return {200: "OK", 201: "Created", 202: "Accepted"}.get(
        status, "BadRequest" if status < 500 else "InternalServerError"
    )


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat().replace("+00:00", "Z")


# --- reads ------------------------------------------------------------------------------------


def _row(call: Call) -> Row:
    row = call.store.reader().get(key(call.route.resource_id()))
    if row is None:
        raise ArmError(
            404,
            "DeploymentNotFound",
            f"Deployment '{call.route.name}' could not be found.",
        )
    return row


def get_deployment(call: Call) -> Response:
    row = _row(call)
    doc = rendered_doc(row, call.now)
    if doc["properties"].get("provisioningState") != _final(row):
        doc["properties"].pop("outputs", None)
        doc["properties"].pop("error", None)
    return json_response(200, doc)


def _final(row: Row) -> str:
    return json.loads(row.doc)["properties"]["provisioningState"]


def delete_deployment(call: Call) -> Response:
    row = _row(call)
    with call.store.write() as tx:
        tx.delete(row.key)
        tx.set_setting(_OPS + row.key, "[]")
    return Response(204)


def list_operations(call: Call) -> Response:
    row = _row(call)
    raw = call.store.setting(_OPS + row.key)
    return json_response(200, {"value": json.loads(raw) if raw else []})


def get_operation(call: Call) -> Response:
    row = _row(call)
    raw = call.store.setting(_OPS + row.key)
    for op in json.loads(raw) if raw else []:
        if op["operationId"].lower() == call.route.child_name.lower():
            return json_response(200, op)
    raise ArmError(
        404,
        "DeploymentOperationNotFound",
        f"Deployment operation '{call.route.child_name}' could not be found.",
    )


def operation_status(call: Call) -> Response:
    op = lro.load(call.store.reader(), call.route.child_name)
    if op is None or op.kind != "deployment":
        raise ArmError(404, "NotFound", f"Operation {call.route.child_name} not found.")
    return lro.status_response(call.req, op, call.now, False)
