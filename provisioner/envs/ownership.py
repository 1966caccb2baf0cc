"""What of an environment may be deleted, and what must stay: the safety rules of cleanup/down.

1. Only items carrying ``provisioner-managed=true`` *and* this environment's ``provisioner-env``
   are candidates; everything else is invisible to deletion.
2. A resource in use by something that stays (unowned, or itself left) is left and reported,
   never detached or forced: a NIC on someone else's VM, a public IP on someone else's load
   balancer, a load balancer whose pool holds someone else's NIC, a VNet with someone else's NIC.
3. A resource group goes whole only when the environment created it (ownership tags on the
   group) and it holds nothing else and nothing left by rule 2; otherwise its resources go one by
   one and the group is kept and reported.

The decision is a pure function of plain data (:func:`plan_deletion`), and the teardown
(:mod:`provisioner.envs.teardown`) executes its result without deciding again.
:func:`read_deletion_inputs` is the only I/O: one GET per resource of a kind Azure records users
on, plus one listing per owned group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from provisioner.arm.kinds import delete_rank_of_type
from provisioner.arm.listing import ListedResource, list_group
from provisioner.arm.reads import read_usage
from provisioner.arm.retry import Call, direct
from provisioner.compile.ids import top_level_id as owner_of
from provisioner.compile.tags import owned_by
from provisioner.envs.discovery import Environment

if TYPE_CHECKING:
    from provisioner.arm.target import Target

__all__ = ["DeletionPlan", "Left", "foreign_in", "owner_of", "plan_deletion"]


@dataclass(frozen=True)
class Left:
    """A resource that was not deleted, and the reason a user can act on."""

    id: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class DeletionPlan:
    """What to delete, in which form, and what stays with its reason."""

    whole_groups: tuple[str, ...]  # group names, deleted with everything in them
    one_by_one: tuple[ListedResource, ...]  # in dependency order, each of a kind we delete
    left: tuple[Left, ...]


def _short(resource_id: str) -> str:
    return resource_id.split("/providers/")[-1]


def foreign_in(
    contents: Iterable[ListedResource], env: str, owned_ids: set[str]
) -> list[ListedResource]:
    """What in a group the environment does not own (our VM's OS disk, managed by it, is ours)."""
    return [
        c
        for c in contents
        if not owned_by(c.tags, env)
        and c.id.lower() not in owned_ids
        and (c.managed_by or "").lower() not in owned_ids
    ]


def _pinned(
    owned: list[ListedResource], used_by: Mapping[str, Iterable[str]], ignored: set[str]
) -> dict[str, str]:
    """Rule 2, to a fixed point (leaving one resource can pin what it uses in turn):
    lower-case id → why it stays."""
    owned_ids = {r.id.lower() for r in owned}
    left: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for res in owned:
            rid = res.id.lower()
            if rid in left:
                continue
            for user in used_by.get(rid, ()):
                holder = owner_of(user)
                if holder == rid or holder in ignored:
                    continue
                if holder not in owned_ids:
                    left[rid] = f"in use by {_short(user)}, not in this environment"
                elif holder in left:
                    left[rid] = f"in use by {_short(holder)}, which is left"
                else:
                    continue
                changed = True
                break
    return left


def _groups(
    env: Environment,
    group_contents: Mapping[str, Iterable[ListedResource]],
    owned_ids: set[str],
    left: Mapping[str, str],
) -> tuple[list[str], list[Left]]:
    """Rule 3: the owned groups that go whole, and the ones kept with their reason."""
    whole: list[str] = []
    kept: list[Left] = []
    for group in env.resource_groups:
        if not owned_by(group.tags, env.name):
            continue
        contents = list(group_contents.get(group.name, ()))
        foreign = foreign_in(contents, env.name, owned_ids)
        stuck = [c for c in contents if c.id.lower() in left]
        if not foreign and not stuck:
            whole.append(group.name)
            continue
        names = ", ".join(sorted(c.name for c in foreign + stuck)[:5])
        why = "holds resources this environment does not own" if foreign else "holds resources left"
        kept.append(Left(group.id, f"{why} ({names}); kept, its own resources deleted"))
    return whole, kept


def plan_deletion(
    env: Environment,
    group_contents: Mapping[str, Iterable[ListedResource]],
    used_by: Mapping[str, Iterable[str]],
    ignore_users: Iterable[str] = (),
) -> DeletionPlan:
    """Apply the three rules.

    ``group_contents``: everything live in each of the environment's own groups (by group name,
    owned or not). ``used_by``: for a resource id (lower-case), the ids of what uses it.
    ``ignore_users``: top-level ids whose links do not pin anything (``down`` with a blueprint
    detaches the brownfield NICs it adopted before deleting, so those may be ignored there).
    A resource of a type provisioner does not delete is left unless its group goes whole.
    """
    owned = [r for r in env.resources if owned_by(r.tags, env.name)]
    owned_ids = {r.id.lower() for r in owned}
    left = _pinned(owned, used_by, {owner_of(u) for u in ignore_users})
    whole, kept_groups = _groups(env, group_contents, owned_ids, left)

    whole_lower = {g.lower() for g in whole}
    rest = [
        r for r in owned if r.id.lower() not in left and r.resource_group.lower() not in whole_lower
    ]
    for r in rest:
        if r.kind is None:
            left[r.id.lower()] = f"type {r.type} is not one provisioner deletes"
    one_by_one = sorted(
        (r for r in rest if r.kind is not None),
        key=lambda r: (delete_rank_of_type(r.type), r.id.lower()),
    )
    lefts = [Left(r.id, left[r.id.lower()]) for r in owned if r.id.lower() in left]
    return DeletionPlan(tuple(whole), tuple(one_by_one), tuple(lefts + kept_groups))


def read_group_contents(
    target: Target, env: Environment, call: Call = direct
) -> dict[str, list[ListedResource]]:
    """Everything in each group the environment owns, ours or not (one listing per group)."""
    return {
        group.name: list_group(target, group.name, call)
        for group in env.resource_groups
        if owned_by(group.tags, env.name)
    }


def read_deletion_inputs(
    target: Target, env: Environment, call: Call = direct
) -> tuple[dict[str, list[ListedResource]], dict[str, list[str]]]:
    """What :func:`plan_deletion` decides from: group contents and usage links (reads only)."""
    return read_group_contents(target, env, call), read_usage(target, env.resources, call)
