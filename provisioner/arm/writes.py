"""The handful of writes the tool makes: put a body, delete by name, patch tags, leave pools.

Bodies are wire JSON (``model.as_dict()``), wrapped back into the kind's SDK model class so what
the SDK sends is exactly what the planner compared. Kinds marked ``if_match`` (and adopted
members) are written with ``If-Match``: azure-mgmt-network 33 exposes no ``etag=`` keyword on
these operations, so the header goes in through ``headers=``; a mismatch surfaces as a 412
``HttpResponseError``. None of these retries: callers wrap a whole unit (read-modify-write) in
their retry policy, so a retried write never re-sends a stale ETag.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceNotFoundError

from provisioner.arm.kinds import TagPatch, spec
from provisioner.arm.reads import get_by_id, operations
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import Kind
from provisioner.compile.ids import resource_group_of

if TYPE_CHECKING:
    from provisioner.arm.target import Target


def put(
    target: Target,
    kind: Kind,
    resource_group: str,
    name: str,
    body: Mapping[str, Any],
    *,
    if_match: str | None = None,
) -> dict[str, Any]:
    """Create or update one resource and wait for it; returns the final live body."""
    s = spec(kind)
    ops = operations(target, kind)
    model = s.model_class()(dict(body))
    if s.subscription_level:
        result = ops.create_or_update(name, model)
    else:
        kwargs: dict[str, Any] = {}
        if if_match:
            kwargs["headers"] = {"If-Match": if_match}
        result = ops.begin_create_or_update(resource_group, name, model, **kwargs).result()
    return result.as_dict() if result is not None else {}


def delete(target: Target, kind: Kind, resource_group: str, name: str) -> bool:
    """Delete one resource and wait; False when it was already gone (a retried delete)."""
    ops = operations(target, kind)
    try:
        if spec(kind).subscription_level:
            ops.begin_delete(name).result()
        else:
            ops.begin_delete(resource_group, name).result()
    except ResourceNotFoundError:
        return False
    return True


def patch_tags(
    target: Target, kind: Kind, resource_group: str, name: str, tags: dict[str, str]
) -> dict[str, Any]:
    """Replace one resource's tags with ``tags`` through its tags-only PATCH; nothing else is
    sent, so it cannot undo a concurrent write of the body. Returns the live body after it."""
    s = spec(kind)
    ops = operations(target, kind)
    if s.tag_patch is TagPatch.GROUP:
        from azure.mgmt.resource.resources.models import ResourceGroupPatchable

        result = ops.update(name, ResourceGroupPatchable(tags=tags))
    elif s.tag_patch is TagPatch.COMPUTE:
        from azure.mgmt.compute.models import VirtualMachineUpdate

        result = ops.begin_update(resource_group, name, VirtualMachineUpdate(tags=tags)).result()
    else:
        from azure.mgmt.network.models import TagsObject

        result = ops.update_tags(resource_group, name, TagsObject(tags=tags))
    return result.as_dict() if result is not None else {}


def leave_pools(target: Target, member_id: str, pool_ids: Collection[str]) -> dict[str, Any] | None:
    """One backend member without references to ``pool_ids`` (lower-case ids): read it, take
    the pools out, write it back guarded by the ETag just read. None when it is gone.

    Read and write are one unit: wrap the whole call in a retry, so that a 412 (someone wrote
    the member in between) starts again from a fresh read.
    """
    member = get_by_id(target, BACKEND.kind, member_id)
    if member is None:
        return None
    body = BACKEND.leave(member, pool_ids)
    rg, name = resource_group_of(member_id), member_id.split("/")[-1]
    return put(target, BACKEND.kind, rg, name, body, if_match=member.get("etag"))
