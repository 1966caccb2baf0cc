"""Fault injection: which rule fires for a request, and the response it turns into."""

from __future__ import annotations

import json
import re
import uuid

from provisioner.localcloud.control import FaultRule, Settings, draw
from provisioner.localcloud.errors import ArmError
from provisioner.localcloud.ids import Route
from provisioner.localcloud.store import Store
from provisioner.localcloud.wire import Request

#: kinds that only make sense for requests that start a long-running operation
LRO_KINDS = {"canceled", "failed"}
_LRO_ROUTES = {"resource", "child", "child_list", "group"}


def _applies(rule: FaultRule, req: Request, route: Route) -> bool:
    if rule.method and rule.method.upper() != req.method:
        return False
    if rule.path and not re.search(rule.path, req.path, re.I):
        return False
    if rule.resource_type:
        wanted = rule.resource_type.lower()
        types = {route.type.lower(), f"{route.type}/{route.child}".lower()}
        if route.kind == "group" or route.kind == "groups":
            types.add("microsoft.resources/resourcegroups")
        if wanted not in types:
            return False
    if rule.kind in LRO_KINDS:
        return req.method in ("PUT", "DELETE", "POST") and route.kind in _LRO_ROUTES
    return True


def pick(store: Store, settings: Settings, req: Request, route: Route) -> FaultRule | None:
    """The first matching rule that fires; counters live in the state file (replayable)."""
    candidates = [(pos, f) for pos, f in enumerate(settings.faults) if _applies(f.rule, req, route)]
    if not candidates:
        return None
    with store.write() as tx:
        for pos, f in candidates:
            row = tx.c.execute("SELECT matched, fired FROM faults WHERE idx=?", (f.idx,)).fetchone()
            if row is None:
                continue
            matched, fired = row[0] + 1, row[1]
            exhausted = f.rule.max_count is not None and fired >= f.rule.max_count
            fire = not exhausted and draw(settings.seed, pos, matched) < f.rule.probability
            tx.c.execute(
                "UPDATE faults SET matched=?, fired=? WHERE idx=?",
                (matched, fired + (1 if fire else 0), f.idx),
            )
            if fire:
                return f.rule
    return None


def as_error(rule: FaultRule, req: Request) -> ArmError:
    """The synchronous error a status-code fault answers with."""
    kind = rule.kind
    if kind == "429":
        return ArmError(
            429,
            rule.code or "TooManyRequests",
            rule.message
            or "The request is being throttled as the limit has been reached for "
            "operation type - Write_ObservationWindow_00:05:00.",
            headers={"Retry-After": str(rule.retry_after)},
        )
    if kind == "500":
        return ArmError(
            500, rule.code or "InternalServerError", rule.message or "An unexpected error occurred."
        )
    if kind == "503":
        return ArmError(
            503,
            rule.code or "ServiceUnavailable",
            rule.message or "The service is temporarily unavailable.",
        )
    if kind == "409":
        url = (
            f"{req.base}/subscriptions/00000000-0000-0000-0000-000000000000/providers/"
            f"Microsoft.Network/locations/westeurope/operations/{uuid.uuid4()}"
        )
        return ArmError(
            409,
            rule.code or "AnotherOperationInProgress",
            rule.message
            or "Another operation on this or dependent resource is in progress. To "
            f"retrieve status of the operation use uri: {url}.",
        )
    if kind == "412":
        return ArmError(
            412,
            rule.code or "PreconditionFailed",
            rule.message or "Precondition failed.",
            [
                {
                    "code": "PreconditionFailedEtagMismatch",
                    "message": "Etag provided in if-match header does not match etag of "
                    "resource (injected fault).",
                }
            ],
        )
    if kind == "policy":
        return _policy_refusal(rule, req)
    raise ValueError(kind)


def _policy_refusal(rule: FaultRule, req: Request) -> ArmError:
    """A deny assignment's refusal, shaped as ARM sends it: the policy identifiers as escaped
    JSON in the message, and a ``PolicyViolation`` entry in ``additionalInfo`` (public reports:
    microsoft/vscode-apimanagement#348, tayganr/purviewdemo#22)."""
    name = req.path.rstrip("/").split("/")[-1]
    assignment = rule.code or "deny-untagged"
    scope = req.path.split("/resourceGroups/")[0] if "/resourceGroups/" in req.path else req.path
    assignment_id = f"{scope}/providers/Microsoft.Authorization/policyAssignments/{assignment}"
    definition_id = "/providers/Microsoft.Authorization/policyDefinitions/local-cloud-deny"
    display = rule.message or "Require a tag on resources"
    identifiers = json.dumps(
        [
            {
                "policyAssignment": {"name": assignment, "id": assignment_id},
                "policyDefinition": {"name": display, "id": definition_id},
            }
        ],
        separators=(",", ":"),
    )
    return ArmError(
        403,
        "RequestDisallowedByPolicy",
        f"Resource '{name}' was disallowed by policy. Policy identifiers: '{identifiers}'.",
        target=name,
        additional_info=[
            {
                "type": "PolicyViolation",
                "info": {
                    "policyDefinitionDisplayName": display,
                    "policyDefinitionId": definition_id,
                    "policyDefinitionEffect": "deny",
                    "policyAssignmentName": assignment,
                    "policyAssignmentDisplayName": assignment,
                    "policyAssignmentId": assignment_id,
                    "policyAssignmentScope": scope,
                },
            }
        ],
    )
