"""What of an environment may be deleted, and what must stay: the safety rules of cleanup/down.

1. Only items carrying ``provisioner-managed=true`` *and* this environment's ``provisioner-env``
   are candidates; everything else is invisible to deletion.
2. A resource in use by something that stays (unowned, or itself left) is left and reported,
   never detached or forced: a NIC on someone else's VM, a public IP on someone else's load
   balancer, a load balancer whose pool holds someone else's NIC, a VNet with someone else's NIC.
3. A resource group goes whole only when the environment created it (ownership tags on the
   group) and it holds nothing else and nothing left by rule 2; otherwise its resources go one by
   one and the group is kept and reported.

The decision is a pure function of plain data (:func:`plan_deletion`); :func:`read_usage` is the
only I/O, one GET per network resource of the environment, plus one listing per owned group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from azure.core.exceptions import ResourceNotFoundError

from provisioner.compile.ids import top_level_id as owner_of
from provisioner.envs.discovery import Environment, FoundResource, found_from_sdk
from provisioner.envs.tags import owned_by

T = TypeVar("T")
#: Runs one SDK call under the caller's retry policy.
Call = Callable[[Callable[[], T]], T]


def _direct(fn: Callable[[], T]) -> T:
    return fn()


#: Deletion order, dependents first (the reverse of the order ``up`` creates them in).
DELETE_ORDER = (
    "microsoft.compute/virtualmachines",
    "microsoft.network/networkinterfaces",
    "microsoft.network/loadbalancers",
    "microsoft.network/publicipaddresses",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/virtualnetworks",
)


def delete_rank(resource_type: str) -> int:
    t = resource_type.lower()
    return DELETE_ORDER.index(t) if t in DELETE_ORDER else len(DELETE_ORDER)


@dataclass(frozen=True)
class Left:
    id: str
    reason: str


@dataclass(frozen=True)
class DeletionPlan:
    """What to delete, in which form, and what stays with its reason."""

    whole_groups: tuple[str, ...]  # group names, deleted with everything in them
    one_by_one: tuple[FoundResource, ...]  # in dependency order
    left: tuple[Left, ...]

    @property
    def deletes_anything(self) -> bool:
        return bool(self.whole_groups or self.one_by_one)


def plan_deletion(
    env: Environment,
    group_contents: Mapping[str, Iterable[FoundResource]],
    used_by: Mapping[str, Iterable[str]],
    ignore_users: Iterable[str] = (),
) -> DeletionPlan:
    """Apply the three rules.

    ``group_contents``: everything live in each of the environment's own groups (by group name,
    owned or not). ``used_by``: for a resource id (lower-case), the ids of what uses it.
    ``ignore_users``: top-level ids whose links do not pin anything (``down`` with a blueprint
    detaches the brownfield NICs it adopted before deleting, so those may be ignored there).
    """
    ignored = {owner_of(u) for u in ignore_users}
    owned = [r for r in env.resources if owned_by(r.tags, env.name)]
    owned_ids = {r.id.lower() for r in owned}
    left: dict[str, str] = {}

    # Rule 2, to a fixed point: leaving one resource can pin what it uses in turn.
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
                    left[rid] = (
                        f"in use by {user.split('/providers/')[-1]}, not in this environment"
                    )
                elif holder in left:
                    left[rid] = f"in use by {holder.split('/providers/')[-1]}, which is left"
                else:
                    continue
                changed = True
                break

    whole: list[str] = []
    kept_groups: list[Left] = []
    for group in env.resource_groups:
        if not owned_by(group.tags, env.name):
            continue
        contents = list(group_contents.get(group.name, ()))
        foreign = [
            c
            for c in contents
            if not owned_by(c.tags, env.name)
            and (c.managed_by or "").lower() not in owned_ids  # our VM's OS disk is ours
        ]
        stuck = [c for c in contents if c.id.lower() in left]
        if not foreign and not stuck:
            whole.append(group.name)
            continue
        names = ", ".join(sorted(c.name for c in foreign + stuck)[:5])
        why = "holds resources this environment does not own" if foreign else "holds resources left"
        kept_groups.append(Left(group.id, f"{why} ({names}); kept, its own resources deleted"))

    whole_lower = {g.lower() for g in whole}
    one_by_one = sorted(
        (
            r
            for r in owned
            if r.id.lower() not in left and r.resource_group.lower() not in whole_lower
        ),
        key=lambda r: (delete_rank(r.type), r.id.lower()),
    )
    lefts = [Left(r.id, left[r.id.lower()]) for r in owned if r.id.lower() in left]
    return DeletionPlan(tuple(whole), tuple(one_by_one), tuple(lefts + kept_groups))


def _ids(items: Iterable[Any] | None) -> list[str]:
    return [i.id for i in (items or []) if getattr(i, "id", None)]


def read_usage(network: Any, env: Environment, call: Call = _direct) -> dict[str, list[str]]:
    """Who uses each of the environment's network resources, read from the live resources.

    Reads the *used* side (a NIC's VM, a public IP's ip configuration, a pool's members, a
    subnet's ip configurations): that is where Azure records the link, whoever created it.
    """
    usage: dict[str, list[str]] = {}
    for res in env.resources:
        t, rg, name = res.type.lower(), res.resource_group, res.name
        users: list[str] = []
        try:
            users = _users_of(network, t, rg, name, call)
        except ResourceNotFoundError:
            continue  # already gone: nothing uses it
        if users:
            usage[res.id.lower()] = users
    return usage


def _users_of(network: Any, t: str, rg: str, name: str, call: Call) -> list[str]:
    users: list[str] = []
    if t == "microsoft.network/networkinterfaces":
        nic = call(lambda: network.network_interfaces.get(rg, name))
        if nic.virtual_machine is not None and nic.virtual_machine.id:
            users.append(nic.virtual_machine.id)
    elif t == "microsoft.network/publicipaddresses":
        pip = call(lambda: network.public_ip_addresses.get(rg, name))
        if pip.ip_configuration is not None and pip.ip_configuration.id:
            users.append(pip.ip_configuration.id)
    elif t == "microsoft.network/loadbalancers":
        lb = call(lambda: network.load_balancers.get(rg, name))
        for pool in lb.backend_address_pools or []:
            users += _ids(pool.backend_ip_configurations)
    elif t == "microsoft.network/virtualnetworks":
        vnet = call(lambda: network.virtual_networks.get(rg, name))
        for subnet in vnet.subnets or []:
            users += _ids(subnet.ip_configurations)
    return users


def read_group_contents(
    resource_client: Any, env: Environment, call: Call = _direct
) -> dict[str, list[FoundResource]]:
    """Everything in each group the environment owns, ours or not (one listing per group)."""
    contents: dict[str, list[FoundResource]] = {}
    for group in env.resource_groups:
        if owned_by(group.tags, env.name):
            try:
                items = call(
                    lambda g=group.name: list(resource_client.resources.list_by_resource_group(g))
                )
            except ResourceNotFoundError:
                items = []
            contents[group.name] = [found_from_sdk(i) for i in items]
    return contents
