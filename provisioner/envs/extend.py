"""``provision extend``: move an environment's expiry without touching anything else.

Resources tagged ``provisioner-expires: with-group`` expire with their group and are not
written: for an environment ``up`` created, that is one write, on its resource group. The write is
each resource type's own tags-only PATCH (``update_tags`` on network resources,
``update`` on groups and VMs), carrying the resource's tags with ``provisioner-expires``
replaced. It needs no knowledge of the resource's body, so it cannot undo a concurrent ``up``
the way a re-PUT of a stale body could, and it is supported by Azure and the local cloud alike.
(ARM's generic ``Microsoft.Resources/tags/default`` merge would spare the read of the other tags;
discovery already returns them, so nothing is gained for the extra route.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from provisioner.arm.listing import ListedResource
from provisioner.arm.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
    retrying_call,
)
from provisioner.arm.target import Target
from provisioner.arm.writes import patch_tags
from provisioner.compile.tags import EXPIRES_WITH_GROUP, TAG_EXPIRES, owned_by, tag
from provisioner.envs.discovery import Environment, find_environment
from provisioner.envs.ttl import expiry_from
from provisioner.errors import UserInputError


class UnknownEnvironment(UserInputError):
    def __init__(self, env: str, where: str) -> None:
        super().__init__(f"no environment named {env!r} in {where} (nothing carries its tags)")


@dataclass(frozen=True)
class ExtendReport:
    env: str
    expires: str
    updated: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (resource id, Azure's code: message)

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "env": self.env,
            "expires": self.expires,
            "updated": list(self.updated),
            "failed": [{"id": rid, "error": why} for rid, why in self.failed],
        }


def write_tags(target: Target, item: ListedResource, tags: dict[str, str]) -> None:
    """Replace the tags of one resource or group with ``tags``; nothing else is sent."""
    kind = item.kind
    if kind is None:
        raise ValueError(f"{item.type} is not a type provisioner creates")
    patch_tags(target, kind, item.resource_group, item.name, tags)


def extend_environment(
    target: Target,
    env: str,
    ttl: str,
    now: datetime,
    *,
    environment: Environment | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> ExtendReport:
    """Set ``provisioner-expires`` to ``now + ttl`` on every item ``env`` owns (but those that
    expire with their group).

    Only items carrying both ownership tags are written. Raises :class:`UnknownEnvironment` when
    nothing in the target belongs to ``env`` (a typo must not pass silently in a pipeline).
    """
    expires = expiry_from(now, ttl)
    if environment is None:
        environment = find_environment(target, env, retrying_call(target, policy))
    if environment is None:
        raise UnknownEnvironment(env, target.label)
    updated: list[str] = []
    failed: list[tuple[str, str]] = []
    has_group = bool(environment.resource_groups)
    for item in environment.all_items():
        if not owned_by(item.tags, env):
            continue
        if has_group and tag(item.tags, TAG_EXPIRES) == EXPIRES_WITH_GROUP:
            continue  # expires with its group, which is written instead
        try:
            call_with_retry(
                lambda item=item: write_tags(target, item, {**item.tags, TAG_EXPIRES: expires}),
                sleep=target.sleep,
                policy=policy,
            )
        except Exception as exc:  # noqa: BLE001 - reported per resource, the rest still extended
            failed.append((item.id, f"{error_code(exc)}: {describe(exc)}"))
        else:
            updated.append(item.id)
    return ExtendReport(env=env, expires=expires, updated=tuple(updated), failed=tuple(failed))
