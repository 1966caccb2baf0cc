"""Resource groups, the subscription, and the generic resource list used for discovery by tag."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from provisioner.localcloud import filters, lro, rulecheck
from provisioner.localcloud.context import Call
from provisioner.localcloud.errors import ArmError, group_not_found
from provisioner.localcloud.ids import RESOURCE_GROUP_TYPE, key
from provisioner.localcloud.reads import page
from provisioner.localcloud.resources.base import WriteCtx
from provisioner.localcloud.rules import check_delete
from provisioner.localcloud.rules.catalog import GROUP_DELETION_BLOCKED
from provisioner.localcloud.store import Row
from provisioner.localcloud.wire import Response, json_response
from provisioner.localcloud.writes import remove

#: Rows ``/resources`` does not list: groups, and deployments (records, not resources).
_NOT_LISTED = {RESOURCE_GROUP_TYPE.lower(), "microsoft.resources/deployments"}
_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")


def put_group(call: Call) -> Response:
    route = call.route
    body = call.req.json()
    if not isinstance(body, dict) or not body.get("location"):
        raise ArmError(
            400, "LocationRequired", "The location property is required for this definition."
        )
    if not _RG_NAME.match(route.rg) or route.rg.endswith("."):
        raise ArmError(
            400,
            "InvalidResourceGroup",
            f"The provided resource group name '{route.rg}' has these invalid characters.",
        )
    with call.store.write() as tx:
        k = key(route.group_id)
        old = tx.get(k)
        old_doc = json.loads(old.doc) if old else None
        if old_doc and old_doc["location"].lower() != str(body["location"]).lower():
            raise ArmError(
                409,
                "InvalidResourceGroupLocation",
                f"Invalid resource group location '{body['location']}'. The Resource "
                f"group already exists in location '{old_doc['location']}'.",
            )
        doc: dict[str, Any] = {
            "id": old_doc["id"] if old_doc else route.group_id,
            "name": old_doc["name"] if old_doc else route.rg,
            "type": RESOURCE_GROUP_TYPE,
            "location": str(body["location"]).lower().replace(" ", ""),
        }
        if body.get("tags") is not None:
            doc["tags"] = body["tags"]
        if body.get("managedBy"):
            doc["managedBy"] = body["managedBy"]
        doc["properties"] = {"provisioningState": "Succeeded"}
        tx.put(
            Row(
                k,
                route.sub.lower(),
                route.rg.lower(),
                RESOURCE_GROUP_TYPE.lower(),
                "",
                json.dumps(doc),
                "",
                0.0,
                "",
            )
        )
    return json_response(200 if old else 201, doc)


def get_group(call: Call) -> Response:
    row = call.store.reader().get(key(call.route.group_id))
    if row is None:
        raise group_not_found(call.route.rg)
    return json_response(200, row.doc)


def list_groups(call: Call) -> Response:
    rows = call.store.reader().of_type(call.route.sub, RESOURCE_GROUP_TYPE.lower())
    docs = [json.loads(r.doc) for r in rows]
    wanted = filters.parse(call.req.query.get("$filter", ""))
    return page(call, [d for d in docs if wanted.match(d)])


def delete_group(call: Call) -> Response:
    """202 + Location (ARM's RG pattern); everything inside goes with the group."""
    route = call.route
    with call.store.write() as tx:
        row = tx.get(key(route.group_id))
        if row is None:
            raise group_not_found(route.rg)
        outcome = lro.faulted(call, "DeleteResourceGroupOperation")
        if outcome.succeeded:
            w = WriteCtx(tx, route.sub, call.now)
            rows = [r for r in tx.in_group(route.sub, route.rg) if r.key != row.key]
            stuck = blocked(tx, rows)
            remove(w, [r for r in rows if r.key not in stuck and r.parent not in stuck])
            if stuck:
                error = deletion_blocked(w, json.loads(row.doc)["name"], rows, stuck)
                outcome = lro.Outcome("Failed", error)
            else:
                tx.delete(row.key)
        op = lro.start(call, tx, "group-delete", row.key, (RESOURCE_GROUP_TYPE, "DELETE"), outcome)
    return Response(202, lro.group_delete_headers(call, op))


def blocked(tx, rows: list[Row]) -> set[str]:
    """Keys of the group's resources Azure could not delete: something outside the group (or
    another resource that stays) still uses them — a NIC on a foreign VM, a public IP or subnet
    of a foreign NIC, a load balancer whose pool a foreign NIC is in. Computed to a fixpoint, so
    the subnet of a NIC that stays, stays too."""
    top = [r for r in rows if not r.parent]
    inside = {r.key for r in rows}
    stuck: set[str] = set()
    changed = True
    while changed:
        changed = False
        for r in top:
            if r.key in stuck:
                continue
            users = tx.refs_to(r.key) - {r.key}
            if any(u not in inside or u in stuck for u in users):
                stuck.add(r.key)
                changed = True
    return stuck


def deletion_blocked(w: WriteCtx, rg_name: str, rows: list[Row], stuck: set[str]) -> dict[str, Any]:
    """ARM's ``ResourceGroupDeletionBlocked`` error: one detail per resource left, carrying the
    error its own delete got (``NicInUse``, ``InUseSubnetCannotBeDeleted`` ...)."""
    gone = {r.key for r in rows if r.key not in stuck}
    lookup = rulecheck.HidingLookup(w, gone)
    details, names = [], []
    for r in rows:
        if r.key not in stuck:
            continue
        doc = json.loads(r.doc)
        names.append(f"{doc.get('type', '')}/{doc.get('name', '')}")
        try:
            rulecheck.run(check_delete, doc, w, lookup)
            inner = ArmError(400, "Conflict", f"Resource {doc['id']} is in use.")
        except ArmError as exc:
            inner = exc
        details.append(
            {
                "code": inner.code,
                "target": doc["id"],
                "message": json.dumps({"error": {"code": inner.code, "message": inner.message}}),
            }
        )
    fields = {"rg": rg_name, "identifiers": ",".join(names), "tracking": str(uuid.uuid4())}
    err = rulecheck.arm_error(GROUP_DELETION_BLOCKED.violation(**fields))
    return {"code": err.code, "message": err.message, "details": details}


def group_operation(call: Call) -> Response:
    op = lro.load(call.store.reader(), call.route.operation_id)
    if op is None:
        raise ArmError(404, "NotFound", f"Operation {call.route.operation_id} not found.")
    return lro.status_response(call.req, op, call.now, True)


def list_resources(call: Call) -> Response:
    """``/subscriptions/{s}/resources`` and ``…/resourceGroups/{rg}/resources`` with $filter."""
    route = call.route
    reader = call.store.reader()
    if route.kind == "group_resources":
        if reader.get(key(route.group_id)) is None:
            raise group_not_found(route.rg)
        rows = reader.in_group(route.sub, route.rg)
    else:
        rows = reader.in_subscription(route.sub)
    wanted = filters.parse(call.req.query.get("$filter", ""))
    out = []
    for r in rows:
        if r.parent or r.type in _NOT_LISTED:
            continue
        d = json.loads(r.doc)
        item = {
            f: d[f]
            for f in ("id", "name", "type", "location", "tags", "sku", "kind", "managedBy", "zones")
            if f in d
        }
        if wanted.match(item):
            if wanted.drops_tags:  # ARM returns tag-value matches without their tags
                item.pop("tags", None)
            out.append(item)
    return page(call, out)


def get_subscription(call: Call) -> Response:
    sub = call.route.sub
    return json_response(200, _subscription(sub, _tenant(call)))


def list_subscriptions(call: Call) -> Response:
    from provisioner.localcloud.cloud_constants import DEFAULT_SUBSCRIPTION

    return json_response(200, {"value": [_subscription(DEFAULT_SUBSCRIPTION, _tenant(call))]})


def _tenant(call: Call) -> str:
    """The identity provider's tenant: what sign-in put in the token is what ARM lists."""
    from provisioner.localcloud.identity.tokens import load_config

    return load_config(call.store).tenant


def _subscription(sub: str, tenant: str) -> dict[str, Any]:
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "displayName": "Local cloud",
        "state": "Enabled",
        "tenantId": tenant,
    }
