"""The guest step of ``up`` / ``plan`` / ``down`` and of ``provision guest``: per-VM delivery.

For every VM behind a Floating IP rule the frontend IPs are read from live state and the VM's
apply script is rendered. Its digest is compared with the VM's ``provisioner-guest`` tag, which
the step sets once the guest is configured *and* a check script confirmed it: a matching tag
means nothing to do, without a single run-command (a second ``up`` writes nothing).

Otherwise, per VM, one command at a time (Azure runs one run-command per VM), VMs in parallel:

- never configured (no tag): check first; already converged → only tag;
- else apply, then check again to verify, then tag;
- a VM that carries the tag but no longer needs guest setup (its Floating IP rules were dropped)
  gets the removal script and loses the tag.

``mode="check"`` only runs check scripts; ``mode="remove"`` runs removal scripts and clears the
tag (``down`` on brownfield VMs, ``provision guest --remove``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, describe, retrying_call
from provisioner.arm.target import Target
from provisioner.compile.desired import DesiredResource, DesiredState, GuestRequirement, Kind
from provisioner.compile.tags import TAG_GUEST
from provisioner.guest.delivery import Delivery, DeliveryError
from provisioner.guest.output import CheckReport, OutputError, parse_check
from provisioner.guest.render import render_apply, render_check, render_remove
from provisioner.guest.report import found, lacking, silent_probes
from provisioner.guest.resolve import (
    ResolvedVm,
    needed_keys,
    read_live,
    resolve,
    script_digest,
)
from provisioner.guest.spec import VM_NAME, GuestConfig, OsName

Mode = Literal["apply", "check", "remove"]
EventFn = Callable[[str, str], None]

NEVER_CONFIGURED = "never configured"
CHANGED = "frontend IPs or ports changed"
NOT_CREATED = "VM not created yet"
NO_LONGER_NEEDED = "no Floating IP rule reaches this VM any more"
#: Said when a check finds nothing listening on a VM's probe ports.
NOT_LISTENING = (
    "nothing listens on probe port {ports} yet: the load balancer will see this backend down"
    " until the service starts"
)


@dataclass(frozen=True)
class GuestPlanItem:
    vm: str
    action: Literal["noop", "configure", "remove"]
    reason: str


@dataclass
class GuestVmResult:
    vm: str
    action: str  # noop | configure | remove | check
    ok: bool
    converged: bool
    detail: str
    seconds: float
    stderr_tail: list[str] = field(default_factory=list)
    exit_status: int | None = None
    #: What the last check script found (None when none ran).
    report: CheckReport | None = field(default=None, repr=False)
    #: What the VM should hold (None when it could not be resolved).
    config: GuestConfig | None = field(default=None, repr=False)
    #: Plain-words remarks that are no failure (say, nothing listens on a probe port yet).
    notes: list[str] = field(default_factory=list)
    #: What the last check found, in counts (frontends bound, ports open, probe ports
    #: listening, forwarding); ``""`` when no check ran.
    found: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "vm": self.vm,
            "action": self.action,
            "ok": self.ok,
            "converged": self.converged,
            "detail": self.detail,
            "seconds": round(self.seconds, 3),
            "exit_status": self.exit_status,
            "stderr_tail": list(self.stderr_tail),
            "notes": list(self.notes),
            "found": self.found,
        }


@dataclass
class GuestStepReport:
    results: list[GuestVmResult]
    mode: str = "apply"
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def run_commands(self) -> int:
        """VMs that needed at least one run-command (0 on a converged second run)."""
        return sum(1 for r in self.results if r.action not in ("noop",))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "mode": self.mode,
            "seconds": round(self.seconds, 3),
            "vms": [r.as_dict() for r in self.results],
        }


# --- what the live state says -----------------------------------------------------------------


@dataclass(frozen=True)
class _Work:
    """One VM the step looks at: resolved demand, or a tagged VM that no longer has one."""

    vm: str
    resource: DesiredResource
    exists: bool
    tags: dict[str, str]
    os: OsName
    resolved: ResolvedVm | None  # None: no guest requirement (cleanup of a stale tag)

    @property
    def config(self) -> GuestConfig | None:
        return self.resolved.config if self.resolved else None


def _os_of(body: dict[str, Any] | None, default: OsName = "linux") -> OsName:
    profile = ((body or {}).get("properties") or {}).get("storageProfile") or {}
    os_type = str((profile.get("osDisk") or {}).get("osType") or "").lower()
    return "windows" if os_type == "windows" else default


def _label(res: DesiredResource) -> str:
    """A VM without a guest requirement: its blueprint name when the source says it."""
    src = res.source
    if len(src) >= 2 and src[0] == "vms" and isinstance(src[1], str) and VM_NAME.match(src[1]):
        return src[1]
    return res.name if VM_NAME.match(res.name) else "vm"


def _gather(
    target: Target,
    state: DesiredState,
    policy: RetryPolicy,
    only_vms: Collection[str] | None,
    parallel: int,
) -> list[_Work]:
    reqs: list[GuestRequirement] = list(state.guest)
    req_keys = {r.vm_resource_key for r in reqs}
    vm_keys = [r.key for r in state.resources.values() if r.kind is Kind.VIRTUAL_MACHINE]
    keys = dict.fromkeys([*vm_keys, *needed_keys(state, reqs)])
    live = read_live(
        target,
        state,
        [k for k in keys if k in state.resources],
        retrying_call(target, policy),
        parallel=parallel,
    )
    work: list[_Work] = []
    for req in reqs:
        rv = resolve(state, live, req)
        work.append(_Work(req.vm, rv.resource, rv.exists, rv.tags, req.os, rv))
    for key in vm_keys:
        if key in req_keys:
            continue
        body = live.get(key)
        tags = {str(k): str(v) for k, v in ((body or {}).get("tags") or {}).items()}
        if body is None or TAG_GUEST not in tags:
            continue
        res = state.resources[key]
        work.append(_Work(_label(res), res, True, tags, _os_of(body), None))
    if only_vms is not None:
        wanted = set(only_vms)
        work = [w for w in work if w.vm in wanted or w.resource.name in wanted]
    return work


def _plan_item(w: _Work) -> GuestPlanItem:
    if w.resolved is None:
        return GuestPlanItem(w.vm, "remove", NO_LONGER_NEEDED)
    if not w.exists:
        return GuestPlanItem(w.vm, "configure", NOT_CREATED)
    if w.config is None:
        return GuestPlanItem(w.vm, "configure", w.resolved.problem)
    tagged = w.tags.get(TAG_GUEST)
    if tagged == script_digest(render_apply(w.config)):
        return GuestPlanItem(w.vm, "noop", "configured; the tag matches the script")
    return GuestPlanItem(w.vm, "configure", NEVER_CONFIGURED if not tagged else CHANGED)


def plan_guest(
    target: Target, state: DesiredState, *, policy: RetryPolicy = DEFAULT_POLICY
) -> list[GuestPlanItem]:
    """What the guest step of ``up`` would do per VM. GETs only."""
    return [_plan_item(w) for w in _gather(target, state, policy, None, 8)]


# --- doing it ---------------------------------------------------------------------------------


class _VmRun:
    """One VM's sequence of commands (never two at once on the same VM)."""

    def __init__(self, delivery: Delivery, work: _Work, emit: EventFn) -> None:
        self.d = delivery
        self.w = work
        self.emit = emit
        self.started = time.monotonic()

    def result(
        self, action: str, ok: bool, converged: bool, detail: str, **kw: Any
    ) -> GuestVmResult:
        report, cfg = kw.get("report"), self.w.config
        silent: list[str] = []
        counts = ""
        if report is not None and cfg is not None:
            silent, counts = silent_probes(cfg, report), found(cfg, report)
        return GuestVmResult(
            vm=self.w.vm,
            action=action,
            ok=ok,
            converged=converged,
            detail=detail,
            seconds=time.monotonic() - self.started,
            config=cfg,
            notes=[NOT_LISTENING.format(ports=", ".join(silent))] if silent else [],
            found=counts,
            **kw,
        )

    def _rg_name(self) -> tuple[str, str]:
        return self.w.resource.resource_group, self.w.resource.name

    def check(self, cfg: GuestConfig) -> tuple[CheckReport | None, GuestVmResult | None]:
        """Run the check script: the report, or a failed result saying why there is none."""
        self.emit(self.w.vm, "check")
        outcome = self.d.run(*self._rg_name(), render_check(cfg), cfg.os)
        if not outcome.ok:
            return None, self.result(
                "check",
                False,
                False,
                f"check script failed (exit status {_status(outcome.exit_status)})",
                stderr_tail=outcome.stderr_tail,
                exit_status=outcome.exit_status,
            )
        try:
            return parse_check(outcome.stdout, cfg), None
        except OutputError as exc:
            return None, self.result("check", False, False, f"check output unreadable: {exc}")

    def tag(self, value: str | None) -> None:
        self.emit(self.w.vm, "tag" if value else "untag")
        self.d.set_tag(*self._rg_name(), value)

    def apply(self) -> GuestVmResult:
        w = self.w
        if w.resolved is None:
            return self.remove()
        if not w.exists:
            return self.result("configure", False, False, f"{NOT_CREATED}: run `provision up`")
        cfg = w.config
        if cfg is None:
            return self.result("configure", False, False, w.resolved.problem)
        digest = script_digest(render_apply(cfg))
        tagged = w.tags.get(TAG_GUEST)
        if tagged == digest:
            return self.result("noop", True, True, "already configured (tag matches)")
        if not tagged:
            report, failed = self.check(cfg)
            if failed is not None:
                return _as(failed, "configure")
            assert report is not None
            if not lacking(cfg, report):
                self.tag(digest)
                return self.result(
                    "configure", True, True, "already converged; tagged", report=report
                )
        self.emit(w.vm, "apply")
        script = render_apply(cfg)
        outcome = self.d.run(*self._rg_name(), script, cfg.os)
        if not outcome.ok:
            return self.result(
                "configure",
                False,
                False,
                f"apply script failed on {w.vm} (exit status {_status(outcome.exit_status)})",
                stderr_tail=outcome.stderr_tail,
                exit_status=outcome.exit_status,
            )
        report, failed = self.check(cfg)
        if failed is not None:
            return _as(failed, "configure")
        assert report is not None
        lacks = lacking(cfg, report)
        if lacks:
            return self.result(
                "configure",
                False,
                False,
                "apply said ok but the check finds missing: " + ", ".join(lacks),
                report=report,
                exit_status=outcome.exit_status,
            )
        self.tag(digest)
        return self.result(
            "configure", True, True, "configured and verified", report=report, exit_status=0
        )

    def check_only(self) -> GuestVmResult:
        w = self.w
        if not w.exists:
            return self.result("check", False, False, NOT_CREATED)
        cfg = w.config
        if cfg is None:
            detail = w.resolved.problem if w.resolved else NO_LONGER_NEEDED
            return self.result("check", w.resolved is None, False, detail)
        report, failed = self.check(cfg)
        if failed is not None:
            return failed
        assert report is not None
        lacks = lacking(cfg, report)
        if lacks:
            return self.result(
                "check", False, False, "not converged: missing " + ", ".join(lacks), report=report
            )
        return self.result("check", True, True, "converged", report=report)

    def remove(self) -> GuestVmResult:
        w = self.w
        if not w.exists:
            return self.result("remove", True, False, "VM does not exist; nothing to remove")
        # Without resolvable frontends the script still removes what the VM recorded.
        cfg = w.config or GuestConfig(vm=w.vm, os=w.os, listeners=())
        self.emit(w.vm, "remove")
        outcome = self.d.run(*self._rg_name(), render_remove(cfg), cfg.os)
        if not outcome.ok:
            return self.result(
                "remove",
                False,
                False,
                f"removal script failed on {w.vm} (exit status {_status(outcome.exit_status)})",
                stderr_tail=outcome.stderr_tail,
                exit_status=outcome.exit_status,
            )
        if TAG_GUEST in w.tags:
            self.tag(None)
        return self.result("remove", True, False, "removed", exit_status=0)


def _status(value: int | None) -> str:
    return "unknown: no result line" if value is None else str(value)


def _as(result: GuestVmResult, action: str) -> GuestVmResult:
    result.action = action
    return result


def run_guest_step(
    target: Target,
    state: DesiredState,
    *,
    mode: Mode,
    max_parallel: int = 16,
    only_vms: Collection[str] | None = None,
    on_event: EventFn | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> GuestStepReport:
    """Configure (``apply``), inspect (``check``) or undo (``remove``) the guest of each VM."""
    if mode not in ("apply", "check", "remove"):
        raise ValueError(f"mode must be apply, check or remove, not {mode!r}")
    started = time.monotonic()
    emit: EventFn = on_event or (lambda vm, what: None)

    def retried(vm: str, exc: BaseException, wait: float) -> None:
        emit(vm, f"retry in {wait:.1f}s: {describe(exc)}")

    delivery = Delivery(target, policy=policy, on_retry=retried)
    work = _gather(target, state, policy, only_vms, max_parallel)
    if mode == "check":
        work = [w for w in work if w.resolved is not None]

    def one(w: _Work) -> GuestVmResult:
        run = _VmRun(delivery, w, emit)
        try:
            if mode == "apply":
                res = run.apply()
            elif mode == "check":
                res = run.check_only()
            else:
                res = run.remove()
        except DeliveryError as exc:
            res = run.result(mode if mode != "apply" else "configure", False, False, str(exc))
        emit(w.vm, ("ok: " if res.ok else "failed: ") + res.detail)
        return res

    results: list[GuestVmResult] = []
    if work:
        with ThreadPoolExecutor(max_workers=max(1, min(max_parallel, len(work)))) as pool:
            results = list(pool.map(one, work))
    return GuestStepReport(results, mode=mode, seconds=time.monotonic() - started)
