"""Virtual machine actions: instance view, power operations, run-command (action and managed).

Run-command executes nothing here: the simulated guest (``guest.py``) interprets the manifest
line of provisioner's scripts, every script is recorded per VM, and only one action
run-command may be in progress per VM, as on Azure.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from provisioner.localcloud import lro
from provisioner.localcloud.context import Call, rendered_doc
from provisioner.localcloud.errors import ArmError, group_not_found, resource_not_found
from provisioner.localcloud.guest import (
    GuestResult,
    empty_state,
    run_command_statuses,
    run_script,
    tail,
)
from provisioner.localcloud.ids import RUN_COMMAND_TYPE, Route, key
from provisioner.localcloud.reachability.outbound import vm_outbound
from provisioner.localcloud.reads import page
from provisioner.localcloud.resources.base import WriteCtx, location_name, new_etag
from provisioner.localcloud.resources.virtual_machines import instance_view, os_type
from provisioner.localcloud.rulecheck import StoreLookup
from provisioner.localcloud.store import Row, Txn
from provisioner.localcloud.wire import Response, json_response
from provisioner.localcloud.writes import remove

VM_TYPE = "Microsoft.Compute/virtualMachines"
BUSY_MESSAGE = (
    "Run command extension execution is in progress. Please wait for completion "
    "before invoking a run command."
)
#: the error an action run-command ends with when the VM cannot report back (no outbound
#: connectivity): MicrosoftDocs/azure-docs#29351 (code and message, 2019), #11596 ("took an
#: extremely long time … VM has not reported status for VM agent or extensions"),
#: Azure/azure-xplat-cli#2794 (the operation ended Failed 25 minutes after it started)
NO_REPORT = "VMAgentStatusCommunicationError"
NO_REPORT_MESSAGE = (
    "VM '{vm}' has not reported status for VM agent or extensions. Please verify the VM has a "
    "running VM agent and can establish outbound connections to Azure storage."
)
#: latency profile key of that long wait (virtual seconds; default 25 min 26 s, as recorded)
NO_REPORT_LATENCY = ("Microsoft.Compute/virtualMachines/runCommand/noOutbound", "POST")

POWER_ACTIONS = {
    "start": "running",
    "poweroff": "stopped",
    "deallocate": "deallocated",
    "restart": "running",
    "redeploy": "running",
    "reapply": None,
}


def _vm_row(tx: Txn, route: Route) -> Row:
    row = tx.get(
        key(
            Route(
                "resource", sub=route.sub, rg=route.rg, type=VM_TYPE, name=route.name
            ).resource_id()
        )
    )
    if row is None:
        if tx.get(key(route.group_id)) is None:
            raise group_not_found(route.rg)
        raise resource_not_found(VM_TYPE, route.name, route.rg)
    return row


def guest_state(tx: Txn, vm_key: str) -> dict[str, Any]:
    r = tx.c.execute("SELECT state FROM guest WHERE vm_key=?", (vm_key,)).fetchone()
    return json.loads(r[0]) if r else empty_state()


def save_guest(tx: Txn, vm_key: str, state: dict[str, Any]) -> None:
    tx.c.execute(
        "INSERT INTO guest VALUES (?, ?) ON CONFLICT(vm_key) DO UPDATE SET state=excluded.state",
        (vm_key, json.dumps(state)),
    )


def get_vm(call: Call) -> Response:
    """GET with ``$expand=instanceView`` adds the instance view to the VM document."""
    reader = call.store.reader()
    row = _vm_row(reader, call.route)
    doc = rendered_doc(row, call.now)
    if "instanceview" in call.req.query.get("$expand", "").lower():
        power = guest_state(reader, row.key).get("power", "running")
        doc["properties"]["instanceView"] = instance_view(doc, power, row.pending_until > call.now)
    return json_response(200, doc, {"ETag": row.etag} if row.etag else {})


def get_instance_view(call: Call) -> Response:
    reader = call.store.reader()
    row = _vm_row(reader, call.route)
    power = guest_state(reader, row.key).get("power", "running")
    return json_response(
        200, instance_view(json.loads(row.doc), power, row.pending_until > call.now)
    )


def power_action(call: Call) -> Response:
    target = POWER_ACTIONS[call.route.child.lower()]
    with call.store.write() as tx:
        row = _vm_row(tx, call.route)
        if target:
            state = guest_state(tx, row.key)
            state["power"] = target
            save_guest(tx, row.key, state)
        op = lro.start(call, tx, "compute", row.key, (VM_TYPE, "POST"))
        loc = json.loads(row.doc).get("location", "westeurope")
        headers = lro.lro_headers(call, op, loc, True)
    return Response(202, headers)


def _record(
    tx: Txn,
    vm: Row,
    vm_id: str,
    command_id: str,
    script: list[str],
    parameters: Any,
    now: float,
    kind: str,
    name: str,
    stdout: str,
) -> None:
    tx.c.execute(
        "INSERT INTO run_history (vm_key, vm_id, command_id, script, parameters, at, kind, name,"
        " stdout) VALUES (?,?,?,?,?,?,?,?,?)",
        (
            vm.key,
            vm_id,
            command_id,
            json.dumps(script),
            json.dumps(parameters or []),
            now,
            kind,
            name,
            stdout,
        ),
    )


def _execute(tx: Txn, vm: Row, script: list[str], apply: bool) -> GuestResult:
    state = guest_state(tx, vm.key)
    result = run_script(script, state)
    if apply:
        save_guest(tx, vm.key, state)
    return result


def run_command(call: Call) -> Response:
    """POST …/runCommand: 202 with Azure-AsyncOperation and a ``monitor=true`` Location."""
    body = call.req.json()
    if not isinstance(body, dict) or not body.get("commandId"):
        raise ArmError(400, "InvalidParameter", "Required parameter 'commandId' is missing (null).")
    command_id = str(body["commandId"])
    script = [str(x) for x in body.get("script") or []]
    with call.store.write() as tx:
        vm = _vm_row(tx, call.route)
        busy = tx.c.execute(
            "SELECT 1 FROM operations WHERE kind='runcommand' AND target=? AND done_at>?",
            (vm.key, call.now),
        ).fetchone()
        if busy:
            raise ArmError(409, "Conflict", BUSY_MESSAGE)
        doc = json.loads(vm.doc)
        vm_os = os_type(doc)
        if command_id.lower() not in ("runshellscript", "runpowershellscript"):
            raise ArmError(404, "NotFound", "The entity was not found in this Azure location.")
        failed = call.lro_fault
        result = _execute(tx, vm, script, apply=not failed)
        outbound = (
            vm_outbound(doc, StoreLookup(WriteCtx(tx, call.route.sub, call.now)))
            if call.settings.enforce_outbound
            else None
        )
        _record(
            tx,
            vm,
            doc["id"],
            command_id,
            script,
            body.get("parameters"),
            call.now,
            "action",
            "",
            result.stdout,
        )
        latency, outcome = (
            (f"{VM_TYPE}/runCommand", "POST"),
            lro.faulted(call, "RunCommandOperation"),
        )
        if outbound is not None and not outbound.possible and outcome.succeeded:
            # The script ran; its result never comes back: the agent cannot reach Azure storage.
            message = NO_REPORT_MESSAGE.format(vm=doc["name"])
            latency = NO_REPORT_LATENCY
            outcome = lro.Outcome("Failed", {"code": NO_REPORT, "message": message})
        op = lro.start(
            call,
            tx,
            "runcommand",
            vm.key,
            latency,
            outcome,
            run_command_statuses(vm_os, result),
        )
        headers = lro.lro_headers(call, op, doc.get("location", "westeurope"), True)
    return Response(202, headers)


# managed run commands (child resources) ---------------------------------------------------


def _run_command_id(call: Call, vm: Row) -> str:
    return f"{json.loads(vm.doc)['id']}/runCommands/{call.route.child_name}"


def put_managed(call: Call) -> Response:
    """PUT …/runCommands/{name}: run the script now, answer 201/200 while the LRO runs out."""
    body = call.req.json()
    if not isinstance(body, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
    with call.store.write() as tx:
        vm = _vm_row(tx, call.route)
        rid = _run_command_id(call, vm)
        old = tx.get(key(rid))
        props = dict(body.get("properties") or {})
        result = _run_managed(call, tx, vm, props)
        # a managed run command fails on either LRO fault: it is never superseded
        outcome = (
            lro.Outcome("Failed", call.fault_error("RunCommandOperation"))
            if call.lro_fault
            else lro.SUCCEEDED
        )
        op = lro.start(call, tx, "compute", key(rid), (f"{VM_TYPE}/runCommands", "PUT"), outcome)
        doc = _managed_doc(call, body, props, rid, json.loads(vm.doc), result, op.done_at)
        pending = op.done_at if op.done_at > call.now else 0.0
        _store_managed(call, tx, vm, doc, pending, "Creating" if old is None else "Updating")
        shown = _managed_view(doc, pending > call.now, with_view=False)
        headers = lro.lro_headers(call, op, doc["location"], False)
    return json_response(201 if old is None else 200, shown, headers)


def _run_managed(call: Call, tx: Txn, vm: Row, props: dict[str, Any]) -> GuestResult:
    """Run the command's inline script in the simulated guest and record it in the history."""
    source = props.get("source") or {}
    script = str(source.get("script") or "").splitlines()
    command_id = str(source.get("commandId") or "RunShellScript")
    result = _execute(tx, vm, script, apply=not call.lro_fault)
    vm_id = json.loads(vm.doc)["id"]
    _record(
        tx,
        vm,
        vm_id,
        command_id,
        script,
        props.get("parameters"),
        call.now,
        "managed",
        call.route.child_name,
        result.stdout,
    )
    return result


def _managed_doc(
    call: Call,
    body: dict[str, Any],
    props: dict[str, Any],
    rid: str,
    vm_doc: dict[str, Any],
    result: GuestResult,
    done_at: float,
) -> dict[str, Any]:
    """The run command as Azure stores it: secrets dropped, defaults echoed, its instance view."""
    for secret in ("protectedParameters", "runAsPassword"):
        props.pop(secret, None)
    props.pop("instanceView", None)
    props["provisioningState"] = "Failed" if call.lro_fault else "Succeeded"
    props.setdefault("asyncExecution", False)
    props.setdefault("timeoutInSeconds", 0)
    props.setdefault("treatFailureAsDeploymentFailure", False)
    props["instanceView"] = {
        "executionState": "Succeeded" if result.exit_code == 0 else "Failed",
        "executionMessage": "" if result.exit_code == 0 else "Script execution failed.",
        "exitCode": result.exit_code,
        "output": tail(result.stdout),
        "error": tail(result.stderr),
        "startTime": _iso(call.now),
        "endTime": _iso(done_at),
        "statuses": [],
    }
    doc = {
        "name": call.route.child_name,
        "id": rid,
        "type": RUN_COMMAND_TYPE,
        "location": location_name(body.get("location") or vm_doc.get("location")),
        "properties": props,
    }
    if body.get("tags") is not None:
        doc["tags"] = body["tags"]
    return doc


def _store_managed(
    call: Call, tx: Txn, vm: Row, doc: dict[str, Any], pending: float, pending_state: str
) -> None:
    """Store the run command as a child of its VM (it goes when the VM goes)."""
    tx.put(
        Row(
            key(doc["id"]),
            call.route.sub.lower(),
            call.route.rg.lower(),
            RUN_COMMAND_TYPE.lower(),
            vm.key,
            json.dumps(doc),
            new_etag(),
            pending,
            pending_state,
        )
    )


def _managed_view(doc: dict[str, Any], running: bool, with_view: bool) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))
    view = doc["properties"].pop("instanceView", None)
    if running:
        doc["properties"]["provisioningState"] = "Creating"
        if view:
            view.update(executionState="Running", output="", error="", endTime=None)
            view.pop("exitCode", None)
    if with_view and view:
        doc["properties"]["instanceView"] = view
    return doc


def get_managed(call: Call) -> Response:
    reader = call.store.reader()
    vm = _vm_row(reader, call.route)
    row = reader.get(key(_run_command_id(call, vm)))
    if row is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{RUN_COMMAND_TYPE}/"
            f"{call.route.name}/{call.route.child_name}' under resource group "
            f"'{call.route.rg}' was not found.",
        )
    expand = "instanceview" in call.req.query.get("$expand", "").lower()
    return json_response(
        200, _managed_view(json.loads(row.doc), row.pending_until > call.now, expand)
    )


def list_managed(call: Call) -> Response:
    reader = call.store.reader()
    vm = _vm_row(reader, call.route)
    expand = "instanceview" in call.req.query.get("$expand", "").lower()
    docs = [
        _managed_view(json.loads(r.doc), r.pending_until > call.now, expand)
        for r in reader.children(vm.key)
    ]
    return page(call, docs)


def delete_managed(call: Call) -> Response:
    with call.store.write() as tx:
        vm = _vm_row(tx, call.route)
        k = key(_run_command_id(call, vm))
        row = tx.get(k)
        if row is None:
            return Response(204)
        remove(WriteCtx(tx, call.route.sub, call.now), [row])
        op = lro.start(call, tx, "compute", k, (f"{VM_TYPE}/runCommands", "DELETE"))
        loc = json.loads(vm.doc).get("location", "westeurope")
        headers = lro.lro_headers(call, op, loc, True)
    return Response(202, headers)


def _iso(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).isoformat().replace("+00:00", "Z")
