"""What environments a target holds, and the state of one: found by tags, never by guesswork."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from provisioner.apply.retry import call_with_retry
from provisioner.compile.desired import MappingRow
from provisioner.plan.live import (
    DIGEST_TAG,
    ENV_TAG,
    EXPIRES_TAG,
    MANAGED_TAG,
    LiveResource,
    list_tagged,
)
from provisioner.plan.live_table import mapping_from_live
from provisioner.plan.mapping import mapping_as_dict


@dataclass
class EnvironmentSummary:
    env: str
    digest: str | None
    expires: str | None
    resources: int
    expired: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "digest": self.digest,
            "expires": self.expires,
            "resources": self.resources,
            "expired": self.expired,
        }


@dataclass
class EnvironmentStatus:
    env: str
    resources: list[LiveResource]
    mapping: tuple[MappingRow, ...] = ()
    drift: bool | None = None  # None: no blueprint given to compare with
    changes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "env": self.env,
            "exists": bool(self.resources),
            "resources": [
                {
                    "type": r.type,
                    "kind": str(r.kind) if r.kind else None,
                    "name": r.name,
                    "id": r.id,
                    "digest": r.tags.get(DIGEST_TAG),
                    "expires": r.tags.get(EXPIRES_TAG),
                }
                for r in self.resources
            ],
            "drift": self.drift,
            "changes": self.changes,
            "mapping": [mapping_as_dict(r) for r in self.mapping],
        }


def _expired(expires: str | None, now: datetime) -> bool:
    if not expires:
        return False
    try:
        moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    except ValueError:
        return False
    return moment <= now


def list_environments(target: Any, now: datetime | None = None) -> list[EnvironmentSummary]:
    """Every environment with at least one managed resource in the target."""
    now = now or datetime.now(UTC)
    flt = f"tagName eq '{MANAGED_TAG}' and tagValue eq 'true'"

    def call(fn: Any) -> Any:
        return call_with_retry(fn, sleep=target.sleep)

    items = call(lambda: list(target.resources.resource_groups.list(filter=flt)))
    items += call(lambda: list(target.resources.resources.list(filter=flt)))
    by_env: dict[str, list[dict[str, str]]] = {}
    for item in items:
        tags = dict(item.tags or {})
        if tags.get(MANAGED_TAG) == "true" and tags.get(ENV_TAG):
            by_env.setdefault(tags[ENV_TAG], []).append(tags)
    out = []
    for env, tag_sets in sorted(by_env.items()):
        digests = sorted({t.get(DIGEST_TAG, "") for t in tag_sets} - {""})
        expiries = sorted({t.get(EXPIRES_TAG, "") for t in tag_sets} - {""})
        expires = expiries[0] if expiries else None
        out.append(
            EnvironmentSummary(
                env=env,
                digest=",".join(digests) or None,
                expires=expires,
                resources=len(tag_sets),
                expired=_expired(expires, now),
            )
        )
    return out


def environment_status(target: Any, env: str, loaded: Any = None) -> EnvironmentStatus:
    """One environment's resources; with a blueprint, drift and the blueprint's mapping too."""

    def call(fn: Any) -> Any:
        return call_with_retry(fn, sleep=target.sleep)

    resources = list_tagged(target, env, call)
    if loaded is None:
        return EnvironmentStatus(env, resources, mapping_from_live(target, resources, call))
    from provisioner.apply.lifecycle import desired_state, plan_environment

    state = desired_state(target, loaded, env)
    plan = plan_environment(target, state)
    changes = [c.as_dict() for c in plan.changes if c.action != "noop"]
    return EnvironmentStatus(env, resources, plan.mapping, plan.has_changes, changes)
