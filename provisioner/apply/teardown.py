"""Destroy everything one environment owns, and say precisely what could not be destroyed.

Ownership is the pair of tags ``provisioner-managed=true`` and ``provisioner-env=<env>``; nothing
without both is ever deleted. The fast path deletes the environment's resource group in one call,
but only when the environment created it (the group carries our tags) and the group holds nothing
else. Otherwise resources go one by one, dependents first (VMs → NICs → load balancers → public
IPs → VNet → group), retrying the ordering conflicts Azure reports while a dependent is still
going away. Adopted NICs (brownfield VMs a blueprint joined to our pools) are detached first, or
the load balancer could not be deleted. What must stay (``keep``: the ownership analysis of
``provisioner.envs.ownership`` found something outside the environment using it) is skipped with
everything it uses, and reported. ``down`` and ``cleanup`` both reach this function through
``provisioner.envs.destroy``, so there is one deletion path; it keeps no state outside its
arguments.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from provisioner.apply import operations
from provisioner.apply.events import Event, EventSink, State, ignore
from provisioner.apply.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
    error_codes,
    retrying_call,
)
from provisioner.compile.desired import Kind
from provisioner.compile.ids import nic_of, resource_group_of
from provisioner.compile.ids import top_level_id as top_level
from provisioner.plan.live import (
    KIND_OF_TYPE,
    LiveResource,
    get_body,
    is_owned,
    list_tagged,
)
from provisioner.plan.planner import DELETE_ORDER

#: Codes Azure gives while something that uses a resource is still being deleted.
IN_USE_CODES = frozenset(
    c.lower()
    for c in (
        "InUseSubnetCannotBeDeleted",
        "InUseNetworkInterfaceCannotBeDeleted",
        "NicInUse",
        "PublicIPAddressCannotBeDeleted",
        "PublicIPAddressInUse",
        "LoadBalancerInUseByVirtualMachineScaleSet",
        "InUseLoadBalancerCannotBeDeleted",
        "ResourceGroupDeletionBlocked",
        "CannotDeleteResource",
        "OperationNotAllowed",
        "Conflict",
    )
)

#: Ordering conflicts are retried a few times only: a real blocker must be reported, not waited on.
IN_USE_POLICY = RetryPolicy(attempts=6, total_seconds=600.0, base_delay=2.0, max_delay=30.0)


def in_use(exc: BaseException) -> bool:
    if not isinstance(exc, HttpResponseError) or exc.status_code not in (400, 409):
        return False
    codes = {c.lower() for c in error_codes(exc)}
    return bool(codes & IN_USE_CODES) or "in use" in describe(exc).lower()


@dataclass(frozen=True)
class Leftover:
    id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "reason": self.reason}


@dataclass
class TeardownReport:
    env: str
    deleted: list[str] = field(default_factory=list)
    left: list[Leftover] = field(default_factory=list)
    resource_groups_deleted: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: ``down`` with a blueprint: the guest removal on brownfield VMs (a ``GuestStepReport``).
    guest: Any = None

    @property
    def ok(self) -> bool:
        return not self.left and (self.guest is None or bool(self.guest.ok))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "env": self.env,
            "deleted": list(self.deleted),
            "resource_groups_deleted": list(self.resource_groups_deleted),
            "left": [x.as_dict() for x in self.left],
            "guest": self.guest.as_dict() if self.guest is not None else None,
            "seconds": round(self.seconds, 3),
        }


def destroy_environment(
    target: Any,
    env: str,
    *,
    keep: Mapping[str, str] = MappingProxyType({}),
    owned: Sequence[LiveResource] | None = None,
    adopted_nics: Collection[str] = (),
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """Delete every resource ``env`` owns in ``target``; report what remains and why.

    ``keep`` (id → reason) names resources that must stay (the ownership analysis found
    something outside the environment using them): they, and everything they use in turn, are
    skipped and reported, and a group holding one is never deleted whole. ``owned`` is the
    environment's resources when the caller already listed them (cleanup lists the subscription
    once for every environment). ``adopted_nics`` are the ids of NICs a blueprint declares
    adopted (brownfield VMs joined to our pools): only those are taken out of our pools before a
    load balancer is deleted; any other foreign NIC in a pool is never edited.
    """
    started = time.monotonic()
    report = TeardownReport(env)

    call = retrying_call(target, policy)

    owned = list(owned) if owned is not None else list_tagged(target, env, call)
    kept = pinned(target, owned, keep, call)
    for rid, (shown, reason) in kept.items():
        report.left.append(Leftover(shown, reason))
        res = next((r for r in owned if r.id.lower() == rid), None)
        key = res.key if res is not None else shown.split("/providers/")[-1]
        events(Event(key, "delete", State.SKIPPED, message=reason))
    held = {resource_group_of(rid) for rid in kept if _kind_of_id(rid) is not Kind.RESOURCE_GROUP}
    groups = [r for r in owned if r.kind is Kind.RESOURCE_GROUP and r.id.lower() not in kept]
    members = [r for r in owned if r.kind is not Kind.RESOURCE_GROUP and r.id.lower() not in kept]

    for group in groups:
        if group.name.lower() in held:
            continue  # holds something that stays: never deleted whole
        foreign = _foreign_members(target, group.name, env, owned, call)
        if foreign:
            continue  # the slow path below; the group goes only if it ends up empty
        _delete(target, group, report, events, call_policy=policy)
        gone = group.name.lower()
        members = [m for m in members if m.resource_group.lower() != gone]
        if group.id in report.deleted:
            report.resource_groups_deleted.append(group.name)

    owned_ids = {m.id.lower() for m in members}
    adopted = {a.lower() for a in adopted_nics}
    for kind in DELETE_ORDER:
        batch = [m for m in members if m.kind is kind]
        if kind is Kind.RESOURCE_GROUP or not batch:
            continue
        if kind is Kind.LOAD_BALANCER and adopted:
            for lb in batch:
                _detach_adopted_nics(target, lb, owned_ids, adopted, call, report)
        with ThreadPoolExecutor(max_workers=max(1, max_parallel)) as pool:
            list(pool.map(lambda r: _delete(target, r, report, events, policy), batch))
    for m in members:
        if m.kind is None:
            report.left.append(Leftover(m.id, f"type {m.type} is not one provisioner deletes"))

    for group in groups:
        if group.name in report.resource_groups_deleted or group.id in report.deleted:
            continue
        if group.name.lower() in held:
            names = sorted(
                shown.split("/")[-1]
                for rid, (shown, _) in kept.items()
                if resource_group_of(rid) == group.name.lower()
            )
            report.left.append(
                Leftover(
                    group.id,
                    f"holds resources left ({', '.join(names[:5])}); kept, its other "
                    "resources deleted",
                )
            )
            continue
        foreign = _foreign_members(target, group.name, env, [], call)
        if foreign:
            report.left.append(
                Leftover(
                    group.id,
                    f"holds {len(foreign)} resource(s) the environment does not "
                    f"own, e.g. {foreign[0]}",
                )
            )
        else:
            _delete(target, group, report, events, policy)
    report.seconds = time.monotonic() - started
    return report


def _kind_of_id(resource_id: str) -> Kind | None:
    parts = resource_id.strip("/").split("/")
    if len(parts) == 4 and parts[2].lower() == "resourcegroups":
        return Kind.RESOURCE_GROUP
    if len(parts) >= 8:
        return KIND_OF_TYPE.get(f"{parts[5]}/{parts[6]}".lower())
    return None


def uses(kind: Kind | None, body: Mapping[str, Any] | None) -> list[str]:
    """The ids a live resource *uses* (forward references only: what must outlive it).

    Back-references Azure fills in (a pool's members, a subnet's IP configurations, a NIC's VM)
    are deliberately not read: a load balancer left in place does not stop our NICs in its
    pool from being deleted, but a NIC left in place does stop its subnet and pools from going.
    """
    props = (body or {}).get("properties") or {}
    out: list[str] = []

    def ref(item: Any) -> None:
        if isinstance(item, Mapping) and item.get("id"):
            out.append(str(item["id"]))

    if kind is Kind.VIRTUAL_MACHINE:
        for nic in (props.get("networkProfile") or {}).get("networkInterfaces") or []:
            ref(nic)
    elif kind is Kind.NETWORK_INTERFACE:
        ref(props.get("networkSecurityGroup"))
        for cfg in props.get("ipConfigurations") or []:
            cp = cfg.get("properties") or {}
            ref(cp.get("subnet"))
            ref(cp.get("publicIPAddress"))
            for pool in cp.get("loadBalancerBackendAddressPools") or []:
                ref(pool)
            for nat in cp.get("loadBalancerInboundNatRules") or []:
                ref(nat)
    elif kind is Kind.LOAD_BALANCER:
        for fe in props.get("frontendIPConfigurations") or []:
            fp = fe.get("properties") or {}
            ref(fp.get("publicIPAddress"))
            ref(fp.get("subnet"))
    return out


def pinned(
    target: Any, owned: Sequence[LiveResource], keep: Mapping[str, str], call: Any
) -> dict[str, tuple[str, str]]:
    """``keep`` plus every owned resource a kept one uses, transitively: lower id → (id, why).

    One GET per kept resource (usually none): deleting what a kept resource still uses would
    either fail in Azure or, worse, succeed and leave it dangling.
    """
    by_id = {r.id.lower(): r for r in owned}
    out = {rid.lower(): (rid, reason) for rid, reason in keep.items()}
    todo = [rid for rid in out if _kind_of_id(rid) is not Kind.RESOURCE_GROUP]
    while todo:
        rid = todo.pop()
        res = by_id.get(rid)
        kind = res.kind if res is not None else _kind_of_id(rid)
        if kind is None or kind is Kind.RESOURCE_GROUP:
            continue
        shown = out[rid][0]
        body = get_body(target, kind, resource_group_of(shown), shown.split("/")[-1], call)
        for used in uses(kind, body):
            holder = top_level(used)
            if holder == rid or holder in out or holder not in by_id:
                continue
            name = shown.split("/providers/")[-1]
            out[holder] = (by_id[holder].id, f"used by {name}, which is left")
            todo.append(holder)
    return out


def _foreign_members(
    target: Any, group: str, env: str, owned: list[LiveResource], call: Any
) -> list[str]:
    """Ids in ``group`` the environment does not own (disks managed by our VMs count as ours)."""
    ours = {r.id.lower() for r in owned}
    try:
        items = call(lambda: list(target.resources.resources.list_by_resource_group(group)))
    except ResourceNotFoundError:
        return []
    foreign = []
    for item in items:
        if is_owned(item.tags, env) or str(item.id).lower() in ours:
            continue
        managed_by = str(getattr(item, "managed_by", None) or "").lower()
        if managed_by and (managed_by in ours or is_owned_id(managed_by, owned)):
            continue
        foreign.append(str(item.id))
    return foreign


def is_owned_id(resource_id: str, owned: list[LiveResource]) -> bool:
    return any(r.id.lower() == resource_id for r in owned)


def _delete(
    target: Any,
    res: LiveResource,
    report: TeardownReport,
    events: EventSink,
    call_policy: RetryPolicy,
) -> None:
    key = res.key
    events(Event(key, "delete", State.RUNNING))
    started = time.monotonic()
    policy = RetryPolicy(
        attempts=max(call_policy.attempts, IN_USE_POLICY.attempts),
        total_seconds=call_policy.total_seconds,
        base_delay=call_policy.base_delay,
        max_delay=call_policy.max_delay,
        seed=call_policy.seed,
    )
    try:
        call_with_retry(
            lambda: operations.delete(target, res.kind, res.resource_group, res.name),
            sleep=target.sleep,
            policy=policy,
            retry_also=in_use,
        )
    except Exception as exc:  # noqa: BLE001 - every failure becomes a leftover
        report.left.append(Leftover(res.id, f"{error_code(exc)}: {describe(exc)}"))
        events(Event(key, "delete", State.FAILED, time.monotonic() - started, error_code(exc)))
        return
    report.deleted.append(res.id)
    events(Event(key, "delete", State.DONE, time.monotonic() - started))


def _detach_adopted_nics(
    target: Any,
    lb: LiveResource,
    owned_ids: set[str],
    adopted: set[str],
    call: Any,
    report: TeardownReport,
) -> None:
    """Take our pools out of the adopted NICs (brownfield VMs the blueprint joined to them), so
    the load balancer can be deleted. A NIC nobody declared adopted is never edited."""
    try:
        body = call(lambda: target.network.load_balancers.get(lb.resource_group, lb.name)).as_dict()
    except ResourceNotFoundError:
        return
    pools = (body.get("properties") or {}).get("backendAddressPools") or []
    pool_ids = {str(p.get("id", "")).lower() for p in pools}
    nic_ids = set()
    for p in pools:
        for ref in (p.get("properties") or {}).get("backendIPConfigurations") or []:
            nic_id = nic_of(str(ref.get("id", "")))
            if nic_id is not None:
                nic_ids.add(nic_id)
    for nic_id in sorted(nic_ids):
        if nic_id.lower() in owned_ids or nic_id.lower() not in adopted:
            continue  # ours (deleted before the load balancer), or not ours to edit
        rg, name = resource_group_of(nic_id), nic_id.split("/")[-1]
        try:
            _strip_pools(target, rg, name, pool_ids, call)
        except Exception as exc:  # noqa: BLE001
            report.left.append(Leftover(nic_id, f"could not leave pools: {describe(exc)}"))


def _strip_pools(target: Any, rg: str, name: str, pool_ids: set[str], call: Any) -> None:
    nic = call(lambda: target.network.network_interfaces.get(rg, name)).as_dict()
    etag = nic.get("etag")
    props = dict(nic.get("properties") or {})
    configs = []
    for cfg in props.get("ipConfigurations") or []:
        cfg = dict(cfg)
        cp = dict(cfg.get("properties") or {})
        refs = cp.get("loadBalancerBackendAddressPools") or []
        cp["loadBalancerBackendAddressPools"] = [
            r for r in refs if str(r.get("id", "")).lower() not in pool_ids
        ]
        cfg["properties"] = cp
        configs.append(cfg)
    props["ipConfigurations"] = configs
    nic["properties"] = props
    call(lambda: operations.put(target, Kind.NETWORK_INTERFACE, rg, name, nic, if_match=etag))
