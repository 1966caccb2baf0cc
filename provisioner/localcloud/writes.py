"""PUT, PATCH and DELETE of resources and inline children: the one write pipeline.

Order inside one ``BEGIN IMMEDIATE`` transaction: resource group exists → preconditions
(If-Match / If-None-Match) → normalise (ids, defaults, casing) → back-references → Azure rule
checks → allocation (addresses) → operation record → commit → refresh the back-references of
everything the write touched. Handlers never refuse: a rule violation is the only answer a
write gets for what it asks, and it rolls everything back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from provisioner.localcloud import lro, rulecheck
from provisioner.localcloud.context import Call, show_pending
from provisioner.localcloud.errors import (
    ArmError,
    group_not_found,
    resource_not_found,
)
from provisioner.localcloud.ids import Route, key
from provisioner.localcloud.resources import handler_for
from provisioner.localcloud.resources.base import Handler, WriteCtx, find_child, new_etag
from provisioner.localcloud.resources.generic import Generic, refuse_unmodelled
from provisioner.localcloud.rules import check_delete
from provisioner.localcloud.store import Row, Txn
from provisioner.localcloud.wire import Response, json_response


def strip_etag(value: str) -> str:
    v = value.strip()
    if v.startswith("W/"):
        v = v[2:]
    return v.strip('"')


def check_preconditions(call: Call, old: Row | None, rid: str) -> None:
    if_match = call.req.headers.get("if-match")
    if_none = call.req.headers.get("if-none-match")
    if if_match:
        if old is None:
            raise precondition_failed(if_match, None, rid)
        if if_match.strip() != "*" and strip_etag(if_match) != strip_etag(old.etag):
            raise precondition_failed(if_match, old.etag, rid)
    if if_none and if_none.strip() == "*" and old is not None:
        raise ArmError(
            412,
            "PreconditionFailed",
            "Precondition failed.",
            [
                {
                    "code": "PreconditionFailedResourceExists",
                    "message": f"Resource {rid} already exists and If-None-Match is '*'.",
                }
            ],
        )


def precondition_failed(sent: str, current: str | None, rid: str) -> ArmError:
    detail = (
        f"Etag provided in if-match header {sent} does not match etag {current} of "
        f"resource {rid} in NRP data store."
        if current
        else f"Resource {rid} does not exist and if-match header {sent} was provided."
    )
    return ArmError(
        412,
        "PreconditionFailed",
        "Precondition failed.",
        [{"code": "PreconditionFailedEtagMismatch", "message": detail}],
    )


def resource_group(tx: Txn, route: Route) -> dict[str, Any]:
    row = tx.get(key(route.group_id))
    if row is None:
        raise group_not_found(route.rg)
    return json.loads(row.doc)


def _latency_type(route: Route) -> str:
    return f"{route.type}/{route.child}" if route.child else route.type


def commit(
    w: WriteCtx,
    handler: Handler,
    doc: dict[str, Any],
    old: dict[str, Any] | None,
    route: Route,
    pending_until: float,
    pending_state: str,
    parent: str = "",
) -> None:
    """Store ``doc`` and refresh the read-only fields of every resource it (un)references."""
    k = key(doc["id"])
    w.tx.put(
        Row(
            k,
            route.sub.lower(),
            route.rg.lower(),
            handler.type.lower(),
            parent,
            json.dumps(doc),
            doc.get("etag", ""),
            pending_until,
            pending_state,
        )
    )
    new_refs = handler.refs(doc)
    old_refs = handler.refs(old) if old else set()
    w.tx.set_refs(k, new_refs)
    w.exclude = ""
    w.forget(k)
    refresh(w, (new_refs | old_refs) - {k})


def refresh(w: WriteCtx, keys: set[str]) -> None:
    """Recompute service-filled back-references of ``keys`` (their etags do not change)."""
    for k in sorted(keys):
        row = w.tx.get(k)
        if row is None:
            continue
        doc = json.loads(row.doc)
        before = row.doc
        handler_for(doc.get("type", "")).backrefs(doc, w)
        after = json.dumps(doc)
        if after != before:
            w.tx.update_doc(k, after)
            w.forget(k)


def put_document(
    call: Call, route: Route, make_body: Callable[[dict[str, Any] | None], dict[str, Any]]
) -> tuple[dict, bool, Response]:
    """Create or replace a top-level resource; returns (document, created, LRO response).

    ``make_body`` builds the PUT body from the stored document inside the transaction, so a
    child write merges into the parent without racing another writer.
    """
    handler = handler_for(route.type)
    if isinstance(handler, Generic):
        refuse_unmodelled(route.type, call.req.api_version or "")
    with call.store.write() as tx:
        group = resource_group(tx, route)
        rid = route.resource_id(group["name"])
        k = key(rid)
        old_row = tx.get(k)
        if old_row is not None:
            rid = json.loads(old_row.doc)["id"]  # keep the casing it was created with
        check_preconditions(call, old_row, rid)
        old = json.loads(old_row.doc) if old_row else None
        body = make_body(old)
        if not isinstance(body, dict):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
        w = WriteCtx(
            tx,
            route.sub,
            call.now,
            exclude=k,
            api_version=call.req.api_version,
            enable_network_watcher=call.settings.network_watcher_autocreate,
            basic_public_ip_quota=call.settings.basic_public_ip_quota,
        )
        doc = handler.normalise(body, rid, old, w)
        handler.backrefs(doc, w)
        rulecheck.run(handler.rules_check, doc, w)
        handler.allocate(doc, old, w)
        op_name = (
            f"Put{handler.type.rsplit('/', 1)[-1][:1].upper()}"
            f"{handler.type.rsplit('/', 1)[-1][1:-1]}Operation"
        )
        outcome = lro.faulted(call, op_name)
        state = handler.creating_state if old is None else "Updating"
        op = lro.start(call, tx, handler.lro_kind, k, (_latency_type(call.route), "PUT"), outcome)
        pending_until = op.done_at if op.done_at > call.now else 0.0
        if outcome.status == "Failed":
            doc["properties"]["provisioningState"] = "Failed"
        if outcome.status != "Canceled":
            commit(w, handler, doc, old, route, pending_until, state)
            handler.platform_effects(doc, w)
        shown = json.loads(json.dumps(doc))
        if pending_until:
            show_pending(shown, state)
        headers = lro.lro_headers(call, op, doc["location"], False)
    return shown, old is None, json_response(handler.status(old is None), shown, headers)


def put_resource(call: Call) -> Response:
    body = call.req.json()
    _, _, resp = put_document(call, call.route, lambda _old: body)
    return resp


def _merge_child(
    route: Route, old: dict[str, Any] | None, item: dict[str, Any] | None, outcome: dict[str, Any]
) -> dict[str, Any]:
    """The parent's body with one inline child replaced, added (item) or removed (None)."""
    if old is None:
        raise resource_not_found(route.type, route.name, route.rg)
    items = list(old["properties"].get(route.child) or [])
    idx = next(
        (i for i, c in enumerate(items) if c["name"].lower() == route.child_name.lower()), None
    )
    outcome["existed"] = idx is not None
    if item is None:
        if idx is not None:
            items.pop(idx)
    elif idx is None:
        items.append(item)
    else:
        item["name"] = items[idx]["name"]
        items[idx] = item
    return {**old, "properties": {**old["properties"], route.child: items}}


def put_child(call: Call) -> Response:
    """PUT of an inline child (subnet, LB pool ...): a PUT of the parent with it replaced."""
    route = call.route
    body = call.req.json()
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    parent_route = Route("resource", sub=route.sub, rg=route.rg, type=route.type, name=route.name)
    item = {"name": route.child_name, "properties": body.get("properties") or {}}
    outcome: dict[str, Any] = {}
    doc, _, resp = put_document(
        call, parent_route, lambda old: _merge_child(route, old, item, outcome)
    )
    child = find_child(doc, route.child, item["name"])
    if child is not None:  # while the parent's write runs, the child shows its state too
        child["properties"]["provisioningState"] = doc["properties"]["provisioningState"]
    resp.status = 200 if outcome["existed"] else 201
    resp.body = json.dumps(child).encode()
    return resp


def delete_child(call: Call) -> Response:
    route = call.route
    parent_route = Route("resource", sub=route.sub, rg=route.rg, type=route.type, name=route.name)
    row = call.store.reader().get(key(parent_route.resource_id()))
    if row is None or find_child(json.loads(row.doc), route.child, route.child_name) is None:
        return Response(204)
    outcome: dict[str, Any] = {}
    _, _, resp = put_document(
        call, parent_route, lambda old: _merge_child(route, old, None, outcome)
    )
    resp.status, resp.body = 202, b""
    resp.headers["Location"] = resp.headers["Azure-AsyncOperation"].replace(
        "/operations/", "/operationResults/"
    )
    return resp


def delete_resource(call: Call) -> Response:
    route = call.route
    handler = handler_for(route.type)
    with call.store.write() as tx:
        if tx.get(key(route.group_id)) is None:
            raise group_not_found(route.rg)
        k = key(route.resource_id())
        row = tx.get(k)
        if row is None:
            return Response(204)
        check_preconditions(call, row, route.resource_id())
        doc = json.loads(row.doc)
        w = WriteCtx(tx, route.sub, call.now)
        rulecheck.run(check_delete, doc, w)
        outcome = lro.faulted(call, "DeleteOperation")
        if outcome.succeeded:
            remove(w, [row])
        op = lro.start(call, tx, handler.lro_kind, k, (route.type, "DELETE"), outcome)
        headers = lro.lro_headers(call, op, doc.get("location", "westeurope"), True)
    return Response(202, headers)


def remove(w: WriteCtx, rows: list[Row]) -> None:
    """Delete rows (their child resources, and what goes with them: a VM's disks marked
    ``deleteOption: Delete``), then refresh what they referenced."""
    rows = rows + _removed_with(w, rows)
    gone = {r.key for r in rows}
    touched: set[str] = set()
    for r in rows:
        for child in w.tx.children(r.key):
            gone.add(child.key)
            w.tx.delete(child.key)
        touched |= w.tx.refs_from(r.key)
        w.tx.delete(r.key)
        w.forget(r.key)
    refresh(w, touched - gone)


def _removed_with(w: WriteCtx, rows: list[Row]) -> list[Row]:
    keys = {r.key for r in rows}
    extra: list[Row] = []
    for r in rows:
        for k in sorted(handler_for(r.type).removed_with(json.loads(r.doc)) - keys):
            found = w.tx.get(k)
            if found is not None:
                keys.add(k)
                extra.append(found)
    return extra


def patch_tags(call: Call) -> Response:
    """PATCH (``update_tags``): only tags change; a new etag, synchronous 200."""
    body = call.req.json()
    route = call.route
    with call.store.write() as tx:
        k = key(route.resource_id() if route.kind == "resource" else route.group_id)
        row = tx.get(k)
        if row is None:
            if route.kind == "group":
                raise group_not_found(route.rg)
            raise resource_not_found(route.type, route.name, route.rg)
        check_preconditions(call, row, route.resource_id())
        doc = json.loads(row.doc)
        if isinstance(body, dict) and "tags" in body:
            doc["tags"] = body["tags"] or {}
        if row.etag:
            doc["etag"] = new_etag()
            _share_etag(doc)
        row.doc, row.etag = json.dumps(doc), doc.get("etag", "")
        tx.put(row)
    return json_response(200, doc)


def _share_etag(doc: dict[str, Any]) -> None:
    for value in (doc.get("properties") or {}).values():
        if isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and "etag" in item:
                    item["etag"] = doc["etag"]


__all__ = [
    "put_resource",
    "put_child",
    "delete_resource",
    "delete_child",
    "patch_tags",
]
