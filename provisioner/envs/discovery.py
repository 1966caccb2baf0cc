"""Find every environment in a subscription from its tags, in one listing per kind of thing.

Cleanup must see environments nobody remembers (a cancelled pipeline leaves no state file), so
the tags on the live resources are the only record. Two paged list calls cover a subscription
(``arm.listing.list_managed``): resources carrying the ``provisioner-managed`` tag, and resource
groups; or one Resource Graph query. Never one request per group: a subscription with hundreds
of groups must cost the same two calls. This module groups what the listing returns.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from provisioner.arm.listing import ListedResource, list_managed, list_managed_graph
from provisioner.arm.retry import Call, direct
from provisioner.compile.tags import (
    EXPIRES_WITH_GROUP,
    TAG_BLUEPRINT,
    TAG_CREATED,
    TAG_EXPIRES,
    owned_by,
    tag,
)
from provisioner.envs.ttl import parse_timestamp

if TYPE_CHECKING:
    from provisioner.arm.target import Target


@dataclass(frozen=True)
class Environment:
    """Everything in the subscription that carries one environment's ownership tags.

    ``expires`` is the *latest* expiry among its resources, and None if any of them has none (or
    an unreadable one): an environment is expired only when all of it is, so a half-finished
    ``extend`` or a hand-edited tag keeps it alive rather than getting it deleted. Resources
    tagged ``with-group`` expire with the environment's resource group.
    ``created`` is the earliest ``provisioner-created`` tag, None when no resource carries one.
    """

    name: str
    digest: str | None
    created: datetime | None
    expires: datetime | None
    resources: tuple[ListedResource, ...] = ()
    resource_groups: tuple[ListedResource, ...] = ()

    @property
    def resource_count(self) -> int:
        return len(self.resources) + len(self.resource_groups)

    def all_items(self) -> tuple[ListedResource, ...]:
        return self.resource_groups + self.resources


def _latest_expiry(items: list[ListedResource]) -> datetime | None:
    """The latest expiry of all ``items``; None when any has none, or an unreadable one.

    An item tagged ``with-group`` expires with the environment's resource group(s); with no
    group of its own to defer to, it keeps the environment alive like any unreadable tag.
    """
    groups = [i for i in items if i.is_resource_group]
    latest: datetime | None = None
    for item in items:
        value = tag(item.tags, TAG_EXPIRES)
        if value == EXPIRES_WITH_GROUP and groups:
            continue  # counted through the groups, which are items too
        moment = parse_timestamp(value)
        if moment is None:
            return None
        latest = moment if latest is None or moment > latest else latest
    return latest


def _earliest_created(items: Iterable[ListedResource]) -> datetime | None:
    moments = [parse_timestamp(tag(i.tags, TAG_CREATED)) for i in items]
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def group_environments(found: Iterable[ListedResource]) -> list[Environment]:
    """Group managed items by their ``provisioner-env`` tag, sorted by name.

    Items without an env tag, not managed, or tagged with a name the tool could never write
    belong to no environment and are dropped: nothing can select them, so nothing can delete them.
    """
    by_env: dict[str, list[ListedResource]] = defaultdict(list)
    for item in found:
        env = item.env
        if env and owned_by(item.tags, env):
            by_env[env].append(item)
    environments = []
    for name in sorted(by_env):
        items = sorted(by_env[name], key=lambda i: i.id.lower())
        digests = Counter(d for i in items if (d := tag(i.tags, TAG_BLUEPRINT)))
        environments.append(
            Environment(
                name=name,
                digest=digests.most_common(1)[0][0] if digests else None,
                created=_earliest_created(items),
                expires=_latest_expiry(items),
                resources=tuple(i for i in items if not i.is_resource_group),
                resource_groups=tuple(i for i in items if i.is_resource_group),
            )
        )
    return environments


def discover_environments(
    target: Target, *, graph_client: Any | None = None, call: Call = direct
) -> list[Environment]:
    """Every environment in the subscription. Uses Resource Graph when a graph client is given."""
    if graph_client is not None:
        found = list_managed_graph(graph_client, target.subscription_id, call)
    else:
        found = list_managed(target, call)
    return group_environments(found)


def find_environment(target: Target, env: str, call: Call = direct) -> Environment | None:
    """One environment by name (same two listings; None when nothing carries its tags)."""
    for environment in discover_environments(target, call=call):
        if environment.name == env:
            return environment
    return None


def environment_of(env: str, listed: Iterable[ListedResource]) -> Environment:
    """One environment from a listing of its own resources (``down`` lists by its tag)."""
    for environment in group_environments(listed):
        if environment.name == env:
            return environment
    return Environment(env, None, None, None)
