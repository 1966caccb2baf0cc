"""``provision extend``: move an environment's expiry without touching anything else.

The write is each resource type's own tags-only PATCH (``update_tags`` on network resources,
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

from provisioner.apply.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
    retrying_call,
)
from provisioner.envs.discovery import Environment, FoundResource, find_environment
from provisioner.envs.tags import TAG_EXPIRES, owned_by
from provisioner.envs.ttl import expiry_from
from provisioner.errors import UserInputError

#: Network resource type → the operation group whose ``update_tags`` PATCHes its tags.
NETWORK_OPERATIONS = {
    "microsoft.network/virtualnetworks": "virtual_networks",
    "microsoft.network/publicipaddresses": "public_ip_addresses",
    "microsoft.network/loadbalancers": "load_balancers",
    "microsoft.network/networkinterfaces": "network_interfaces",
    "microsoft.network/networksecuritygroups": "network_security_groups",
}


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


def write_tags(target: Any, item: FoundResource, tags: dict[str, str]) -> None:
    """Replace the tags of one resource or group with ``tags``; nothing else is sent."""
    from azure.mgmt.compute.models import VirtualMachineUpdate
    from azure.mgmt.network.models import TagsObject
    from azure.mgmt.resource.resources.models import ResourceGroupPatchable

    if item.is_resource_group:
        target.resources.resource_groups.update(item.name, ResourceGroupPatchable(tags=tags))
        return
    kind = item.type.lower()
    if kind == "microsoft.compute/virtualmachines":
        op = target.compute.virtual_machines.begin_update(
            item.resource_group, item.name, VirtualMachineUpdate(tags=tags)
        )
        op.result()
        return
    group = NETWORK_OPERATIONS.get(kind)
    if group is None:
        raise ValueError(f"{item.type} is not a type provisioner creates")
    getattr(target.network, group).update_tags(
        item.resource_group, item.name, TagsObject(tags=tags)
    )


def extend_environment(
    target: Any,
    env: str,
    ttl: str,
    now: datetime,
    *,
    environment: Environment | None = None,
    policy: RetryPolicy = DEFAULT_POLICY,
) -> ExtendReport:
    """Set ``provisioner-expires`` to ``now + ttl`` on every item ``env`` owns.

    Only items carrying both ownership tags are written. Raises :class:`UnknownEnvironment` when
    nothing in the target belongs to ``env`` (a typo must not pass silently in a pipeline).
    """
    expires = expiry_from(now, ttl)
    if environment is None:
        environment = find_environment(
            target.resources,
            env,
            retrying_call(target, policy),
        )
    if environment is None:
        raise UnknownEnvironment(env, target.label)
    updated: list[str] = []
    failed: list[tuple[str, str]] = []
    for item in environment.all_items():
        if not owned_by(item.tags, env):
            continue
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
