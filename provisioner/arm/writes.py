"""The handful of writes the tool makes: put a body, delete by name, patch tags, leave pools.

Bodies are wire JSON (``model.as_dict()``), wrapped back into the kind's SDK model class so what
the SDK sends is exactly what the planner compared. Kinds marked ``if_match`` (and adopted
members) are written with ``If-Match``: azure-mgmt-network 33 exposes no ``etag=`` keyword on
these operations, so the header goes in through ``headers=``; a mismatch surfaces as a 412
``HttpResponseError``, never retried here: the caller reads and plans again.

Given a :class:`~provisioner.arm.retry.Retrier`, a write retries the request that failed and
lands once (``arm.write_once``): the caller says what "landed" means for a PUT (``landed``: the
live body is what it asked for); a delete has landed when the resource is gone, a tag patch when
the tags are the ones sent. Without one, the write is sent once and a caller may retry a larger
unit around it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceNotFoundError

from provisioner.arm.kinds import TagPatch, spec
from provisioner.arm.reads import get_body, get_by_id, operations
from provisioner.arm.retry import Retrier, direct
from provisioner.arm.write_once import (
    NOT_LANDED,
    PENDING,
    Seen,
    Verdict,
    provisioning_state,
    settled,
    write_once,
)
from provisioner.compile.backends import BACKEND
from provisioner.compile.desired import Kind
from provisioner.compile.ids import resource_group_of

if TYPE_CHECKING:
    from provisioner.arm.target import Target


#: Whether a live body is what a PUT asked for (the planner's "nothing to change").
Landed = Callable[[dict[str, Any]], bool]


def put(
    target: Target,
    kind: Kind,
    resource_group: str,
    name: str,
    body: Mapping[str, Any],
    *,
    if_match: str | None = None,
    retry: Retrier | None = None,
    landed: Landed | None = None,
) -> dict[str, Any]:
    """Create or update one resource and wait for it; returns the final live body.

    With ``retry``, a PUT whose answer was lost is sent again only if the resource, read again,
    is not ``landed`` (without ``landed``: always), or still carries the ``if_match`` ETag.
    """
    s = spec(kind)
    ops = operations(target, kind)
    model = s.model_class()(dict(body))
    if s.subscription_level:

        def send() -> Any:
            return ops.create_or_update(name, model)
    else:
        kwargs: dict[str, Any] = {}
        if if_match:
            kwargs["headers"] = {"If-Match": if_match}

        def send() -> Any:
            return ops.begin_create_or_update(resource_group, name, model, **kwargs)

    def reread() -> Seen:
        live = get_body(target, kind, resource_group, name)
        if live is None:
            return NOT_LANDED
        if not settled(live):
            return PENDING
        if provisioning_state(live) not in (None, "succeeded"):
            return NOT_LANDED  # Failed or Canceled: the write did not take
        if if_match and live.get("etag") == if_match:
            return NOT_LANDED  # nothing has written it since we read it
        if landed is None or not landed(live):
            return NOT_LANDED
        return Seen(Verdict.LANDED, live)

    result = write_once(retry, send, long_running=not s.subscription_level, reread=reread)
    if isinstance(result, dict):
        return result
    return result.as_dict() if result is not None else {}


def delete(
    target: Target, kind: Kind, resource_group: str, name: str, *, retry: Retrier | None = None
) -> bool:
    """Delete one resource and wait; False when it was already gone (a retried delete).

    With ``retry``, a DELETE whose answer was lost is sent again only if the resource is still
    there and not being deleted.
    """
    ops = operations(target, kind)
    args = (name,) if spec(kind).subscription_level else (resource_group, name)

    def reread() -> Seen:
        live = get_body(target, kind, resource_group, name)
        if live is None:
            return Seen(Verdict.LANDED, True)
        return PENDING if not settled(live) else NOT_LANDED

    try:
        write_once(retry, lambda: ops.begin_delete(*args), reread=reread)
    except ResourceNotFoundError:
        return False
    return True


def patch_tags(
    target: Target,
    kind: Kind,
    resource_group: str,
    name: str,
    tags: dict[str, str],
    *,
    retry: Retrier | None = None,
) -> dict[str, Any]:
    """Replace one resource's tags with ``tags`` through its tags-only PATCH; nothing else is
    sent, so it cannot undo a concurrent write of the body. With ``retry``, a PATCH whose
    answer was lost is sent again only if the live tags are not ``tags``. Returns the live body
    after it."""
    s = spec(kind)
    ops = operations(target, kind)
    if s.tag_patch is TagPatch.GROUP:
        from azure.mgmt.resource.resources.models import ResourceGroupPatchable

        def send() -> Any:
            return ops.update(name, ResourceGroupPatchable(tags=tags))
    elif s.tag_patch is TagPatch.COMPUTE:
        from azure.mgmt.compute.models import VirtualMachineUpdate

        def send() -> Any:
            return ops.begin_update(resource_group, name, VirtualMachineUpdate(tags=tags))

    else:
        from azure.mgmt.network.models import TagsObject

        def send() -> Any:
            return ops.update_tags(resource_group, name, TagsObject(tags=tags))

    def reread() -> Seen:
        live = get_body(target, kind, resource_group, name)
        if live is None:
            return NOT_LANDED
        if not settled(live):
            return PENDING
        return Seen(Verdict.LANDED, live) if (live.get("tags") or {}) == tags else NOT_LANDED

    long_running = s.tag_patch is TagPatch.COMPUTE
    result = write_once(retry, send, long_running=long_running, reread=reread)
    if isinstance(result, dict):
        return result
    return result.as_dict() if result is not None else {}


def leave_pools(
    target: Target, member_id: str, pool_ids: Collection[str], *, retry: Retrier | None = None
) -> dict[str, Any] | None:
    """One backend member without references to ``pool_ids`` (lower-case ids): read it, take
    the pools out, write it back guarded by the ETag just read. None when it is gone.

    A 412 (someone wrote the member in between) is raised: read and write are one unit, to be
    started again from a fresh read.
    """
    member = get_by_id(target, BACKEND.kind, member_id, retry or direct)
    if member is None:
        return None
    body = BACKEND.leave(member, pool_ids)
    rg, name = resource_group_of(member_id), member_id.split("/")[-1]
    doomed = {p.lower() for p in pool_ids}

    def left(live: dict[str, Any]) -> bool:
        return not {p.lower() for p in BACKEND.pools(live)} & doomed

    return put(
        target,
        BACKEND.kind,
        rg,
        name,
        body,
        if_match=member.get("etag"),
        retry=retry,
        landed=left,
    )
