"""The local cloud's request handling: routes, faults, errors, the request log.

``Engine.handle`` is the single implementation behind both ways in: the in-process azure-core
transport and the HTTP(S) server (and a WSGI app for anything else).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from provisioner.localcloud import (
    compute,
    deployments,
    faults,
    groups,
    identity,
    images,
    reads,
    vm_sizes,
    writes,
)
from provisioner.localcloud.context import Call
from provisioner.localcloud.control import SettingsCache
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import Route, parse_path
from provisioner.localcloud.reachability import api as reachability
from provisioner.localcloud.requestlog import RequestLog, RequestRecord
from provisioner.localcloud.resources import handler_for
from provisioner.localcloud.store import Store
from provisioner.localcloud.wire import Request, Response, json_response

Handler = Callable[[Call], Response]

_VM = "microsoft.compute/virtualmachines"

#: POST actions on a resource's child path: (type, child segment, action segment) → handler
_ACTIONS: dict[tuple[str, str, str], Handler] = {
    ("microsoft.network/networkinterfaces", "effectivenetworksecuritygroups", ""): (
        reachability.effective_groups
    ),
    ("microsoft.network/networkwatchers", "ipflowverify", ""): reachability.ip_flow_verify,
    ("microsoft.network/loadbalancers", "loadbalancingrules", "health"): reachability.rule_health,
}


def _resource_routes(call: Call) -> Handler | None:
    route, method = call.route, call.req.method
    if route.type.lower() == deployments.TYPE:  # templates run through this same table
        return deployments.route(call, _route_handler)
    is_vm = route.type.lower() == _VM
    if route.kind == "resource":
        if method == "GET":
            return compute.get_vm if is_vm else reads.get_resource
        return {
            "PUT": writes.put_resource,
            "DELETE": writes.delete_resource,
            "PATCH": writes.patch_tags,
            "HEAD": reads.head_resource,
        }.get(method)
    child = route.child.lower()
    if method == "POST" and route.kind in ("child_list", "child_action"):
        action = _ACTIONS.get((route.type.lower(), child, route.action.lower()))
        if action is not None:
            return action
    if route.kind == "child_action":
        return None
    if is_vm and route.kind == "child_list":
        if method == "POST" and child == "runcommand":
            return compute.run_command
        if method == "POST" and child in compute.POWER_ACTIONS:
            return compute.power_action
        if method == "GET" and child == "instanceview":
            return compute.get_instance_view
        if method == "GET" and child == "runcommands":
            return compute.list_managed
        return None
    if is_vm and route.kind == "child" and child == "runcommands":
        return {
            "PUT": compute.put_managed,
            "GET": compute.get_managed,
            "DELETE": compute.delete_managed,
        }.get(method)
    if route.kind == "child_list" and method == "GET":
        return reads.list_children
    if route.kind == "child" and child in _read_only_children(route.type):
        return reads.get_child if method == "GET" else None
    if route.kind == "child":
        return {"GET": reads.get_child, "PUT": writes.put_child, "DELETE": writes.delete_child}.get(
            method
        )
    return None


def _read_only_children(arm_type: str) -> set[str]:
    return {c.lower() for c in handler_for(arm_type).read_only_children}


def _route_handler(call: Call) -> Handler | None:
    kind, method = call.route.kind, call.req.method
    table: dict[tuple[str, str], Handler] = {
        ("subscriptions", "GET"): groups.list_subscriptions,
        ("subscription", "GET"): groups.get_subscription,
        ("groups", "GET"): groups.list_groups,
        ("group", "PUT"): groups.put_group,
        ("group", "GET"): groups.get_group,
        ("group", "HEAD"): reads.head_resource,
        ("group", "DELETE"): groups.delete_group,
        ("group", "PATCH"): writes.patch_tags,
        ("group_operation", "GET"): groups.group_operation,
        ("sub_resources", "GET"): groups.list_resources,
        ("group_resources", "GET"): groups.list_resources,
        ("list", "GET"): reads.list_type,
        ("list_all", "GET"): reads.list_type,
        ("operation", "GET"): _operation,
    }
    if (kind, method) in table:
        return table[(kind, method)]
    if kind in ("resource", "child", "child_list", "child_action"):
        return _resource_routes(call)
    if kind == "unknown":  # cloud metadata, sign-in, managed identity, images, VM sizes
        return identity.route(call) or images.route(call) or vm_sizes.route(call)
    return None


def _operation(call: Call) -> Response:
    from provisioner.localcloud import lro

    op = lro.load(call.store.reader(), call.route.operation_id)
    if op is None:
        raise ArmError(404, "NotFound", f"Operation {call.route.operation_id} not found.")
    return lro.status_response(call.req, op, call.now, call.route.results)


class Engine:
    """Serves requests against one state file."""

    def __init__(self, store: Store, buffered_log: bool = True) -> None:
        self.store = store
        self.settings = SettingsCache(store)
        self.log = RequestLog(store, buffered=buffered_log)
        self.admin: Callable[[Request, Route], Response] | None = None

    def handle(self, req: Request) -> Response:
        started = time.time()
        route = parse_path(req.path)
        if route.kind == "admin":
            if self.admin is None:
                return json_response(404, {"error": {"code": "NotFound", "message": "no admin"}})
            try:
                return self.admin(req, route)
            except ArmError as exc:
                return json_response(exc.status, exc.body(), exc.headers)
        settings = self.settings.current()
        resp = self._answer(req, route, settings, started)
        if req.method in ("GET", "HEAD") and resp.status < 400 or identity.keeps_secrets(req.path):
            body = None
        else:
            body = req.body.decode("utf-8", "replace") if req.body else None
        self.log.record(
            RequestRecord(
                req.method,
                req.path,
                req.api_version,
                resp.status,
                started,
                time.time(),
                body,
                req.headers.get("x-ms-client-request-id"),
            ),
            sync=req.method not in ("GET", "HEAD"),
        )
        return resp

    def _answer(self, req: Request, route: Route, settings, started: float) -> Response:
        fault = faults.pick(self.store, settings, req, route) if settings.faults else None
        if fault is not None and fault.kind == "drop-before":
            return Response(0, drop="before")
        try:
            if fault is not None and fault.kind not in faults.LRO_KINDS | {"drop-after"}:
                raise faults.as_error(fault, req)
            if not req.api_version and route.kind != "unknown":
                raise ArmError(
                    400,
                    "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.",
                )
            call = Call(
                req,
                route,
                settings,
                self.store,
                started,
                fault if fault is not None and fault.kind in faults.LRO_KINDS else None,
            )
            handler = _route_handler(call)
            if handler is None:
                raise _no_route(req, route)
            resp = handler(call)
        except ArmError as exc:
            resp = json_response(exc.status, exc.body(), exc.headers)
        resp.headers.setdefault("x-ms-request-id", req.headers.get("x-ms-client-request-id", ""))
        if fault is not None and fault.kind == "drop-after":
            resp.drop = "after"
        return resp


def _no_route(req: Request, route: Route) -> ArmError:
    if route.kind == "unknown":
        return ArmError(
            404,
            "InvalidResourceType",
            f"The resource type could not be found for path '{req.path}'.",
        )
    return ArmError(
        405,
        "MethodNotAllowed",
        f"The requested resource does not support http method '{req.method}'.",
    )


def wsgi_app(engine: Engine, via: str = "http"):
    """A WSGI application over ``engine`` (drops become a 502 with an empty body)."""

    def app(environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        target = environ.get("PATH_INFO", "/")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        req = Request.build(
            environ["REQUEST_METHOD"],
            target,
            headers,
            body,
            f"{environ.get('wsgi.url_scheme', 'http')}://{host}",
            via,
        )
        resp = engine.handle(req)
        status = resp.status if not resp.drop else 502
        start_response(f"{status} {_REASONS.get(status, 'Status')}", list(resp.headers.items()))
        return [resp.body]

    return app


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    412: "Precondition Failed",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


def reason(status: int) -> str:
    return _REASONS.get(status, "Status")


__all__ = ["Engine", "wsgi_app", "reason", "json"]
