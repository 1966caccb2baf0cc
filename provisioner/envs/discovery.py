"""Find every environment in a subscription from its tags, in one listing per kind of thing.

Cleanup must see environments nobody remembers (a cancelled pipeline leaves no state file), so
the tags on the live resources are the only record. Two paged list calls cover a subscription:
resources carrying the ``provisioner-managed`` tag, and resource groups. Never one request per
group: a subscription with hundreds of groups must cost the same two calls.

Azure quirk honoured here: when ``resources.list`` is filtered by tag name *and value*, Azure
returns the resources without their tags. We filter by tag name only, which keeps the tags, and
check the value (and everything else) here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from provisioner.compile.ids import resource_group_of
from provisioner.envs.tags import (
    TAG_BLUEPRINT,
    TAG_CREATED,
    TAG_ENV,
    TAG_EXPIRES,
    TAG_MANAGED,
    is_managed,
    tag,
)
from provisioner.envs.ttl import parse_timestamp

T = TypeVar("T")
#: Runs one SDK call (here: one whole paged listing) under the caller's retry policy.
Call = Callable[[Callable[[], T]], T]


def _direct(fn: Callable[[], T]) -> T:
    return fn()


RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups"
MANAGED_FILTER = f"tagName eq '{TAG_MANAGED}'"


@dataclass(frozen=True)
class FoundResource:
    """One live resource (or resource group) as a listing shows it: identity and tags only."""

    id: str
    name: str
    type: str
    resource_group: str
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The resource that owns this one's lifecycle (a VM's OS disk names its VM), if any.
    managed_by: str | None = None

    @property
    def is_resource_group(self) -> bool:
        return self.type.lower() == RESOURCE_GROUP_TYPE.lower()

    @property
    def env(self) -> str | None:
        return tag(self.tags, TAG_ENV)


@dataclass(frozen=True)
class Environment:
    """Everything in the subscription that carries one environment's ownership tags.

    ``expires`` is the *latest* expiry among its resources, and None if any of them has none (or
    an unreadable one): an environment is expired only when all of it is, so a half-finished
    ``extend`` or a hand-edited tag keeps it alive rather than getting it deleted.
    ``created`` is the earliest ``provisioner-created`` tag, None when no resource carries one.
    """

    name: str
    digest: str | None
    created: datetime | None
    expires: datetime | None
    resources: tuple[FoundResource, ...] = ()
    resource_groups: tuple[FoundResource, ...] = ()

    @property
    def resource_count(self) -> int:
        return len(self.resources) + len(self.resource_groups)

    def all_items(self) -> tuple[FoundResource, ...]:
        return self.resource_groups + self.resources


def found_from_sdk(item: Any) -> FoundResource:
    """A ``GenericResourceExpanded`` or ``ResourceGroup`` from the SDK, as plain data."""
    rid = item.id or ""
    rtype = item.type or ""
    is_group = rtype.lower() == RESOURCE_GROUP_TYPE.lower()
    return FoundResource(
        id=rid,
        name=item.name or "",
        type=RESOURCE_GROUP_TYPE if is_group else rtype,
        resource_group=item.name if is_group else resource_group_of(rid),
        tags=dict(item.tags or {}),
        managed_by=getattr(item, "managed_by", None) or None,
    )


def found_from_graph_row(row: Mapping[str, Any]) -> FoundResource:
    """One Azure Resource Graph row (``id, name, type, resourceGroup, tags``) as plain data.

    Resource Graph lower-cases ``type``; ARM's own casing is restored for groups so the rest of
    the code can compare types one way.
    """
    rtype = str(row.get("type") or "")
    is_group = rtype.lower() == RESOURCE_GROUP_TYPE.lower()
    name = str(row.get("name") or "")
    return FoundResource(
        id=str(row.get("id") or ""),
        name=name,
        type=RESOURCE_GROUP_TYPE if is_group else rtype,
        resource_group=name if is_group else str(row.get("resourceGroup") or ""),
        tags=dict(row.get("tags") or {}),
    )


def list_managed_arm(resource_client: Any, call: Call = _direct) -> list[FoundResource]:
    """All managed resources and groups, via ARM: two paged list calls for the subscription.

    ``resource_client`` is an ``azure.mgmt.resource.resources.ResourceManagementClient``. A
    listing that fails on a later page is retried whole (``call``), never half-used: a partial
    listing would make an environment look smaller than it is.
    """
    resources = resource_client.resources
    found = call(lambda: [found_from_sdk(r) for r in resources.list(filter=MANAGED_FILTER)])
    # Groups are listed unfiltered: a subscription's groups are few, and this way their tags are
    # always returned whatever the service does with tag filters.
    groups = resource_client.resource_groups
    found += call(lambda: [found_from_sdk(g) for g in groups.list()])
    return [f for f in found if is_managed(f.tags)]


#: Resource Graph: resources and resource groups carrying the managed tag, in one query.
GRAPH_QUERY = (
    "resources "
    f"| where tags['{TAG_MANAGED}'] =~ 'true' "
    "| project id, name, type, resourceGroup, tags "
    "| union (resourcecontainers "
    "| where type =~ 'microsoft.resources/subscriptions/resourcegroups' "
    f"| where tags['{TAG_MANAGED}'] =~ 'true' "
    "| project id, name, type, resourceGroup, tags)"
)


def list_managed_graph(
    graph_client: Any, subscription_id: str, call: Call = _direct
) -> list[FoundResource]:
    """All managed resources and groups via Azure Resource Graph (Azure only, one query).

    Faster than ARM listing on large subscriptions and it sees resources ARM's tag index has not
    caught up with yet. ``graph_client`` is an ``azure.mgmt.resourcegraph.ResourceGraphClient``.
    """
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    found: list[FoundResource] = []
    skip_token: str | None = None
    while True:
        request = QueryRequest(
            subscriptions=[subscription_id],
            query=GRAPH_QUERY,
            options=QueryRequestOptions(result_format="objectArray", skip_token=skip_token),
        )
        page = call(lambda request=request: graph_client.resources(request))
        found += [found_from_graph_row(row) for row in (page.data or [])]
        skip_token = page.skip_token
        if not skip_token:
            break
    return [f for f in found if is_managed(f.tags)]


def _latest_expiry(items: Iterable[FoundResource]) -> datetime | None:
    latest: datetime | None = None
    for item in items:
        moment = parse_timestamp(tag(item.tags, TAG_EXPIRES))
        if moment is None:
            return None
        latest = moment if latest is None or moment > latest else latest
    return latest


def _earliest_created(items: Iterable[FoundResource]) -> datetime | None:
    moments = [parse_timestamp(tag(i.tags, TAG_CREATED)) for i in items]
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def group_environments(found: Iterable[FoundResource]) -> list[Environment]:
    """Group managed items by their ``provisioner-env`` tag, sorted by name.

    Items without an env tag (or not managed) belong to no environment and are dropped: nothing
    can select them, so nothing can delete them.
    """
    by_env: dict[str, list[FoundResource]] = defaultdict(list)
    for item in found:
        env = item.env
        if env and is_managed(item.tags):
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
    resource_client: Any,
    *,
    graph_client: Any | None = None,
    subscription_id: str | None = None,
    call: Call = _direct,
) -> list[Environment]:
    """Every environment in the subscription. Uses Resource Graph when a graph client is given."""
    if graph_client is not None:
        if not subscription_id:
            raise ValueError("Resource Graph discovery needs the subscription id")
        found = list_managed_graph(graph_client, subscription_id, call)
    else:
        found = list_managed_arm(resource_client, call)
    return group_environments(found)


def find_environment(resource_client: Any, env: str, call: Call = _direct) -> Environment | None:
    """One environment by name (same two listings; None when nothing carries its tags)."""
    for environment in discover_environments(resource_client, call=call):
        if environment.name == env:
            return environment
    return None
