"""The three questions, asked as Azure is asked them: each a POST that starts a long-running
operation (202, ``Azure-AsyncOperation`` and ``Location``), whose ``Location`` answers 200 with
the result once it is done (azure-core follows ``Location`` for a POST's final state).

The answer is computed when the POST arrives, from the state at that moment; the operation then
only runs out its virtual duration (latency profile keys ``{type}/{action}:POST``).
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from provisioner.localcloud import lro
from provisioner.localcloud.compute import guest_state
from provisioner.localcloud.context import Call
from provisioner.localcloud.errors import (
    ArmError,
    child_not_found,
    group_not_found,
    resource_not_found,
)
from provisioner.localcloud.guest import listens
from provisioner.localcloud.ids import key
from provisioner.localcloud.reachability import health as rule_health_model
from provisioner.localcloud.reachability import security
from provisioner.localcloud.resources.base import WriteCtx, find_child
from provisioner.localcloud.rulecheck import StoreLookup
from provisioner.localcloud.store import Txn
from provisioner.localcloud.wire import Response

NIC_TYPE = "Microsoft.Network/networkInterfaces"
VM_TYPE = "Microsoft.Compute/virtualMachines"


def _doc(tx: Txn, call: Call, arm_type: str) -> dict[str, Any]:
    route = call.route
    row = tx.get(key(route.resource_id()))
    if row is None:
        if tx.get(key(route.group_id)) is None:
            raise group_not_found(route.rg)
        raise resource_not_found(arm_type, route.name, route.rg)
    return json.loads(row.doc)


def _answer(call: Call, tx: Txn, target: str, latency_type: str, body: Any, location: str):
    op = lro.start(call, tx, "network", target, (latency_type, "POST"), output=body)
    return Response(202, lro.lro_headers(call, op, location, True))


# --- effectiveNetworkSecurityGroups ------------------------------------------------------------


def effective_groups(call: Call) -> Response:
    """``POST …/networkInterfaces/{nic}/effectiveNetworkSecurityGroups``: the subnet's NSG, then
    the NIC's, each with its custom and default rules as they apply to this NIC."""
    with call.store.write() as tx:
        nic = _doc(tx, call, NIC_TYPE)
        lookup = StoreLookup(WriteCtx(tx, call.route.sub, call.now))
        context = security.nic_context(nic, lookup)
        body = {"value": [g.as_wire() for g in context.groups]}
        latency = f"{NIC_TYPE}/effectiveNetworkSecurityGroups"
        return _answer(call, tx, key(nic["id"]), latency, body, nic.get("location", ""))


# --- ipFlowVerify ------------------------------------------------------------------------------

_FLOW_FIELDS = (
    "targetResourceId",
    "direction",
    "protocol",
    "localPort",
    "remotePort",
    "localIPAddress",
    "remoteIPAddress",
)


def _invalid(message: str) -> ArmError:
    detail = {"code": "InvalidJsonReferenceFormat", "message": message}
    return ArmError(400, "InvalidRequestFormat", "Cannot parse the request.", [detail])


def _port(value: Any, name: str) -> int | None:
    text = str(value)
    if text == "*":
        return None
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise _invalid(f"{name} must be a port from 0 to 65535 or *, not {value!r}.")
    return int(text)


def _address(value: Any, name: str) -> str:
    try:
        return str(ipaddress.ip_address(str(value)))
    except ValueError:
        raise _invalid(f"{name} must be an IP address, not {value!r}.") from None


def parse_flow(body: Any) -> tuple[str, str | None, security.Flow]:
    """(target VM id, target NIC id or None, the flow) of a ``VerificationIPFlowParameters``."""
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    missing = [f for f in _FLOW_FIELDS if body.get(f) in (None, "")]
    if missing:
        raise _invalid(f"Required properties are missing: {', '.join(missing)}.")
    direction = str(body["direction"]).capitalize()
    protocol = str(body["protocol"]).upper()
    if direction not in ("Inbound", "Outbound") or protocol not in ("TCP", "UDP"):
        raise _invalid("direction must be Inbound or Outbound and protocol TCP or UDP.")
    flow = security.Flow(
        direction=direction,
        protocol=protocol,
        local_ip=_address(body["localIPAddress"], "localIPAddress"),
        local_port=_port(body["localPort"], "localPort"),
        remote_ip=_address(body["remoteIPAddress"], "remoteIPAddress"),
        remote_port=_port(body["remotePort"], "remotePort"),
    )
    nic = body.get("targetNicResourceId")
    return str(body["targetResourceId"]), (str(nic) if nic else None), flow


def _target_nic(vm: dict, nic_id: str | None, flow: security.Flow, lookup) -> dict:
    """The NIC asked for, else the VM's NIC holding the local address, else its primary NIC."""
    refs = ((vm.get("properties") or {}).get("networkProfile") or {}).get("networkInterfaces")
    nics = [d for d in (lookup.get(r.get("id", "")) for r in refs or []) if d]
    if nic_id:
        chosen = next((n for n in nics if key(n["id"]) == key(nic_id)), None)
        if chosen is None:
            raise _invalid(f"targetNicResourceId {nic_id} is not a network interface of the VM.")
        return chosen
    for nic in nics:
        if flow.local_ip in security.nic_context(nic, lookup).addresses:
            return nic
    if not nics:
        raise _invalid(f"Virtual machine {vm['id']} has no network interface.")
    return nics[0]


def ip_flow_verify(call: Call) -> Response:
    """``POST …/networkWatchers/{nw}/ipFlowVerify``: Allow or Deny and the deciding rule."""
    vm_id, nic_id, flow = parse_flow(call.req.json())
    with call.store.write() as tx:
        watcher = _doc(tx, call, "Microsoft.Network/networkWatchers")
        lookup = StoreLookup(WriteCtx(tx, call.route.sub, call.now))
        vm = lookup.get(vm_id)
        if vm is None or str(vm.get("type", "")).lower() != VM_TYPE.lower():
            raise ArmError(404, "NotFound", f"Resource {vm_id} not found.")
        nic = _target_nic(vm, nic_id, flow, lookup)
        verdict = security.evaluate(security.nic_context(nic, lookup), flow)
        body = {"access": verdict.access, "ruleName": verdict.rule}
        latency = "Microsoft.Network/networkWatchers/ipFlowVerify"
        return _answer(call, tx, key(watcher["id"]), latency, body, watcher.get("location", ""))


# --- loadBalancingRules/{rule}/health ----------------------------------------------------------


def rule_health(call: Call) -> Response:
    """``POST …/loadBalancers/{lb}/loadBalancingRules/{rule}/health``: up and down per backend."""
    route = call.route
    with call.store.write() as tx:
        lb = _doc(tx, call, "Microsoft.Network/loadBalancers")
        rule = find_child(lb, "loadBalancingRules", route.child_name)
        if rule is None:
            raise child_not_found(f"{lb['id']}/loadBalancingRules/{route.child_name}")
        lookup = StoreLookup(WriteCtx(tx, route.sub, call.now))

        def guest(vm_id: str) -> tuple[str, Any]:
            state = guest_state(tx, key(vm_id))
            return state.get("power", "running"), state

        body = rule_health_model.rule_health(lb, rule, lookup, guest, listens)
        latency = "Microsoft.Network/loadBalancers/loadBalancingRules/health"
        return _answer(call, tx, key(lb["id"]), latency, body, lb.get("location", ""))


__all__ = ["effective_groups", "ip_flow_verify", "rule_health"]
