"""``provision verify``: the mapping table checked against what the guests hold, and (locally)
against real packets.

Without the data path, each VM's check script runs (``run_guest_step(mode="check")``) and every
mapping row is shown with the VMs whose guest holds the row's frontend IP and opens its port;
on Azure a public TCP frontend also gets a TCP connect from where ``verify`` runs (the local
cloud's public addresses are documentation addresses, so that probe is skipped there).

With the data path (Linux, root, network namespaces) the environment's live addresses — NIC IPs,
frontend IPs (public documentation addresses included: they exist only inside the namespaces)
and the mapping rows — become a ``datapath.Topology``; the Linux apply scripts that ``up``
delivers are run in the VM namespaces and real TCP/UDP traffic is sent per row. The NSGs Azure
says are in force at each backend NIC (``arm.security``) stand in front of its namespace, so a
row an NSG blocks fails, naming the rule; rows of internal frontends are sent from an address
inside the virtual network, the others from outside it.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface, ip_address, ip_interface, ip_network
from typing import Any

from azure.core.exceptions import HttpResponseError

from provisioner.arm.reads import read_desired
from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, describe, retrying_call
from provisioner.arm.security import effective_security_groups
from provisioner.arm.target import Target
from provisioner.compile import names
from provisioner.compile.desired import DesiredState, Kind, MappingRow
from provisioner.guest.datapath import BackendVM, MappingRule, RowResult, Topology
from provisioner.guest.datapath_security import SecurityError, VmSecurity, from_effective
from provisioner.guest.render import render_apply
from provisioner.guest.resolve import resolve
from provisioner.guest.spec import GuestScript, GuestSpecError, Listener, parse_address
from provisioner.guest.step import GuestStepReport
from provisioner.plan.mapping import live_mapping, nic_addresses

#: How long the TCP connect probe to a public frontend waits.
PROBE_TIMEOUT_S = 3.0


class NotCapable(RuntimeError):
    """The data path cannot be built from this environment or on this machine."""


@dataclass
class RowCheck:
    """One mapping row with what the guests and (on Azure) a connect probe said."""

    row: MappingRow
    converged: tuple[str, ...]  # VMs whose guest holds this row's IP and opens its port
    missing: tuple[str, ...]  # VMs that should but do not
    probe: str = ""  # "", "open", "refused / timed out: …", "skipped: …"

    @property
    def ok(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        r = self.row
        return {
            "load_balancer": r.load_balancer,
            "rule": r.rule,
            "frontend_ip": r.frontend_ip,
            "protocol": r.protocol,
            "frontend_port": r.frontend_port,
            "destination_ip": r.destination_ip,
            "destination_port": r.destination_port,
            "floating_ip": r.floating_ip,
            "backends": list(r.backends),
            "converged": list(self.converged),
            "missing": list(self.missing),
            "probe": self.probe,
            "ok": self.ok,
        }


def live_rows(
    target: Target, state: DesiredState, *, policy: RetryPolicy = DEFAULT_POLICY
) -> tuple[tuple[MappingRow, ...], dict[str, Any]]:
    """The mapping table with live addresses, and the live bodies it was read from."""
    live = read_desired(target, state, retrying_call(target, policy))
    return live_mapping(state, live), live


def _holds(row: MappingRow, report: Any, cfg: Any) -> bool:
    """Whether one VM's check report covers ``row`` (its frontend IP, protocol and port)."""
    if report is None or cfg is None:
        return False
    try:
        wanted = Listener(
            parse_address(row.frontend_ip),
            row.protocol.lower(),  # type: ignore[arg-type]
            0 if row.protocol.lower() == "all" else row.destination_port,
        )
    except GuestSpecError:
        return False
    if str(wanted.address) not in {str(parse_address(a)) for a in report.addresses}:
        return False
    if cfg.firewall == "off" or report.backend == "none":
        return True
    return wanted in set(report.open)


def tcp_probe(address: str, port: int, timeout: float = PROBE_TIMEOUT_S) -> str:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return "open"
    except OSError as exc:
        return f"no connection: {exc.strerror or exc}"


def check_rows(
    rows: Iterable[MappingRow],
    report: GuestStepReport,
    *,
    probe: Callable[[str, int], str] | None = None,
    public: Callable[[MappingRow], bool] = lambda r: False,
) -> list[RowCheck]:
    """Per row: the backends whose guest is ready for it (Floating IP rows only need one)."""
    by_vm = {r.vm: r for r in report.results}
    out: list[RowCheck] = []
    for row in rows:
        converged: list[str] = []
        lacking: list[str] = []
        if row.floating_ip:
            for vm in row.backends:
                res = by_vm.get(vm)
                ready = res is not None and _holds(row, res.report, res.config)
                (converged if ready else lacking).append(vm)
        probe_text = ""
        if probe is not None and public(row) and row.protocol.lower() == "tcp":
            probe_text = probe(row.frontend_ip, row.frontend_port)
        out.append(RowCheck(row, tuple(converged), tuple(lacking), probe_text))
    return out


def public_frontends(state: DesiredState) -> Callable[[MappingRow], bool]:
    """Whether a row's frontend is public: its load balancer's body gives it a public IP."""
    public: set[tuple[str, str]] = set()
    for row in state.mapping:
        key = f"{Kind.LOAD_BALANCER.value}/{names.load_balancer(state.env, row.load_balancer)}"
        res = state.resources.get(key)
        for fe in getattr(getattr(res, "body", None), "frontend_ip_configurations", None) or []:
            if fe.name == row.frontend and getattr(fe, "public_ip_address", None) is not None:
                public.add((row.load_balancer, row.frontend))
    return lambda row: (row.load_balancer, row.frontend) in public


# --- the data path ----------------------------------------------------------------------------

#: Client addresses for the data path, tried in order; the first that overlaps no frontend or NIC
#: network is used. They exist only inside the client namespace.
CLIENT_V4 = ("100.64.0.10/24", "100.65.0.10/24", "172.31.250.10/24")
CLIENT_V6 = ("2001:db8:c1::10/64", "2001:db8:c2::10/64")  # global unicast: Internet

#: Standard SKU's secure-by-default in the data path and in ``verify``: with no NSG on the subnet or
#: the NIC, traffic from outside the virtual network is dropped (as on Azure). The tool compiles an
#: NSG for every blueprint unless ``security: none`` is acknowledged, and then this is what that
#: blueprint gets.
SECURE_BY_DEFAULT = True


def _nic_body(state: DesiredState, live: dict[str, Any], vm: str) -> dict[str, Any] | None:
    """The live NIC of a blueprint VM (owned, or an adopted VM's)."""
    for res in state.resources.values():
        if res.kind is not Kind.NETWORK_INTERFACE:
            continue
        if res.name == names.network_interface(state.env, vm) or res.name.lower() == vm.lower():
            return live.get(res.key)
    return None


def _vnet_prefixes(live: dict[str, Any], nic: dict[str, Any]) -> list[str]:
    """The address space of the virtual network the NIC's first IP configuration is in."""
    confs = (nic.get("properties") or {}).get("ipConfigurations") or []
    subnet = str(((confs[0].get("properties") or {}).get("subnet") or {}).get("id") or "")
    vnet_id = subnet.lower().rsplit("/subnets/", 1)[0]
    for body in live.values():
        if body and str(body.get("id", "")).lower() == vnet_id:
            space = (body.get("properties") or {}).get("addressSpace") or {}
            return list(space.get("addressPrefixes") or [])
    return []


def _standard_lbs(state: DesiredState, live: dict[str, Any]) -> dict[str, bool]:
    """Blueprint VM name → whether a Standard load balancer's rule reaches it."""
    out: dict[str, bool] = {}
    for row in state.mapping:
        key = f"{Kind.LOAD_BALANCER.value}/{names.load_balancer(state.env, row.load_balancer)}"
        sku = ((live.get(key) or {}).get("sku") or {}).get("name")
        for vm in row.backends:
            out[vm] = out.get(vm, False) or sku == "Standard"
    return out


def read_security(
    target: Target,
    state: DesiredState,
    live: dict[str, Any],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> dict[str, VmSecurity]:
    """Per backend VM, what Azure says stands in front of its NIC (effective NSGs), with its
    virtual network's address space and whether Standard's secure-by-default applies."""
    call = retrying_call(target, policy)
    standard = _standard_lbs(state, live)
    out: dict[str, VmSecurity] = {}
    for vm in sorted({vm for row in state.mapping for vm in row.backends}):
        nic = _nic_body(state, live, vm)
        if not nic or not nic.get("id"):
            continue
        try:
            groups = effective_security_groups(target, nic["id"], call)
            out[vm] = from_effective(groups, _vnet_prefixes(live, nic), standard.get(vm, False))
        except (HttpResponseError, SecurityError) as exc:
            text = describe(exc) if isinstance(exc, HttpResponseError) else str(exc)
            raise NotCapable(f"{vm}: cannot read the NSGs in force at its NIC: {text}") from exc
    return out


def _inside_client(state: DesiredState, live: dict[str, Any], avoid: set[Any]) -> Any:
    """An address in the virtual network's space but in none of its subnets (a client "inside
    the virtual network" that the hop can route on its own), or None when there is no room."""
    subnets = _subnets(state, live)
    for res in state.resources.values():
        if res.kind is not Kind.VIRTUAL_NETWORK:
            continue
        space = ((live.get(res.key) or {}).get("properties") or {}).get("addressSpace") or {}
        for prefix in space.get("addressPrefixes") or []:
            net = ip_network(prefix, strict=False)
            if net.version != 4 or net.num_addresses < 4:
                continue
            for offset in range(2, min(net.num_addresses - 1, 1024)):
                host = net[-offset]
                if host not in avoid and not any(host in s for s in subnets if s.version == 4):
                    return ip_interface(f"{host}/32")
    return None


def _subnets(state: DesiredState, live: dict[str, Any]) -> list[Any]:
    nets = []
    for res in state.resources.values():
        if res.kind is not Kind.VIRTUAL_NETWORK:
            continue
        body = live.get(res.key) or {}
        for sub in (body.get("properties") or {}).get("subnets") or []:
            props = sub.get("properties") or {}
            prefixes = list(props.get("addressPrefixes") or [])
            if props.get("addressPrefix"):
                prefixes.append(props["addressPrefix"])
            for p in prefixes:
                try:
                    nets.append(ip_network(p, strict=False))
                except ValueError:
                    continue
    return nets


def _interface(address: str, nets: list[Any]) -> IPv4Interface | IPv6Interface:
    ip = ip_address(address)
    for net in nets:
        if net.version == ip.version and ip in net:
            return ip_interface(f"{ip}/{net.prefixlen}")  # type: ignore[return-value]
    return ip_interface(f"{ip}/{24 if ip.version == 4 else 64}")  # type: ignore[return-value]


def _client(candidates: Iterable[str], avoid: set[Any], networks: list[Any]) -> Any:
    for text in candidates:
        item = ip_interface(text)
        if not any(a in item.network for a in avoid) and not any(
            n.version == item.version and n.overlaps(item.network) for n in networks
        ):
            return item
    raise NotCapable("no free client address for the data path")


@dataclass
class DatapathInput:
    topology: Topology
    scripts: dict[str, GuestScript]
    skipped: list[str] = field(default_factory=list)  # rows left out, with why


def datapath_input(
    state: DesiredState,
    live: dict[str, Any],
    security: dict[str, VmSecurity] | None = None,
    *,
    secure_by_default: bool | None = None,
) -> DatapathInput:
    """The data-path topology and Linux apply scripts for an environment's live state.

    ``security`` (from :func:`read_security`) puts each VM's NSGs in front of its namespace;
    ``secure_by_default`` (default :data:`SECURE_BY_DEFAULT`) also drops traffic from outside
    the virtual network at a Standard backend with no NSG."""
    if secure_by_default is None:
        secure_by_default = SECURE_BY_DEFAULT
    security = security or {}
    public = public_frontends(state)
    rows = live_mapping(state, live)
    v4, v6 = nic_addresses(state, live)
    nets = _subnets(state, live)
    os_of = {req.vm: req.os for req in state.guest}
    skipped: list[str] = []
    rules: list[MappingRule] = []
    for row in rows:
        label = f"{row.load_balancer}/{row.rule}"
        protocol = row.protocol.lower()
        if protocol not in ("tcp", "udp"):
            skipped.append(f"{label}: protocol {row.protocol} (HA ports) is not sent")
            continue
        windows = [vm for vm in row.backends if os_of.get(vm) == "windows"]
        if windows:
            skipped.append(f"{label}: Windows backends {', '.join(windows)} (Linux only)")
            continue
        try:
            frontend = parse_address(row.frontend_ip)
        except GuestSpecError:
            skipped.append(f"{label}: frontend IP not allocated ({row.frontend_ip})")
            continue
        nic = v6 if frontend.version == 6 else v4
        absent = [vm for vm in row.backends if vm not in nic]
        if absent or not row.backends:
            skipped.append(f"{label}: no NIC address for {', '.join(absent) or 'an empty pool'}")
            continue
        rules.append(
            MappingRule(
                frontend_ip=frontend,
                protocol=protocol,  # type: ignore[arg-type]
                frontend_port=row.frontend_port,
                floating=row.floating_ip,
                backend_port=row.destination_port,
                pool=tuple(row.backends),
                name=label,
                inside=not public(row),
            )
        )
    if not rules:
        raise NotCapable("no mapping row can be sent: " + ("; ".join(skipped) or "no rules"))
    vm_names = list(dict.fromkeys(vm for r in rules for vm in r.pool))
    vms = []
    for vm in vm_names:
        nic = [_interface(v4[vm], nets)] if vm in v4 else []
        if vm in v6 and any(r.frontend_ip.version == 6 and vm in r.pool for r in rules):
            nic.append(_interface(v6[vm], nets))
        vms.append(BackendVM(vm, tuple(nic), security.get(vm)))
    avoid = {r.frontend_ip for r in rules} | {i.ip for b in vms for i in b.nic}
    networks = [i.network for b in vms for i in b.nic]
    client = [_client(CLIENT_V4, avoid, networks)]
    if any(r.frontend_ip.version == 6 for r in rules):
        client.append(_client(CLIENT_V6, avoid, networks))
    inside = _inside_client(state, live, avoid) if any(r.inside for r in rules) else None
    if inside is None:  # no room in the address space: internal rows are sent from outside
        rules = [dataclasses.replace(r, inside=False) for r in rules]
    scripts: dict[str, GuestScript] = {}
    for req in state.guest:
        if req.vm not in vm_names:
            continue
        resolved = resolve(state, live, req)
        if resolved.config is None:
            raise NotCapable(f"{req.vm}: {resolved.problem}")
        scripts[req.vm] = render_apply(resolved.config)
    topo = Topology(
        client=tuple(client),
        vms=tuple(vms),
        rows=tuple(rules),
        inside_client=(inside,) if inside is not None else (),
        enforce_secure_by_default=secure_by_default,
    )
    return DatapathInput(topo, scripts, skipped)


def row_results_as_dicts(results: Iterable[RowResult]) -> list[dict[str, Any]]:
    return [
        {
            "rule": r.row.label,
            "frontend": f"{r.row.frontend_ip}:{r.row.frontend_port}/{r.row.protocol}",
            "floating_ip": r.row.floating,
            "ok": r.ok,
            "served_by": list(r.served_by),
            "reply_from": r.reply_from,
            "detail": r.detail,
        }
        for r in results
    ]
