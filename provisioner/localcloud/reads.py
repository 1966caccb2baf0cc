"""GET, HEAD and LIST: one indexed read, the stored JSON returned as is (hot path)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from provisioner.localcloud.context import Call, rendered, rendered_doc
from provisioner.localcloud.errors import (
    ArmError,
    child_not_found,
    group_not_found,
    resource_not_found,
)
from provisioner.localcloud.ids import key
from provisioner.localcloud.resources.base import find_child
from provisioner.localcloud.wire import Response, json_response


def get_resource(call: Call) -> Response:
    route = call.route
    row = call.store.reader().get(key(route.resource_id()))
    if row is None:
        raise _missing(call)
    body = rendered(row, call.now)
    headers = {"ETag": row.etag} if row.etag else {}
    return json_response(200, body, headers)


def head_resource(call: Call) -> Response:
    route = call.route
    k = key(route.group_id if route.kind == "group" else route.resource_id())
    return Response(204 if call.store.reader().get(k) else 404)


def _missing(call: Call) -> ArmError:
    route = call.route
    if call.store.reader().get(key(route.group_id)) is None:
        return group_not_found(route.rg)
    return resource_not_found(route.type, route.name, route.rg)


def get_child(call: Call) -> Response:
    route = call.route
    row = call.store.reader().get(key(route.resource_id()))
    if row is None:
        raise _missing(call)
    child = find_child(rendered_doc(row, call.now), route.child, route.child_name)
    if child is None:
        raise child_not_found(f"{json.loads(row.doc)['id']}/{route.child}/{route.child_name}")
    return json_response(200, child, {"ETag": row.etag} if row.etag else {})


def list_children(call: Call) -> Response:
    route = call.route
    row = call.store.reader().get(key(route.resource_id()))
    if row is None:
        raise _missing(call)
    items = (rendered_doc(row, call.now).get("properties") or {}).get(route.child) or []
    return page(call, items)


def list_type(call: Call) -> Response:
    """``…/providers/{ns}/{type}`` in a group (``list``) or the subscription (``list_all``)."""
    route = call.route
    reader = call.store.reader()
    if route.kind == "list":
        if reader.get(key(route.group_id)) is None:
            raise group_not_found(route.rg)
        rows = [r for r in reader.in_group(route.sub, route.rg) if r.type == route.type.lower()]
    else:
        rows = reader.of_type(route.sub, route.type.lower())
    return page(call, [rendered_doc(r, call.now) for r in rows])


def page(call: Call, items: list[Any]) -> Response:
    """One page of a collection; ``nextLink`` carries a ``$skiptoken`` offset."""
    size = max(1, call.settings.page_size)
    try:
        start = int(call.req.query.get("$skiptoken", "0"))
    except ValueError:
        start = 0
    doc: dict[str, Any] = {"value": items[start : start + size]}
    if start + size < len(items):
        query = {k: v for k, v in call.req.query.items() if k != "$skiptoken"}
        query["$skiptoken"] = str(start + size)
        doc["nextLink"] = f"{call.req.base}{call.req.path}?{urlencode(query)}"
    return json_response(200, doc)
