"""Destroy everything one environment owns, and say precisely what could not be destroyed.

Ownership is the pair of tags ``provisioner-managed=true`` and ``provisioner-env=<env>``; nothing
without both is ever deleted. The fast path deletes the environment's resource group in one call,
but only when the environment created it (the group carries our tags) and the group holds nothing
else. Otherwise resources go one by one, dependents first (VMs → NICs → load balancers → public
IPs → VNet → group), retrying the ordering conflicts Azure reports while a dependent is still
going away. NICs of other owners that joined our pools (brownfield) are detached first, or the
load balancer could not be deleted. ``provision cleanup`` calls :func:`destroy_environment` for
many environments at once, so it keeps no state outside its arguments.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
)
from provisioner.compile.desired import Kind
from provisioner.plan.live import LiveResource, is_owned, list_tagged
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

    @property
    def ok(self) -> bool:
        return not self.left

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "env": self.env,
            "deleted": list(self.deleted),
            "resource_groups_deleted": list(self.resource_groups_deleted),
            "left": [x.as_dict() for x in self.left],
            "seconds": round(self.seconds, 3),
        }


def destroy_environment(
    target: Any,
    env: str,
    *,
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> TeardownReport:
    """Delete every resource ``env`` owns in ``target``; report what remains and why."""
    started = time.monotonic()
    report = TeardownReport(env)

    def call(fn: Any) -> Any:
        return call_with_retry(fn, sleep=target.sleep, policy=policy)

    owned = list_tagged(target, env, call)
    groups = [r for r in owned if r.kind is Kind.RESOURCE_GROUP]
    members = [r for r in owned if r.kind is not Kind.RESOURCE_GROUP]

    for group in groups:
        foreign = _foreign_members(target, group.name, env, owned, call)
        if foreign:
            continue  # the slow path below; the group goes only if it ends up empty
        _delete(target, group, report, events, call_policy=policy)
        gone = group.name.lower()
        members = [m for m in members if m.resource_group.lower() != gone]
        if group.id in report.deleted:
            report.resource_groups_deleted.append(group.name)

    owned_ids = {m.id.lower() for m in members}
    for kind in DELETE_ORDER:
        batch = [m for m in members if m.kind is kind]
        if kind is Kind.RESOURCE_GROUP or not batch:
            continue
        if kind is Kind.LOAD_BALANCER:
            for lb in batch:
                _detach_foreign_nics(target, lb, owned_ids, call, report)
        with ThreadPoolExecutor(max_workers=max(1, max_parallel)) as pool:
            list(pool.map(lambda r: _delete(target, r, report, events, policy), batch))
    for m in members:
        if m.kind is None:
            report.left.append(Leftover(m.id, f"type {m.type} is not one provisioner deletes"))

    for group in groups:
        if group.name in report.resource_groups_deleted or group.id in report.deleted:
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


def _detach_foreign_nics(
    target: Any, lb: LiveResource, owned_ids: set[str], call: Any, report: TeardownReport
) -> None:
    """Take our pools out of NICs we do not own (brownfield VMs), so the LB can be deleted."""
    try:
        body = call(lambda: target.network.load_balancers.get(lb.resource_group, lb.name)).as_dict()
    except ResourceNotFoundError:
        return
    pools = (body.get("properties") or {}).get("backendAddressPools") or []
    pool_ids = {str(p.get("id", "")).lower() for p in pools}
    nic_ids = set()
    for p in pools:
        for ref in (p.get("properties") or {}).get("backendIPConfigurations") or []:
            ref_id = str(ref.get("id", ""))
            parts = ref_id.split("/")
            if "networkInterfaces" in parts:
                nic_ids.add("/".join(parts[: parts.index("networkInterfaces") + 2]))
    for nic_id in sorted(nic_ids):
        if nic_id.lower() in owned_ids:
            continue  # ours: deleted before the load balancer anyway
        parts = nic_id.strip("/").split("/")
        rg, name = parts[3], parts[-1]
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
