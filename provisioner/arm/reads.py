"""Reads of live bodies: by deterministic id, for a whole desired state, and who uses what.

Bodies come back as wire JSON (``model.as_dict()``), the form the planner diffs and the
executor re-sends, so nothing above this module handles SDK model objects from the cloud. Every
call goes through the caller's ``call`` (its retry policy): this module has no I/O policy of its
own.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceNotFoundError

from provisioner.arm.kinds import spec
from provisioner.arm.listing import ListedResource, list_environment
from provisioner.arm.retry import Call, direct
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import DesiredResource, DesiredState, Kind, Ownership
from provisioner.compile.ids import resource_group_of
from provisioner.compile.tags import EXPIRES_WITH_GROUP, TAG_CREATED, TAG_EXPIRES, tag

if TYPE_CHECKING:
    from provisioner.arm.target import Target


def operations(target: Target, kind: Kind) -> Any:
    """The SDK operation group that serves ``kind`` on ``target``."""
    s = spec(kind)
    return getattr(getattr(target, s.client), s.operations)


def get_body(
    target: Target, kind: Kind, resource_group: str, name: str, call: Call = direct
) -> dict[str, Any] | None:
    """The live body (wire JSON) of one resource, or None when it does not exist."""
    ops = operations(target, kind)
    args = (name,) if spec(kind).subscription_level else (resource_group, name)

    def get() -> Any:
        try:
            return ops.get(*args)
        except ResourceNotFoundError:  # inside ``call``, which translates what it gives up
            return None

    model = call(get)
    if model is None:
        return None
    return model.as_dict() if hasattr(model, "as_dict") else dict(model)


def get_by_id(
    target: Target, kind: Kind, resource_id: str, call: Call = direct
) -> dict[str, Any] | None:
    """:func:`get_body` for a full id."""
    return get_body(target, kind, resource_group_of(resource_id), resource_id.split("/")[-1], call)


def read_resource(target: Target, res: DesiredResource, call: Call) -> dict[str, Any] | None:
    """The live body of one desired resource. An adopted backend is named by its VM's id (the
    blueprint knows the VM, not its NIC): read the VM, then the member it names."""
    if res.ownership is Ownership.ADOPTED and res.kind is Kind.NETWORK_INTERFACE:
        vm = get_body(target, Kind.VIRTUAL_MACHINE, res.resource_group, res.name, call)
        member_id = BACKEND.member_of_vm(vm)
        if member_id is None:
            return None
        return get_by_id(target, BACKEND.kind, member_id, call)
    return get_body(target, res.kind, res.resource_group, res.name, call)


def read_desired(
    target: Target, state: DesiredState, call: Call, *, parallel: int = 8
) -> dict[str, dict[str, Any] | None]:
    """Live bodies of every resource the desired state names (None where absent).

    When the environment's resource group is absent nothing else can exist in it: one read.
    """
    out: dict[str, dict[str, Any] | None] = {}
    resources = state.order()
    group = next((r for r in resources if r.kind is Kind.RESOURCE_GROUP), None)
    if group is not None:
        out[group.key] = get_body(target, group.kind, group.resource_group, group.name, call)
        if out[group.key] is None and state.creates_resource_group:
            return {r.key: None for r in resources}
    rest = [r for r in resources if r.key not in out]

    def read(res: DesiredResource) -> dict[str, Any] | None:
        return read_resource(target, res, call)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        for res, body in zip(rest, pool.map(read, rest), strict=True):
            out[res.key] = body
    return out


@dataclass(frozen=True)
class EnvironmentTags:
    """The lifecycle tags a live environment carries, as ``up`` must keep them."""

    exists: bool
    expires: str | None  # the latest expiry among its resources
    created: str | None  # the earliest creation time among its resources


def environment_tags(target: Target, env: str, call: Call) -> EnvironmentTags:
    """Read the live environment's expiry and creation tags (kept by ``up`` unless replaced).

    ISO 8601 UTC strings of one format order like the instants they name, so ``max``/``min``
    on the strings are the latest/earliest.
    """
    return environment_tags_of(list_environment(target, env, call))


def environment_tags_of(found: Iterable[ListedResource]) -> EnvironmentTags:
    """:func:`environment_tags` from a listing already made (``up`` lists once)."""
    found = list(found)
    expiries = [e for r in found if (e := tag(r.tags, TAG_EXPIRES)) and e != EXPIRES_WITH_GROUP]
    created = [c for r in found if (c := tag(r.tags, TAG_CREATED))]
    return EnvironmentTags(
        exists=bool(found),
        expires=max(expiries) if expiries else None,
        created=min(created) if created else None,
    )


def read_usage(
    target: Target, resources: Iterable[ListedResource], call: Call = direct
) -> dict[str, list[str]]:
    """Who uses each resource (lower-case id → user ids), read from the live resources.

    Reads the *used* side (a NIC's VM, a public IP's ip configuration, a pool's members, a
    subnet's ip configurations): that is where Azure records the link, whoever created it.
    One GET per resource of a kind that records users; groups and unmanaged types cost nothing.
    """
    usage: dict[str, list[str]] = {}
    for res in resources:
        kind = res.kind
        if kind is None or spec(kind).used_by is None:
            continue
        body = get_body(target, kind, res.resource_group, res.name, call)
        users = spec(kind).users_of(body)
        if users:
            usage[res.id.lower()] = users
    return usage
