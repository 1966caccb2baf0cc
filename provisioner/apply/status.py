"""The state of one environment: found by its tags, never by guesswork.

Listing every environment is ``provisioner.envs.listing`` (it shares discovery and the expiry
decision with ``cleanup``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from provisioner.arm.listing import ListedResource, list_environment
from provisioner.arm.retry import retrying_call
from provisioner.arm.target import Target
from provisioner.compile.desired import MappingRow
from provisioner.compile.tags import EXPIRES_WITH_GROUP, TAG_BLUEPRINT, TAG_CREATED, TAG_EXPIRES
from provisioner.plan.live_table import mapping_from_live
from provisioner.plan.mapping import mapping_as_dict


@dataclass
class EnvironmentStatus:
    env: str
    resources: list[ListedResource]
    mapping: tuple[MappingRow, ...] = ()
    drift: bool | None = None  # None: no blueprint given to compare with
    changes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        created = sorted(c for r in self.resources if (c := r.tags.get(TAG_CREATED)))
        expires = sorted(
            e for r in self.resources if (e := r.tags.get(TAG_EXPIRES)) and e != EXPIRES_WITH_GROUP
        )
        return {
            "env": self.env,
            "exists": bool(self.resources),
            "created": created[0] if created else None,
            "expires": expires[-1] if expires else None,
            "resources": [
                {
                    "type": r.type,
                    "kind": str(r.kind) if r.kind else None,
                    "name": r.name,
                    "id": r.id,
                    "digest": r.tags.get(TAG_BLUEPRINT),
                    "expires": r.tags.get(TAG_EXPIRES),
                    "created": r.tags.get(TAG_CREATED),
                }
                for r in self.resources
            ],
            "drift": self.drift,
            "changes": self.changes,
            "mapping": [mapping_as_dict(r) for r in self.mapping],
        }


def environment_status(target: Target, env: str, loaded: Any = None) -> EnvironmentStatus:
    """One environment's resources; with a blueprint, drift and the blueprint's mapping too."""

    if loaded is None:
        call = retrying_call(target)
        resources = list_environment(target, env, call)
        return EnvironmentStatus(env, resources, mapping_from_live(target, resources, call))
    from provisioner.apply.lifecycle import desired_and_listed, plan_environment

    state, resources = desired_and_listed(target, loaded, env)  # one listing serves all three
    plan = plan_environment(target, state, listed=resources)
    changes = [c.as_dict() for c in plan.changes if c.action != "noop"]
    return EnvironmentStatus(env, resources, plan.mapping, plan.has_changes, changes)
