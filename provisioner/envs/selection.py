"""Which environments a cleanup run takes: pure filtering, testable without any cloud.

Criteria combine with AND, and at least one is required: a cleanup with no criterion would select
every environment in the subscription, which is never what a nightly job means.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from provisioner.envs.discovery import Environment
from provisioner.envs.ttl import format_timestamp, is_expired
from provisioner.errors import UserInputError


@dataclass(frozen=True)
class Criteria:
    """What ``provision cleanup`` was asked to take."""

    expired: bool = False
    env_prefix: str | None = None
    older_than: timedelta | None = None

    def is_empty(self) -> bool:
        return not (self.expired or self.env_prefix or self.older_than is not None)


@dataclass(frozen=True)
class Decision:
    """One environment and whether it was selected, with the reason a user can check."""

    environment: Environment
    selected: bool
    reason: str


class NoCriteria(UserInputError):
    def __init__(self) -> None:
        super().__init__(
            "cleanup needs at least one of --expired, --env-prefix, --older-than "
            "(it never selects every environment by default)"
        )


def _age(delta: timedelta) -> str:
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes}m"
    return f"{minutes}m"


def decide(env: Environment, criteria: Criteria, now: datetime) -> Decision:
    """Whether ``env`` matches every criterion, and why (or why not)."""
    reasons: list[str] = []
    if criteria.env_prefix:
        if not env.name.startswith(criteria.env_prefix):
            return Decision(env, False, f"name does not start with {criteria.env_prefix!r}")
        reasons.append(f"name starts with {criteria.env_prefix!r}")
    if criteria.expired:
        if env.expires is None:
            return Decision(env, False, "no expiry (or one resource has none): kept")
        if not is_expired(env.expires, now):
            left = _age(env.expires - now)
            return Decision(env, False, f"expires {format_timestamp(env.expires)} (in {left})")
        reasons.append(f"expired {format_timestamp(env.expires)} ({_age(now - env.expires)} ago)")
    if criteria.older_than is not None:
        if env.created is None:
            return Decision(env, False, "creation time unknown (no provisioner-created tag)")
        age = now - env.created
        if age <= criteria.older_than:
            return Decision(env, False, f"created {_age(age)} ago")
        reasons.append(f"created {format_timestamp(env.created)} ({_age(age)} ago)")
    return Decision(env, True, "; ".join(reasons))


def select(
    environments: Iterable[Environment], criteria: Criteria, now: datetime
) -> list[Decision]:
    """A decision for every environment, in name order. Raises when no criterion is given."""
    if criteria.is_empty():
        raise NoCriteria()
    return [decide(env, criteria, now) for env in sorted(environments, key=lambda e: e.name)]
