"""The topology as a picture's model: frontends → rules → pools → VMs, probes beside pools.

This is the data every drawing of ``provision graph`` (and the pictures ``status``, ``up`` and
``verify`` show) is rendered from; the renderers (a rich tree, Mermaid, DOT, SVG, HTML) live in
``provisioner.cli`` and decide nothing. A :class:`Picture` is built by a pure function from the
blueprint and its mapping rows: with the compiler's rows it shows what can be known before
anything exists (names, ports, Floating IP, "allocated at apply"); with the rows resolved from a
live environment (``plan.mapping.live_mapping``) it shows the allocated frontend and NIC
addresses. ``plan.picture_live`` builds one from live load balancer bodies alone, for ``status``
without a blueprint.

Each rule is one *path* (frontend → rule → pool → VMs) and carries a :class:`PathVerdicts` with a
slot per question a person asks about a row: is the guest ready (Floating IP loopback and
firewall), does the NSG admit it, are the backends up (probe health), did real traffic pass.
A slot stays ``None`` until something checked it; ``verify`` fills the guest and data-path slots,
and the NSG and backend-health slots are there for the NSG evaluation and probe health that the
cloud reads will give (``with_verdicts`` merges any of them in later, one row at a time).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from provisioner.blueprint.model import Blueprint
from provisioner.compile.desired import MappingRow
from provisioner.compile.mapping import ALLOCATED_AT_APPLY, UNKNOWN_IP, mapping_rows
from provisioner.compile.topology import Members

#: A VM's NIC address before Azure allocated it (dynamic private IP).
NIC_IP_AT_APPLY = "allocated at apply"

State = Literal["pass", "fail", "skipped"]

#: Verdict slots in the order they are drawn: attribute, the words a person reads.
SLOTS: tuple[tuple[str, str], ...] = (
    ("guest", "guest ready"),
    ("nsg", "NSG admits"),
    ("backends", "backends up"),
    ("datapath", "data path"),
)


@dataclass(frozen=True)
class Verdict:
    """One check's answer for one path: ``pass``, ``fail`` or ``skipped`` (not applicable or not
    possible here), with the reason a person reads beside it or on hover."""

    state: State
    reason: str = ""


@dataclass(frozen=True)
class PathVerdicts:
    """What was checked about one path; ``None`` means "not checked"."""

    guest: Verdict | None = None
    nsg: Verdict | None = None
    backends: Verdict | None = None
    datapath: Verdict | None = None

    def items(self) -> list[tuple[str, str, Verdict]]:
        """(slot, label, verdict) for every slot that was checked, in drawing order."""
        out = []
        for slot, label in SLOTS:
            verdict = getattr(self, slot)
            if verdict is not None:
                out.append((slot, label, verdict))
        return out

    @property
    def overall(self) -> State | None:
        """``fail`` if any check failed, ``pass`` if one passed and none failed, ``skipped`` if
        every check was skipped, ``None`` when nothing was checked."""
        states = {v.state for _, _, v in self.items()}
        if "fail" in states:
            return "fail"
        if "pass" in states:
            return "pass"
        return "skipped" if states else None

    def merged(self, other: PathVerdicts) -> PathVerdicts:
        """These verdicts with every slot ``other`` checked replaced by its answer."""
        return PathVerdicts(
            **{slot: getattr(other, slot) or getattr(self, slot) for slot, _ in SLOTS}
        )


@dataclass(frozen=True)
class FrontendNode:
    id: str
    load_balancer: str
    name: str
    address: str  # the IP, or "allocated at apply"
    public: bool
    ip_version: Literal["ipv4", "ipv6"] = "ipv4"


@dataclass(frozen=True)
class ProbeNode:
    id: str
    load_balancer: str
    name: str
    protocol: str  # Tcp | Http | Https
    port: int
    path: str | None = None


@dataclass(frozen=True)
class PoolNode:
    id: str
    load_balancer: str
    name: str
    vm_ids: tuple[str, ...]
    probe_ids: tuple[str, ...] = ()  # the probes of the rules that send to this pool


@dataclass(frozen=True)
class RuleNode:
    """One load-balancing rule: the middle of one path."""

    id: str
    load_balancer: str
    name: str
    frontend_id: str
    pool_id: str
    probe_id: str | None
    protocol: str  # Tcp | Udp | All
    frontend_port: int
    backend_port: int
    floating_ip: bool
    destination_ip: str  # the frontend IP (Floating IP) or "backend NIC IP"
    verdicts: PathVerdicts = field(default_factory=PathVerdicts)

    @property
    def ha_ports(self) -> bool:
        """Protocol all, port 0: every port of every TCP and UDP flow."""
        return self.protocol.lower() == "all" and self.frontend_port == 0


@dataclass(frozen=True)
class VmNode:
    id: str
    name: str
    os: str = "linux"
    nic_ip: str = NIC_IP_AT_APPLY
    nic_ipv6: str | None = None
    #: The frontend addresses on the guest's loopback: what the Floating IP rules need, or, once a
    #: check script ran (``loopback_checked``), what the guest actually holds.
    loopback: tuple[str, ...] = ()
    loopback_checked: bool = False
    guest: Verdict | None = None


@dataclass(frozen=True)
class LoadBalancerGroup:
    name: str
    type: Literal["public", "internal"]
    frontends: tuple[FrontendNode, ...]
    rules: tuple[RuleNode, ...]
    pools: tuple[PoolNode, ...]
    probes: tuple[ProbeNode, ...]


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: Literal["frontend-rule", "rule-pool", "pool-vm", "probe-pool"]
    rule_id: str | None = None  # the path a frontend-rule / rule-pool edge belongs to


@dataclass(frozen=True)
class Picture:
    """Everything one drawing shows, in blueprint order (so every drawing is deterministic)."""

    title: str
    load_balancers: tuple[LoadBalancerGroup, ...]
    vms: tuple[VmNode, ...]
    env: str | None = None
    source: Literal["blueprint", "live"] = "blueprint"
    description: str | None = None

    def rules(self) -> Iterator[RuleNode]:
        for lb in self.load_balancers:
            yield from lb.rules

    def vm(self, vm_id: str) -> VmNode | None:
        return self._vms_by_id.get(vm_id)

    @functools.cached_property
    def _vms_by_id(self) -> dict[str, VmNode]:
        return {v.id: v for v in self.vms}

    def edges(self) -> list[Edge]:
        """Every line of the drawing: per path frontend → rule → pool, then pool → VM and probe
        — pool once per pair, in blueprint order."""
        out: list[Edge] = []
        for lb in self.load_balancers:
            for rule in lb.rules:
                out.append(Edge(rule.frontend_id, rule.id, "frontend-rule", rule.id))
                out.append(Edge(rule.id, rule.pool_id, "rule-pool", rule.id))
            for pool in lb.pools:
                out += [Edge(pool.id, vm, "pool-vm") for vm in pool.vm_ids]
                out += [Edge(probe, pool.id, "probe-pool") for probe in pool.probe_ids]
        return out

    def counts(self) -> dict[str, int]:
        lbs = self.load_balancers
        return {
            "load_balancers": len(lbs),
            "frontends": sum(len(lb.frontends) for lb in lbs),
            "rules": sum(len(lb.rules) for lb in lbs),
            "pools": sum(len(lb.pools) for lb in lbs),
            "probes": sum(len(lb.probes) for lb in lbs),
            "vms": len(self.vms),
        }

    def verdict_counts(self) -> dict[str, int]:
        """Paths by overall verdict: pass, fail, skipped and ``unchecked``."""
        out = {"pass": 0, "fail": 0, "skipped": 0, "unchecked": 0}
        for rule in self.rules():
            out[rule.verdicts.overall or "unchecked"] += 1
        return out


def subset(picture: Picture, lb_name: str, frontend_ids: Iterable[str] | None = None) -> Picture:
    """One load balancer of ``picture`` (only the paths of ``frontend_ids``, when given) with the
    pools, probes and VMs those paths reach: the unit a large report draws at a time."""
    lb = next(g for g in picture.load_balancers if g.name == lb_name)
    if frontend_ids is not None:
        wanted = set(frontend_ids)
        rules = tuple(r for r in lb.rules if r.frontend_id in wanted)
        used = {r.pool_id for r in rules}
        probes_used = {r.probe_id for r in rules if r.probe_id}
        pools = tuple(
            dataclasses.replace(p, probe_ids=tuple(q for q in p.probe_ids if q in probes_used))
            for p in lb.pools
            if p.id in used
        )
        lb = dataclasses.replace(
            lb,
            frontends=tuple(f for f in lb.frontends if f.id in wanted),
            rules=rules,
            pools=pools,
            probes=tuple(q for q in lb.probes if q.id in probes_used),
        )
    vm_ids = {vm for p in lb.pools for vm in p.vm_ids}
    return dataclasses.replace(
        picture,
        load_balancers=(lb,),
        vms=tuple(v for v in picture.vms if v.id in vm_ids),
    )


# --- ids --------------------------------------------------------------------------------------


def frontend_id(lb: str, name: str) -> str:
    return f"frontend:{lb}/{name}"


def rule_id(lb: str, name: str) -> str:
    return f"rule:{lb}/{name}"


def pool_id(lb: str, name: str) -> str:
    return f"pool:{lb}/{name}"


def probe_id(lb: str, name: str) -> str:
    return f"probe:{lb}/{name}"


def vm_id(name: str) -> str:
    return f"vm:{name}"


# --- from a blueprint -------------------------------------------------------------------------


def blueprint_picture(
    bp: Blueprint,
    rows: Sequence[MappingRow] | None = None,
    *,
    env: str | None = None,
    source: Literal["blueprint", "live"] = "blueprint",
) -> Picture:
    """The picture of ``bp``; ``rows`` (default: the compiler's) give the addresses.

    With live rows (``live_mapping``) the frontend and NIC addresses are Azure's; without, a
    static internal frontend or a VM's static ``private_ip`` is shown and everything else reads
    "allocated at apply".
    """
    members = Members(bp)
    rows = tuple(rows) if rows is not None else mapping_rows(bp, members)
    by_rule = {(r.load_balancer, r.rule): r for r in rows}
    fronts = {(r.load_balancer, r.frontend): r.frontend_ip for r in rows}
    groups = tuple(_lb_group(bp, name, members, by_rule, fronts) for name in bp.load_balancers)
    return Picture(
        title=bp.name,
        load_balancers=groups,
        vms=_vm_nodes(bp, rows, groups),
        env=env,
        source=source,
        description=bp.description,
    )


def _lb_group(
    bp: Blueprint,
    lb_name: str,
    members: Members,
    by_rule: Mapping[tuple[str, str], MappingRow],
    fronts: Mapping[tuple[str, str], str],
) -> LoadBalancerGroup:
    lb = bp.load_balancers[lb_name]
    public = lb.type == "public"
    frontends = tuple(
        FrontendNode(
            frontend_id(lb_name, name),
            lb_name,
            name,
            fronts.get((lb_name, name)) or _static_frontend(public, fe.private_ip),
            public,
            fe.ip_version,
        )
        for name, fe in lb.frontends.items()
    )
    rules = []
    for name, rule in lb.rules.items():
        row = by_rule.get((lb_name, name))
        address = row.frontend_ip if row else _static_frontend(public, None)
        rules.append(
            RuleNode(
                id=rule_id(lb_name, name),
                load_balancer=lb_name,
                name=name,
                frontend_id=frontend_id(lb_name, rule.frontend),
                pool_id=pool_id(lb_name, rule.pool),
                probe_id=probe_id(lb_name, rule.probe) if rule.probe else None,
                protocol=row.protocol if row else rule.protocol.capitalize(),
                frontend_port=rule.port,
                backend_port=rule.effective_backend_port,
                floating_ip=rule.floating_ip,
                destination_ip=row.destination_ip if row else address,
            )
        )
    probes_of: dict[str, list[str]] = {}
    for rule in lb.rules.values():
        if rule.probe and rule.probe in lb.probes:
            probes_of.setdefault(rule.pool, []).append(probe_id(lb_name, rule.probe))
    pools = tuple(
        PoolNode(
            pool_id(lb_name, name),
            lb_name,
            name,
            tuple(vm_id(vm) for vm in members.of(pool.vms)),
            tuple(dict.fromkeys(probes_of.get(name, []))),
        )
        for name, pool in lb.pools.items()
    )
    probes = tuple(
        ProbeNode(probe_id(lb_name, name), lb_name, name, p.protocol.capitalize(), p.port, p.path)
        for name, p in lb.probes.items()
    )
    return LoadBalancerGroup(lb_name, lb.type, frontends, tuple(rules), pools, probes)


def _static_frontend(public: bool, private_ip: str | None) -> str:
    return private_ip if not public and private_ip else ALLOCATED_AT_APPLY


def _vm_nodes(
    bp: Blueprint, rows: Sequence[MappingRow], groups: Sequence[LoadBalancerGroup]
) -> tuple[VmNode, ...]:
    """Every VM in a pool (in pool order, then the rest), with NIC and loopback addresses."""
    v4, v6 = _nic_addresses(rows)
    loopback: dict[str, list[str]] = {}
    for row in rows:
        if not row.floating_ip:
            continue
        held = row.frontend_ip
        if held == ALLOCATED_AT_APPLY:
            held = f"{row.frontend} IP ({ALLOCATED_AT_APPLY})"
        for vm in row.backends:
            loopback.setdefault(vm, [])
            if held not in loopback[vm]:
                loopback[vm].append(held)
    in_pools = [vm[len("vm:") :] for g in groups for p in g.pools for vm in p.vm_ids]
    expanded = bp.expanded_vms()
    order = list(dict.fromkeys([*in_pools, *expanded]))
    out = []
    for name in order:
        spec = expanded.get(name, (name, None))[1]
        static = spec.private_ip if spec is not None else None
        out.append(
            VmNode(
                id=vm_id(name),
                name=name,
                os=spec.os if spec is not None else "linux",
                nic_ip=v4.get(name) or static or NIC_IP_AT_APPLY,
                nic_ipv6=v6.get(name) or (NIC_IP_AT_APPLY if spec and spec.ipv6 else None),
                loopback=tuple(loopback.get(name, ())),
            )
        )
    return tuple(out)


def _nic_addresses(rows: Iterable[MappingRow]) -> tuple[dict[str, str], dict[str, str]]:
    v4: dict[str, str] = {}
    v6: dict[str, str] = {}
    for row in rows:
        target = v6 if row.ip_version == "ipv6" or ":" in row.frontend_ip else v4
        for vm, ip in zip(row.backends, row.backend_ips, strict=False):
            if ip and ip != UNKNOWN_IP:
                target.setdefault(vm, ip)
    return v4, v6


# --- verdicts ---------------------------------------------------------------------------------


def with_verdicts(
    picture: Picture,
    paths: Mapping[tuple[str, str], PathVerdicts],
    vms: Mapping[str, tuple[Verdict | None, tuple[str, ...] | None]] | None = None,
) -> Picture:
    """``picture`` with verdicts merged in.

    ``paths`` maps (load balancer, rule) — the names the picture shows — to the slots checked for
    that path (slots left ``None`` keep what the picture had). ``vms`` maps a VM name to its guest
    verdict and, when a check script ran, the loopback addresses the guest holds.
    """
    lbs = []
    for lb in picture.load_balancers:
        rules = tuple(
            dataclasses.replace(r, verdicts=r.verdicts.merged(paths[(lb.name, r.name)]))
            if (lb.name, r.name) in paths
            else r
            for r in lb.rules
        )
        lbs.append(dataclasses.replace(lb, rules=rules))
    nodes = []
    for vm in picture.vms:
        verdict, held = (vms or {}).get(vm.name, (None, None))
        if verdict is not None:
            vm = dataclasses.replace(vm, guest=verdict)
        if held is not None:
            vm = dataclasses.replace(vm, loopback=tuple(held), loopback_checked=True)
        nodes.append(vm)
    return dataclasses.replace(picture, load_balancers=tuple(lbs), vms=tuple(nodes))


def guest_verdict(floating_ip: bool, converged: Sequence[str], missing: Sequence[str]) -> Verdict:
    """A path's guest slot from ``verify``'s check: a Floating IP path needs every backend's
    guest to hold its frontend IP (and open its port); other paths need nothing of the guest."""
    if not floating_ip:
        return Verdict("skipped", "no guest setup needed (no Floating IP)")
    if missing:
        ready = f"; ready on {', '.join(converged)}" if converged else ""
        return Verdict("fail", f"guest not ready on {', '.join(missing)}{ready}")
    if not converged:
        return Verdict("skipped", "no backend VM in the pool")
    return Verdict("pass", f"guest ready on {', '.join(converged)}")


def datapath_verdict(ok: bool, detail: str, served_by: Sequence[str] = ()) -> Verdict:
    """A path's data-path slot from real packets (``verify --datapath``)."""
    by = f" (answered by {', '.join(served_by)})" if served_by and ok else ""
    return Verdict("pass" if ok else "fail", (detail or ("passed" if ok else "failed")) + by)


def connect_verdict(probe: str) -> Verdict | None:
    """A path's data-path slot from ``verify``'s TCP connect to a public frontend (Azure)."""
    if not probe:
        return None
    if probe == "open":
        return Verdict("pass", "TCP connect to the frontend succeeded")
    if probe.startswith("skipped"):
        return Verdict("skipped", probe)
    return Verdict("fail", f"TCP connect to the frontend: {probe}")


def with_guest_results(picture: Picture, results: Mapping[str, tuple[bool, str]]) -> Picture:
    """``picture`` with a guest step's outcome: ``results`` maps a VM name to (ready, detail).

    Each VM gets its verdict; each Floating IP path whose backends the step covered gets its guest
    slot from them (:func:`guest_verdict`); a VM the step did not cover stays unchecked.
    """
    names = {v.id: v.name for v in picture.vms}
    paths: dict[tuple[str, str], PathVerdicts] = {}
    for lb in picture.load_balancers:
        pools = {p.id: p for p in lb.pools}
        for rule in lb.rules:
            pool = pools.get(rule.pool_id)
            vms = [names.get(v, v) for v in (pool.vm_ids if pool else ())]
            covered = [vm for vm in vms if vm in results]
            if not rule.floating_ip or not covered:
                continue
            ready = [vm for vm in covered if results[vm][0]]
            missing = [vm for vm in covered if not results[vm][0]]
            paths[(lb.name, rule.name)] = PathVerdicts(guest=guest_verdict(True, ready, missing))
    vms = {
        name: (Verdict("pass" if ready else "fail", detail), None)
        for name, (ready, detail) in results.items()
    }
    return with_verdicts(picture, paths, vms)
