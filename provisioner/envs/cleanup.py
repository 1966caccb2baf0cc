"""``provision cleanup``: destroy the selected environments, several at once, and account for all.

Each environment is destroyed the way ``down`` destroys it (``envs.destroy``, dependency order,
ownership checks, retries); this module adds only the fan-out across environments, bounded by
``max_parallel``, and the report a CI job reads: what was destroyed, what was left and why.
One environment's failure never stops the others.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from provisioner.envs.discovery import Environment
from provisioner.envs.ownership import Left
from provisioner.envs.selection import Criteria, Decision
from provisioner.envs.ttl import format_timestamp


@dataclass(frozen=True)
class EnvOutcome:
    """What destroying one environment did."""

    env: str
    deleted: tuple[str, ...] = ()
    left: tuple[Left, ...] = ()
    error: str | None = None  # the environment could not be processed at all
    seconds: float = 0.0
    #: Not destroyed after all: read again right before its teardown, it no longer matched
    #: (an ``extend`` moved its expiry meanwhile, say). Why, in the user's words.
    skipped: str | None = None

    @property
    def ok(self) -> bool:
        return not self.left and self.error is None

    @property
    def destroyed(self) -> bool:
        return self.ok and self.skipped is None


#: Destroys one environment and says what happened; must not raise for Azure errors.
Destroyer = Callable[[Environment], EnvOutcome]


@dataclass
class CleanupReport:
    target: str
    now: datetime
    criteria: Criteria
    dry_run: bool
    decisions: list[Decision]
    outcomes: dict[str, EnvOutcome] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def selected(self) -> list[Environment]:
        return [d.environment for d in self.decisions if d.selected]

    @property
    def ok(self) -> bool:
        return all(o.ok for o in self.outcomes.values())

    @property
    def resources_deleted(self) -> int:
        return sum(len(o.deleted) for o in self.outcomes.values())

    @property
    def resources_left(self) -> int:
        return sum(len(o.left) for o in self.outcomes.values())

    @property
    def environments_destroyed(self) -> int:
        return sum(1 for o in self.outcomes.values() if o.destroyed)

    def as_dict(self) -> dict[str, Any]:
        """The JSON document ``--output json`` prints: one object, CI-summary friendly."""
        envs = []
        for decision in self.decisions:
            env = decision.environment
            row: dict[str, Any] = {
                "name": env.name,
                "selected": decision.selected,
                "reason": decision.reason,
                "digest": env.digest,
                "created": format_timestamp(env.created) if env.created else None,
                "expires": format_timestamp(env.expires) if env.expires else None,
                "resources": [i.id for i in env.all_items()],
            }
            outcome = self.outcomes.get(env.name)
            if not decision.selected:
                row["status"] = "kept"
            elif self.dry_run:
                row["status"] = "would-destroy"
            elif outcome is not None and outcome.skipped:
                row["status"] = "skipped"
                row["reason"] = outcome.skipped
            elif outcome is not None:
                row["status"] = "destroyed" if outcome.ok else "incomplete"
                row["deleted"] = list(outcome.deleted)
                row["left"] = [lr.as_dict() for lr in outcome.left]
                row["error"] = outcome.error
                row["seconds"] = round(outcome.seconds, 3)
            envs.append(row)
        return {
            "ok": self.ok,
            "target": self.target,
            "dry_run": self.dry_run,
            "now": format_timestamp(self.now),
            "criteria": {
                "expired": self.criteria.expired,
                "env_prefix": self.criteria.env_prefix,
                "older_than_seconds": (
                    int(self.criteria.older_than.total_seconds())
                    if self.criteria.older_than is not None
                    else None
                ),
            },
            "summary": {
                "environments_found": len(self.decisions),
                "environments_selected": len(self.selected),
                "environments_destroyed": self.environments_destroyed,
                "resources_deleted": self.resources_deleted,
                "resources_left": self.resources_left,
                "seconds": round(self.seconds, 3),
            },
            "environments": envs,
            "summary_markdown": self.markdown(),
        }

    def markdown(self) -> str:
        """A short Markdown table for ``$GITHUB_STEP_SUMMARY`` / an Azure DevOps summary."""
        head = "Cleanup (dry run)" if self.dry_run else "Cleanup"
        lines = [
            f"### {head} on {self.target}",
            "",
            f"{len(self.selected)} of {len(self.decisions)} environment(s) selected; "
            f"{self.resources_deleted} resource(s) deleted, {self.resources_left} left, "
            f"{self.seconds:.1f}s.",
            "",
            "| environment | status | resources | reason |",
            "| --- | --- | --- | --- |",
        ]
        for row in self.as_rows():
            lines.append(f"| {row[0]} | {row[1]} | {row[2]} | {row[3]} |")
        return "\n".join(lines) + "\n"

    def as_rows(self) -> list[tuple[str, str, str, str]]:
        rows = []
        for decision in self.decisions:
            env = decision.environment
            outcome = self.outcomes.get(env.name)
            if not decision.selected:
                status, count = "kept", str(env.resource_count)
            elif self.dry_run:
                status, count = "would destroy", str(env.resource_count)
            elif outcome is None:
                status, count = "not run", str(env.resource_count)
            elif outcome.skipped:
                status, count = "skipped", str(env.resource_count)
                rows.append((env.name, status, count, outcome.skipped.replace("|", "/")))
                continue
            else:
                status = "destroyed" if outcome.ok else "incomplete"
                count = f"{len(outcome.deleted)} deleted, {len(outcome.left)} left"
            rows.append((env.name, status, count, decision.reason.replace("|", "/")))
        return rows


def _timed(destroy: Destroyer, env: Environment) -> EnvOutcome:
    started = time.monotonic()
    try:
        outcome = destroy(env)
    except Exception as exc:  # noqa: BLE001 - one environment's bug must not stop the others
        outcome = EnvOutcome(env=env.name, error=f"{type(exc).__name__}: {exc}")
    return dataclasses.replace(outcome, seconds=time.monotonic() - started)


def run_cleanup(
    decisions: Sequence[Decision],
    destroy: Destroyer,
    *,
    target: str,
    now: datetime,
    criteria: Criteria,
    dry_run: bool,
    max_parallel: int = 4,
    on_done: Callable[[EnvOutcome], None] | None = None,
) -> CleanupReport:
    """Destroy every selected environment (unless ``dry_run``), at most ``max_parallel`` at once."""
    if max_parallel < 1:
        raise ValueError("max_parallel must be at least 1")
    report = CleanupReport(
        target=target, now=now, criteria=criteria, dry_run=dry_run, decisions=list(decisions)
    )
    started = time.monotonic()
    selected = report.selected
    if not dry_run and selected:
        with ThreadPoolExecutor(max_workers=min(max_parallel, len(selected))) as pool:
            futures = {env.name: pool.submit(_timed, destroy, env) for env in selected}
            for name, future in futures.items():
                outcome = future.result()
                report.outcomes[name] = outcome
                if on_done:
                    on_done(outcome)
    report.seconds = time.monotonic() - started
    return report
