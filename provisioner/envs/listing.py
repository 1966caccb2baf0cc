"""``provision status`` without an environment: every environment in the target, by its tags.

Built on the same discovery and the same expiry decision as ``cleanup --expired``, so the two
commands never disagree about which environments are expired: one is expired only when all of its
resources are (a resource without an expiry, or with an unreadable one, keeps it alive).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioner.arm.retry import retrying_call
from provisioner.arm.target import Target
from provisioner.envs.discovery import Environment, discover_environments
from provisioner.envs.selection import Criteria, decide
from provisioner.envs.ttl import format_timestamp, utc_now


@dataclass(frozen=True)
class EnvironmentSummary:
    env: str
    digest: str | None
    created: str | None
    expires: str | None
    resources: int
    expired: bool
    #: Why it is (not) expired, in cleanup's words.
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "digest": self.digest,
            "created": self.created,
            "expires": self.expires,
            "resources": self.resources,
            "expired": self.expired,
            "reason": self.reason,
        }


def summarize(env: Environment, now: datetime) -> EnvironmentSummary:
    """One environment as ``status`` lists it; ``expired`` is cleanup's own decision."""
    decision = decide(env, Criteria(expired=True), now)
    return EnvironmentSummary(
        env=env.name,
        digest=env.digest,
        created=format_timestamp(env.created) if env.created else None,
        expires=format_timestamp(env.expires) if env.expires else None,
        resources=env.resource_count,
        expired=decision.selected,
        reason=decision.reason,
    )


def list_environments(target: Target, now: datetime | None = None) -> list[EnvironmentSummary]:
    """Every environment with at least one managed resource in the target, by name."""
    moment = now or utc_now()
    environments = discover_environments(target, call=retrying_call(target))
    return [summarize(env, moment) for env in environments]
