"""What of an environment may be deleted, and what must stay: the safety rules of cleanup/down.

1. Only items carrying ``provisioner-managed=true`` *and* this environment's ``provisioner-env``
   are candidates; everything else is invisible to deletion.
2. A resource in use by something that stays (unowned, or itself left) is left and reported,
   never detached or forced: a NIC on someone else's VM, a public IP on someone else's load
   balancer, a load balancer whose pool holds someone else's NIC, a VNet with someone else's NIC.
   A disk attached to our VM uses it the same way: our VM stays while a disk the tool did not
   create with it is attached (a data disk another team attached, an OS disk swapped in), and so
   does everything the VM holds on to.
3. A resource group goes whole only when the environment created it (ownership tags on the
   group) and it holds nothing else and nothing left by rule 2; otherwise its resources go one by
   one and the group is kept and reported.

The one untagged resource that counts as ours is a VM's own OS disk, the one the tool created
through the VM: the VM records it as its OS disk, it is named as ``compile/names.os_disk`` names
it, and it is attached with ``deleteOption: Delete`` (``compile/machines.py``). Azure sets
``managedBy`` on *every* attached disk, so ``managedBy`` alone proves nothing.

The decision is a pure function of plain data (:func:`plan_deletion`), and the teardown
(:mod:`provisioner.envs.teardown`) executes its result without deciding again.
:func:`read_deletion_inputs` is the only I/O: one GET per resource of a kind Azure records users
on, one per VM of ours (its disks), one per user that is not in the listing (its tags), plus one
listing per owned group.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from provisioner.arm.kinds import delete_rank_of_type, kind_of_type
from provisioner.arm.listing import ListedResource, list_group
from provisioner.arm.reads import get_body, get_by_id, read_usage
from provisioner.arm.retry import Call, direct
from provisioner.compile import names
from provisioner.compile.desired import Kind
from provisioner.compile.ids import top_level_id as owner_of
from provisioner.compile.machines import OS_DISK_DELETE_OPTION
from provisioner.compile.tags import owned_by
from provisioner.envs.discovery import Environment

if TYPE_CHECKING:
    from provisioner.arm.target import Target

__all__ = [
    "DeletionInputs",
    "DeletionPlan",
    "Left",
    "Machine",
    "foreign_in",
    "owner_of",
    "plan_deletion",
]


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
    #: Lower-case ids of our VMs' own OS disks: untagged, yet ours (they go with their VM).
    own_disks: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Machine:
    """One of our VMs as its body describes its disks (Azure records attachments on the VM)."""

    id: str
    os_disk: str | None  # id of the managed OS disk
    os_disk_delete: str | None  # its ``deleteOption``
    data_disks: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.id.rstrip("/").split("/")[-1]

    def own_os_disk(self, env: str) -> str | None:
        """The lower-case id of the OS disk the tool created through this VM, if it is still
        attached as the tool attached it (named for the VM, ``deleteOption: Delete``)."""
        if not self.os_disk or (self.os_disk_delete or "").lower() != OS_DISK_DELETE_OPTION.lower():
            return None
        disk_name = self.os_disk.rstrip("/").split("/")[-1]
        return self.os_disk.lower() if names.is_os_disk_of(env, self.name, disk_name) else None

    def attached(self) -> list[str]:
        """Every disk attached to the VM, OS disk first."""
        return ([self.os_disk] if self.os_disk else []) + list(self.data_disks)


def machine_of(body: Mapping[str, Any]) -> Machine:
    """A VM's disks from its live body (wire JSON)."""
    storage = ((body.get("properties") or {}).get("storageProfile")) or {}
    os_disk = storage.get("osDisk") or {}
    data = [
        str(d["managedDisk"]["id"])
        for d in storage.get("dataDisks") or []
        if isinstance(d, Mapping) and (d.get("managedDisk") or {}).get("id")
    ]
    return Machine(
        id=str(body.get("id") or ""),
        os_disk=(os_disk.get("managedDisk") or {}).get("id") or None,
        os_disk_delete=os_disk.get("deleteOption"),
        data_disks=tuple(data),
    )


@dataclass(frozen=True)
class DeletionInputs:
    """What :func:`plan_deletion` decides from, as :func:`read_deletion_inputs` reads it."""

    #: Everything live in each of the environment's own groups (by group name, owned or not).
    group_contents: Mapping[str, list[ListedResource]] = field(default_factory=dict)
    #: For a resource id (lower-case), the ids of what uses it.
    used_by: Mapping[str, list[str]] = field(default_factory=dict)
    #: Our VMs (lower-case id) and the disks attached to them.
    machines: Mapping[str, Machine] = field(default_factory=dict)
    #: Users (lower-case top-level ids) that carry this environment's tags but were not in the
    #: listing: created after it, by an ``up`` running meanwhile.
    late: frozenset[str] = frozenset()


def _short(resource_id: str) -> str:
    return resource_id.split("/providers/")[-1]


def _name(resource_id: str) -> str:
    return resource_id.rstrip("/").split("/")[-1]


def foreign_in(
    contents: Iterable[ListedResource],
    env: str,
    owned_ids: Collection[str],
    own_disks: Collection[str] = frozenset(),
) -> list[ListedResource]:
    """What in a group the environment does not own. ``own_disks`` (lower-case ids) are our VMs'
    own OS disks; any other disk is foreign, whatever its ``managedBy`` says."""
    return [
        c
        for c in contents
        if not owned_by(c.tags, env)
        and c.id.lower() not in owned_ids
        and c.id.lower() not in own_disks
    ]


def _foreign_disks(
    machines: Mapping[str, Machine], owned_ids: Collection[str], own_disks: Collection[str]
) -> dict[str, str]:
    """Our VMs that have a disk attached the tool did not create with them: id → why it stays."""
    ours = {*owned_ids, *own_disks}
    held: dict[str, str] = {}
    for vm_id, machine in machines.items():
        foreign = [d for d in machine.attached() if d.lower() not in ours]
        if foreign:
            held[vm_id.lower()] = attached_reason(foreign[0])
    return held


def attached_reason(disk_id: str) -> str:
    """Why a VM stays: a disk is attached that is not one provisioner created to go with it."""
    return (
        f"disk {_name(disk_id)} is attached to it and is not one provisioner created with it; "
        "detach the disk, or delete the VM yourself"
    )


def _pinned(
    owned: list[ListedResource],
    used_by: Mapping[str, Iterable[str]],
    ignored: set[str],
    late: Collection[str] = frozenset(),
    seeds: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Rule 2, to a fixed point (leaving one resource can pin what it uses in turn), from
    ``seeds`` (what stays for reasons of its own): lower-case id → why it stays."""
    owned_ids = {r.id.lower() for r in owned}
    left: dict[str, str] = dict(seeds or {})
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
                if holder in late:
                    left[rid] = (
                        f"in use by {_short(user)}, which is this environment's but was created "
                        "after the environment was listed for deletion (an up running "
                        "meanwhile?); run the teardown again"
                    )
                elif holder not in owned_ids:
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
    own_disks: Collection[str],
    left: Mapping[str, str],
) -> tuple[list[str], list[Left]]:
    """Rule 3: the owned groups that go whole, and the ones kept with their reason."""
    whole: list[str] = []
    kept: list[Left] = []
    for group in env.resource_groups:
        if not owned_by(group.tags, env.name):
            continue
        contents = list(group_contents.get(group.name, ()))
        foreign = foreign_in(contents, env.name, owned_ids, own_disks)
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
    *,
    machines: Mapping[str, Machine] | None = None,
    late: Collection[str] = frozenset(),
) -> DeletionPlan:
    """Apply the three rules.

    ``group_contents``: everything live in each of the environment's own groups (by group name,
    owned or not). ``used_by``: for a resource id (lower-case), the ids of what uses it.
    ``ignore_users``: top-level ids whose links do not pin anything (``down`` with a blueprint
    detaches the brownfield NICs it adopted before deleting, so those may be ignored there).
    ``machines``: our VMs and their disks; ``late``: users that are this environment's but were
    not listed (see :class:`DeletionInputs`).
    A resource of a type provisioner does not delete is left unless its group goes whole.
    """
    owned = [r for r in env.resources if owned_by(r.tags, env.name)]
    owned_ids = {r.id.lower() for r in owned}
    machines = machines or {}
    own_disks = {d for m in machines.values() if (d := m.own_os_disk(env.name))}
    held = _foreign_disks(machines, owned_ids, own_disks)
    ignored = {owner_of(u) for u in ignore_users}
    left = _pinned(owned, used_by, ignored, {x.lower() for x in late}, held)
    whole, kept_groups = _groups(env, group_contents, owned_ids, own_disks, left)

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
    return DeletionPlan(
        tuple(whole), tuple(one_by_one), tuple(lefts + kept_groups), frozenset(own_disks)
    )


def read_group_contents(
    target: Target, env: Environment, call: Call = direct
) -> dict[str, list[ListedResource]]:
    """Everything in each group the environment owns, ours or not (one listing per group)."""
    return {
        group.name: list_group(target, group.name, call)
        for group in env.resource_groups
        if owned_by(group.tags, env.name)
    }


def read_machines(target: Target, env: Environment, call: Call = direct) -> dict[str, Machine]:
    """Our VMs' disks, from the VMs themselves (one GET per VM; a VM gone meanwhile is skipped)."""
    out: dict[str, Machine] = {}
    for res in env.resources:
        if res.kind is Kind.VIRTUAL_MACHINE and owned_by(res.tags, env.name):
            body = get_body(target, Kind.VIRTUAL_MACHINE, res.resource_group, res.name, call)
            if body is not None:
                out[res.id.lower()] = machine_of({"id": res.id, **body})
    return out


def read_late_users(
    target: Target, env: Environment, used_by: Mapping[str, Iterable[str]], call: Call = direct
) -> frozenset[str]:
    """Users of our resources that were not in the listing yet carry this environment's tags
    (one GET each, usually none): made by an ``up`` that ran after the listing."""
    listed = {r.id.lower() for r in env.all_items()}
    holders = {owner_of(u) for users in used_by.values() for u in users} - listed
    late = set()
    for holder in sorted(holders):
        kind = kind_of_type(_type_of(holder))
        if kind is None or kind is Kind.RESOURCE_GROUP:
            continue
        body = get_by_id(target, kind, holder, call)
        if body is not None and owned_by(body.get("tags") or {}, env.name):
            late.add(holder)
    return frozenset(late)


def _type_of(resource_id: str) -> str:
    parts = resource_id.strip("/").split("/")
    return f"{parts[5]}/{parts[6]}" if len(parts) >= 8 else ""


def read_deletion_inputs(target: Target, env: Environment, call: Call = direct) -> DeletionInputs:
    """What :func:`plan_deletion` decides from (reads only)."""
    used_by = read_usage(target, env.resources, call)
    return DeletionInputs(
        group_contents=read_group_contents(target, env, call),
        used_by=used_by,
        machines=read_machines(target, env, call),
        late=read_late_users(target, env, used_by, call),
    )
