"""``provision verify`` without sending traffic: what Azure itself says about each mapping row.

Per row and backend, Network Watcher's IP flow verify is asked about the row's inbound 5-tuple
as the backend's NIC sees it: destination the frontend IP with Floating IP (Azure does not
rewrite it), else the NIC's address; port the backend port; source a client of the load
balancer (an Internet address for a public one, an address of the virtual network for an
internal one, or the address given with ``--from``). Per row, the load balancing rule's health
says how many backends its probe finds up. Both are Azure's APIs (``arm/network_watcher.py``);
the local cloud answers them too.

:func:`plan_flows` decides what to ask from plain data; :func:`check_azure` asks it. A row is
ready when no NSG denies it at any backend and, when Azure gave its health, a backend is up.
Where Network Watcher is absent, or a call fails, the row says so and counts neither way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import ip_address, ip_network
from typing import Any

from provisioner.arm.network_watcher import (
    ENABLE_HINT,
    Flow,
    FlowVerdict,
    RuleHealth,
    Unsupported,
    Watcher,
    find_watcher,
    rule_health,
    verify_ip_flow,
)
from provisioner.arm.retry import Call, describe
from provisioner.arm.target import Target
from provisioner.compile import names
from provisioner.compile.desired import DesiredState, Kind, MappingRow
from provisioner.errors import ProvisionerError
from provisioner.guest.verify import SECURE_BY_DEFAULT
from provisioner.plan.mapping import nic_key

#: A client on the Internet, for public load balancers: a documentation address (RFC 5737),
#: never sent anything: it is only the source Network Watcher evaluates.
INTERNET_CLIENT = "198.51.100.250"
#: The client's source port (any port: the tool's NSG rules, like most, allow every source port).
CLIENT_PORT = 50000
#: HA ports rules carry every port: one TCP flow to this port stands for them.
HA_SAMPLE_PORT = 80
#: How many of Azure's long-running answers are awaited at once (each takes seconds on Azure).
PARALLEL = 8
#: How the local cloud names the verdict when no NSG applies at all (Azure publishes no rule
#: name for that case): ``…/DenyInboundFromOutsideVirtualNetwork`` is Standard's secure by
#: default, a public row with no NSG anywhere.
NO_NSG_PREFIX = "NoNetworkSecurityGroup/"


@dataclass(frozen=True)
class FlowQuestion:
    vm: str
    vm_id: str
    nic_id: str | None
    flow: Flow | None
    skipped: str = ""  # why the flow is not asked (flow is None)


@dataclass
class FlowAnswer:
    vm: str
    verdict: FlowVerdict | None
    note: str = ""  # why there is no verdict


@dataclass
class AzureRowCheck:
    row: MappingRow
    flows: list[FlowAnswer] = field(default_factory=list)
    health: RuleHealth | None = None
    health_note: str = ""

    @property
    def denied(self) -> list[FlowAnswer]:
        """The backends where an NSG denies the row. A deny only because no NSG exists at all
        (secure by default) counts as long as the data path's gate is off
        (``guest.verify.SECURE_BY_DEFAULT``, until the tool compiles NSGs): it is shown, and
        :attr:`AzureChecks.note` says what it means, but it does not fail the row."""
        return [
            f
            for f in self.flows
            if f.verdict is not None
            and f.verdict.access == "Deny"
            and (SECURE_BY_DEFAULT or not f.verdict.rule.startswith(NO_NSG_PREFIX))
        ]

    @property
    def closed_by_default(self) -> bool:
        """Some backend is closed only because no NSG applies (Standard's secure by default)."""
        return any(
            f.verdict is not None
            and f.verdict.access == "Deny"
            and f.verdict.rule.startswith(NO_NSG_PREFIX)
            for f in self.flows
        )

    @property
    def ok(self) -> bool:
        if self.denied:
            return False
        return self.health is None or self.health.up > 0 or not self.row.backends

    def nsg_text(self) -> str:
        """``Allow (rule)``, ``Deny at vm1 (rule)``, or why there is no verdict."""
        answered = [f for f in self.flows if f.verdict is not None]
        if not answered:
            notes = sorted({f.note for f in self.flows if f.note})
            return "not checked" + (f" ({'; '.join(notes)})" if notes else "")
        parts = []
        for access in ("Deny", "Allow"):
            group = [f for f in answered if f.verdict and f.verdict.access == access]
            if not group:
                continue
            rules = ", ".join(sorted({f.verdict.rule for f in group if f.verdict}))
            where = "" if len(group) == len(self.flows) else " at " + ", ".join(f.vm for f in group)
            parts.append(f"{access}{where} ({rules})")
        unanswered = [f for f in self.flows if f.verdict is None]
        if unanswered:
            parts.append("not checked at " + ", ".join(f.vm for f in unanswered))
        return "; ".join(parts)

    def health_text(self) -> str:
        if self.health is None:
            return f"health not checked ({self.health_note})" if self.health_note else ""
        down = [b for b in self.health.backends if b.state.lower() != "up"]
        text = f"{self.health.up} up, {self.health.down} down"
        if down:
            text += " (" + ", ".join(f"{b.address}: {b.reason or b.state}" for b in down) + ")"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "load_balancer": self.row.load_balancer,
            "rule": self.row.rule,
            "nsg": [
                {
                    "vm": f.vm,
                    "access": f.verdict.access if f.verdict else None,
                    "rule": f.verdict.rule if f.verdict else None,
                    "note": f.note,
                }
                for f in self.flows
            ],
            "health": None
            if self.health is None
            else {
                "up": self.health.up,
                "down": self.health.down,
                "backends": [
                    {"address": b.address, "state": b.state, "reason": b.reason}
                    for b in self.health.backends
                ],
            },
            "health_note": self.health_note,
            "ok": self.ok,
        }


@dataclass
class AzureChecks:
    watcher: Watcher | None
    note: str  # said once: Network Watcher absent (and how to enable it), or could not be asked
    rows: list[AzureRowCheck]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def as_dict(self) -> dict[str, Any]:
        return {
            "network_watcher": None
            if self.watcher is None
            else f"{self.watcher.resource_group}/{self.watcher.name}",
            "note": self.note,
            "rows": [r.as_dict() for r in self.rows],
            "ok": self.ok,
        }


#: Said when rows are denied only because no NSG exists (see :attr:`AzureRowCheck.denied`).
CLOSED_BY_DEFAULT = (
    "no NSG applies at the backends of {rows}: a Standard load balancer is closed to traffic"
    " from outside the virtual network until an NSG allows it (not counted as a failure until"
    " the tool writes NSGs)"
)


# --- deciding what to ask ---------------------------------------------------------------------


def _props(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (body or {}).get("properties") or {}


def vnet_client(state: DesiredState, live: Mapping[str, Any]) -> str | None:
    """An address inside the environment's virtual network standing for an internal client:
    the last host of its first address space."""
    for res in state.resources.values():
        if res.kind is not Kind.VIRTUAL_NETWORK:
            continue
        space = (_props(live.get(res.key)).get("addressSpace") or {}).get("addressPrefixes")
        for prefix in space or []:
            net = ip_network(prefix, strict=False)
            if net.version == 4 and net.num_addresses > 2:
                return str(net[-2])
    return None


def _public(state: DesiredState, row: MappingRow) -> bool:
    key = f"{Kind.LOAD_BALANCER.value}/{names.load_balancer(state.env, row.load_balancer)}"
    res = state.resources.get(key)
    for fe in getattr(getattr(res, "body", None), "frontend_ip_configurations", None) or []:
        if fe.name == row.frontend and getattr(fe, "public_ip_address", None) is not None:
            return True
    return False


def plan_flows(
    state: DesiredState,
    live: Mapping[str, Any],
    row: MappingRow,
    client: str | None = None,
) -> list[FlowQuestion]:
    """The IP flow verify questions for one row: one per backend. Pure."""
    source = client or (INTERNET_CLIENT if _public(state, row) else vnet_client(state, live))
    vm_keys = {r.vm_resource_key: r.vm for r in state.guest}
    out: list[FlowQuestion] = []
    ips = dict(zip(row.backends, row.backend_ips, strict=False))
    for vm in row.backends:
        vm_res = _vm_resource(state, vm, vm_keys)
        nic = nic_key(state, vm)
        nic_id = str((live.get(nic) or {}).get("id") or "") if nic else ""
        if vm_res is None:
            out.append(FlowQuestion(vm, "", None, None, "VM unknown"))
            continue
        local = row.frontend_ip if row.floating_ip else ips.get(vm, "")
        skipped = _why_not(local, source)
        if skipped:
            out.append(FlowQuestion(vm, vm_res, nic_id or None, None, skipped))
            continue
        protocol = row.protocol.upper()
        port = row.destination_port
        if protocol == "ALL":
            protocol, port = "TCP", HA_SAMPLE_PORT
        flow = Flow(protocol, local, port, str(source), CLIENT_PORT)
        out.append(FlowQuestion(vm, vm_res, nic_id or None, flow))
    return out


def _vm_resource(state: DesiredState, vm: str, by_key: Mapping[str, str]) -> str | None:
    for key, name in by_key.items():
        if name == vm and key in state.resources:
            return state.resources[key].id
    wanted = names.virtual_machine(state.env, vm)
    for res in state.resources.values():
        if res.kind is Kind.VIRTUAL_MACHINE and res.name == wanted:
            return res.id
    return None


def _why_not(local: str, source: str | None) -> str:
    try:
        address = ip_address(local)
    except ValueError:
        return "address not allocated yet"
    if address.version == 6:
        return "IPv6: IP flow verify takes IPv4 addresses only"
    if source is None:
        return "no client address (give one with --from)"
    return ""


# --- asking -------------------------------------------------------------------------------


def _why(exc: ProvisionerError) -> str:
    """A short reason: Azure's code and the first sentence of its message."""
    code = getattr(exc, "code", "")
    text = describe(exc).split(". ")[0].split("'/subscriptions")[0].strip(" .:")
    return f"{code}: {text}" if code and code not in text else text


def _rule_health(
    target: Target, state: DesiredState, row: MappingRow, call: Call
) -> tuple[RuleHealth | None, str]:
    lb = names.load_balancer(state.env, row.load_balancer)
    try:
        return rule_health(target, state.resource_group, lb, row.rule, call), ""
    except Unsupported as exc:
        return None, str(exc)
    except ProvisionerError as exc:
        return None, _why(exc)


def _find_watcher(target: Target, state: DesiredState, call: Call) -> tuple[Watcher | None, str]:
    """The region's Network Watcher, or None and the note that says why and what to do."""
    try:
        watcher = find_watcher(target, state.location, call)
    except ProvisionerError as exc:
        return None, f"Network Watcher could not be asked: {_why(exc)}"
    if watcher is None:
        return None, (
            f"Network Watcher is not enabled in {state.location}, so NSG verdicts were not"
            f" checked; enable it with: {ENABLE_HINT.format(region=state.location)}"
        )
    return watcher, ""


def check_azure(
    target: Target,
    state: DesiredState,
    rows: Iterable[MappingRow],
    live: Mapping[str, Any],
    call: Call,
    *,
    client: str | None = None,
) -> AzureChecks:
    """Ask Network Watcher about every row's flows and the load balancer about every rule.

    The same flow at the same NIC (two rows to one frontend port, say) is asked once, and up
    to :data:`PARALLEL` answers are awaited at once.
    """
    rows = list(rows)
    watcher, note = _find_watcher(target, state, call)
    questions = {id(row): plan_flows(state, live, row, client) for row in rows}
    unique = {
        (q.vm_id, q.nic_id, q.flow): q
        for qs in questions.values()
        for q in qs
        if q.flow is not None and watcher is not None
    }

    def ask(q: FlowQuestion) -> FlowAnswer:
        assert watcher is not None and q.flow is not None
        try:
            return FlowAnswer(
                q.vm, verify_ip_flow(target, watcher, q.vm_id, q.nic_id, q.flow, call)
            )
        except ProvisionerError as exc:
            return FlowAnswer(q.vm, None, _why(exc))

    def health(row: MappingRow) -> tuple[RuleHealth | None, str]:
        return _rule_health(target, state, row, call)

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = dict(zip(unique, pool.map(ask, unique.values()), strict=True))
        healths = list(pool.map(health, rows))
    checks: list[AzureRowCheck] = []
    for row, (row_health, health_note) in zip(rows, healths, strict=True):
        check = AzureRowCheck(row, health=row_health, health_note=health_note)
        for q in questions[id(row)]:
            if q.flow is None:
                check.flows.append(FlowAnswer(q.vm, None, q.skipped))
            elif watcher is None:
                check.flows.append(FlowAnswer(q.vm, None, "no Network Watcher"))
            else:
                check.flows.append(answers[(q.vm_id, q.nic_id, q.flow)])
        checks.append(check)
    closed = [f"{c.row.load_balancer}/{c.row.rule}" for c in checks if c.closed_by_default]
    if closed:
        note = "; ".join(x for x in (note, CLOSED_BY_DEFAULT.format(rows=", ".join(closed))) if x)
    return AzureChecks(watcher, note, checks)
