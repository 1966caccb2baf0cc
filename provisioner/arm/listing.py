"""Listings: what a subscription, a resource group or one environment holds, by tags.

Azure is the source of truth: environments are found by their tags on live resources, never by a
local state file. Every listing returns :class:`ListedResource`, the one plain record of "a
resource as a listing shows it" that planning, teardown, discovery and cleanup all share.

Azure quirks honoured here:

- When ``resources.list`` is filtered by tag name *and value*, Azure returns the resources
  without their tags. We filter by tag name only, which keeps the tags, and check values in code.
- Resource Graph lower-cases ``type``; ARM's own casing is restored for groups so the rest of
  the code compares types one way.
- A listing that fails on a later page is retried whole (``call``), never half-used: a partial
  listing would make an environment look smaller than it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import ResourceNotFoundError

from provisioner.arm.kinds import SPECS, kind_of_type
from provisioner.arm.retry import Call, direct
from provisioner.compile.desired import Kind
from provisioner.compile.ids import resource_group_of
from provisioner.compile.tags import TAG_ENV, TAG_MANAGED, is_managed, owned_by, tag

if TYPE_CHECKING:
    from provisioner.arm.target import Target

RESOURCE_GROUP_TYPE = SPECS[Kind.RESOURCE_GROUP].arm_type
ENV_FILTER = f"tagName eq '{TAG_ENV}'"
MANAGED_FILTER = f"tagName eq '{TAG_MANAGED}'"


@dataclass(frozen=True)
class ListedResource:
    """One live resource (or resource group) as a listing shows it: identity and tags only."""

    id: str
    name: str
    type: str
    resource_group: str
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The resource that owns this one's lifecycle (a VM's OS disk names its VM), if any.
    managed_by: str | None = None

    @property
    def kind(self) -> Kind | None:
        """Our kind, or None for a type provisioner does not manage (an OS disk, say)."""
        return kind_of_type(self.type)

    @property
    def key(self) -> str:
        return f"{self.kind or self.type}/{self.name}"

    @property
    def is_resource_group(self) -> bool:
        return self.type.lower() == RESOURCE_GROUP_TYPE.lower()

    @property
    def env(self) -> str | None:
        return tag(self.tags, TAG_ENV)


def from_sdk(item: Any) -> ListedResource:
    """A ``GenericResourceExpanded`` or ``ResourceGroup`` from the SDK, as plain data."""
    rid = item.id or ""
    rtype = item.type or ""
    is_group = rtype.lower() == RESOURCE_GROUP_TYPE.lower()
    return ListedResource(
        id=rid,
        name=item.name or "",
        type=RESOURCE_GROUP_TYPE if is_group else rtype,
        resource_group=item.name if is_group else resource_group_of(rid),
        tags=dict(item.tags or {}),
        managed_by=getattr(item, "managed_by", None) or None,
    )


def from_graph_row(row: Mapping[str, Any]) -> ListedResource:
    """One Azure Resource Graph row (``id, name, type, resourceGroup, tags``) as plain data."""
    rtype = str(row.get("type") or "")
    is_group = rtype.lower() == RESOURCE_GROUP_TYPE.lower()
    name = str(row.get("name") or "")
    return ListedResource(
        id=str(row.get("id") or ""),
        name=name,
        type=RESOURCE_GROUP_TYPE if is_group else rtype,
        resource_group=name if is_group else str(row.get("resourceGroup") or ""),
        tags=dict(row.get("tags") or {}),
    )


def list_environment(target: Target, env: str, call: Call) -> list[ListedResource]:
    """Every resource and resource group ``env`` owns (both ownership tags), groups first."""
    groups = target.resources.resource_groups
    items = target.resources.resources
    found = call(lambda: [from_sdk(g) for g in groups.list(filter=ENV_FILTER)])
    found += call(lambda: [from_sdk(r) for r in items.list(filter=ENV_FILTER)])
    return [f for f in found if owned_by(f.tags, env)]


def list_managed(target: Target, call: Call = direct) -> list[ListedResource]:
    """All managed resources and groups, via ARM: two paged list calls for the subscription."""
    resources = target.resources.resources
    found = call(lambda: [from_sdk(r) for r in resources.list(filter=MANAGED_FILTER)])
    # Groups are listed unfiltered: a subscription's groups are few, and this way their tags are
    # always returned whatever the service does with tag filters.
    groups = target.resources.resource_groups
    found += call(lambda: [from_sdk(g) for g in groups.list()])
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
    graph_client: Any, subscription_id: str, call: Call = direct
) -> list[ListedResource]:
    """All managed resources and groups via Azure Resource Graph (Azure only, one query).

    Faster than ARM listing on large subscriptions and it sees resources ARM's tag index has not
    caught up with yet. ``graph_client`` is an ``azure.mgmt.resourcegraph.ResourceGraphClient``.
    """
    from azure.mgmt.resourcegraph.models import QueryRequest, QueryRequestOptions

    found: list[ListedResource] = []
    skip_token: str | None = None
    while True:
        request = QueryRequest(
            subscriptions=[subscription_id],
            query=GRAPH_QUERY,
            options=QueryRequestOptions(result_format="objectArray", skip_token=skip_token),
        )
        page = call(lambda request=request: graph_client.resources(request))
        found += [from_graph_row(row) for row in (page.data or [])]
        skip_token = page.skip_token
        if not skip_token:
            break
    return [f for f in found if is_managed(f.tags)]


def list_group(target: Target, group: str, call: Call = direct) -> list[ListedResource]:
    """Everything in one resource group, ours or not; empty when the group is gone."""
    items = target.resources.resources

    def listed() -> list[ListedResource]:
        try:
            return [from_sdk(i) for i in items.list_by_resource_group(group)]
        except ResourceNotFoundError:  # inside ``call``: a retrying call translates the rest
            return []

    return call(listed)
