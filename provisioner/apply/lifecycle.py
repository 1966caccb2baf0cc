"""The steps shared by ``plan``, ``up`` and ``status``: validate, compile, read, plan, apply.

The CLI parses options and renders; everything it needs to decide is computed here, so tests,
benchmarks and ``cleanup`` drive the same code the commands do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from provisioner.apply.events import EventSink, ignore
from provisioner.apply.executor import ApplyReport, Executor
from provisioner.apply.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry
from provisioner.compile.compiler import CompileContext, compile_blueprint
from provisioner.compile.desired import DesiredState
from provisioner.errors import BlueprintInvalid, Finding, SourceLocation, UserInputError
from provisioner.plan.live import environment_expiry
from provisioner.plan.mapping import live_mapping
from provisioner.plan.model import Plan
from provisioner.plan.planner import make_plan

_DURATION = re.compile(r"^([1-9][0-9]*)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_ttl(value: str) -> timedelta:
    """``30m``, ``4h``, ``2d`` → a timedelta; anything else is a user error (exit 2)."""
    match = _DURATION.match(value.strip())
    if not match:
        raise UserInputError(f"--ttl {value!r}: use a number and m, h or d, e.g. 30m, 4h, 2d")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve_expiry(
    ttl: str | None, default_ttl: str | None, live_expiry: str | None, now: datetime
) -> str | None:
    """``--ttl`` sets a new expiry; without it the live one is kept, else the blueprint default."""
    if ttl:
        return iso(now + parse_ttl(ttl))
    if live_expiry:
        return live_expiry
    if default_ttl:
        return iso(now + parse_ttl(default_ttl))
    return None


@dataclass
class Loaded:
    """A blueprint that passed loading and validation, with its warnings."""

    path: str
    blueprint: Any
    source: Any
    digest: str
    warnings: list[Finding]

    def locate(self, path: tuple[str | int, ...]) -> SourceLocation | None:
        try:
            return self.source.locate(path)
        except Exception:  # noqa: BLE001 - a location is a courtesy, never a failure
            return None


def load_and_validate(path: str | Path) -> Loaded:
    """Load and validate; raises ``BlueprintInvalid`` (exit 2) before any cloud call."""
    from provisioner.blueprint.loader import load_blueprint
    from provisioner.blueprint.source import attach_locations
    from provisioner.rules.validate import validate

    loaded = load_blueprint(path)
    findings = attach_locations(validate(loaded.blueprint), loaded.source)
    if any(f.severity == "error" for f in findings):
        raise BlueprintInvalid(str(path), findings)
    warnings = [f for f in findings if f.severity != "error"]
    return Loaded(str(path), loaded.blueprint, loaded.source, loaded.digest, warnings)


def desired_state(
    target: Any,
    loaded: Loaded,
    env: str,
    *,
    ttl: str | None = None,
    now: datetime | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> DesiredState:
    """Compile for ``env`` on ``target``, keeping the live expiry unless ``ttl`` replaces it."""
    default_ttl = getattr(getattr(loaded.blueprint, "defaults", None), "ttl", None)
    live_expiry = None
    if not ttl:
        live_expiry = environment_expiry(target, env, _reader(target, policy))
    expires = resolve_expiry(ttl, default_ttl, live_expiry, now or datetime.now(UTC))
    ctx = CompileContext(env, target.subscription_id, loaded.digest, expires)
    return compile_blueprint(loaded.blueprint, ctx)


def _reader(target: Any, policy: RetryPolicy) -> Any:
    return lambda fn: call_with_retry(fn, sleep=target.sleep, policy=policy)


def plan_environment(
    target: Any, state: DesiredState, *, policy: RetryPolicy = DEFAULT_POLICY, parallel: int = 8
) -> Plan:
    return make_plan(target, state, _reader(target, policy), parallel=parallel)


def apply_plan(
    target: Any,
    state: DesiredState,
    plan: Plan,
    *,
    max_parallel: int = 8,
    events: EventSink = ignore,
    policy: RetryPolicy = DEFAULT_POLICY,
    loaded: Loaded | None = None,
) -> tuple[ApplyReport, Any]:
    """Apply ``plan``; returns the report and the mapping rows with the addresses now live."""
    executor = Executor(
        target,
        state,
        plan,
        max_parallel=max_parallel,
        events=events,
        policy=policy,
        locate=loaded.locate if loaded else (lambda _: None),
    )
    report = executor.run()
    return report, live_mapping(state, report.live)
