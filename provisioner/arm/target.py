"""Where commands send their ARM calls: the bundled local cloud (default) or an Azure subscription.

This is the only module that imports ``provisioner.localcloud``. Everything above it sees a
:class:`Target`: three real SDK clients, a ``sleep`` (virtual, scaled time on the local cloud) and a
label for the first line of output. Clients are built with ``arm.retry.RetryReads`` in
azure-core's retry slot, so that ``arm.retry`` owns every retry: GETs (reads and status polls)
are retried in place, writes never by the pipeline; the retries are counted on the target.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from provisioner.errors import UserInputError

if TYPE_CHECKING:  # the SDK is imported when a target is opened, not when this module is
    from azure.core.credentials import AccessToken, AccessTokenInfo
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from provisioner.arm.retry import RetryCount

CloudKind = Literal["local", "azure"]

DEFAULT_STATE = Path(".provision") / "localcloud.sqlite"
STATE_ENV = "PROVISION_LOCAL_STATE"
SUBSCRIPTION_ENV = "AZURE_SUBSCRIPTION_ID"

#: Azure's LRO status polls: used only when the service sends no Retry-After.
AZURE_POLLING_INTERVAL = 5
LOCAL_POLLING_INTERVAL = 1


class OfflineCredential:
    """A token credential for the local cloud, which checks nothing. Never sent to Azure."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        from azure.core.credentials import AccessToken

        return AccessToken("local-cloud", int(time.time()) + 3600)

    def get_token_info(self, *scopes: str, options: Any = None) -> AccessTokenInfo:
        from azure.core.credentials import AccessTokenInfo

        return AccessTokenInfo("local-cloud", int(time.time()) + 3600)

    def close(self) -> None:
        pass


def _retry_count() -> RetryCount:
    from provisioner.arm.retry import RetryCount  # azure-core: loaded when a target opens

    return RetryCount()


@dataclass
class Target:
    """Clients and conventions for one cloud. Close it when done (the local cloud holds a DB)."""

    kind: CloudKind
    subscription_id: str
    label: str
    network: NetworkManagementClient
    compute: ComputeManagementClient
    resources: ResourceManagementClient
    sleep: Callable[[float], None]
    #: The LocalCloud object when ``kind == "local"``: tests and benchmarks read its request log.
    local: Any = None
    #: Failed requests retried on this target so far (``arm.retry``); ``up`` reports its share.
    retries: RetryCount = field(default_factory=_retry_count)
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def close(self) -> None:
        for closer in self._closers:
            with contextlib.suppress(Exception):  # closing is best effort
                closer()


def resolve_cloud(cloud: str | None, subscription: str | None) -> tuple[CloudKind, str | None]:
    """Which cloud a command targets: ``--cloud`` wins, else Azure iff a subscription is given."""
    subscription = subscription or os.environ.get(SUBSCRIPTION_ENV) or None
    if cloud not in (None, "local", "azure"):
        raise UserInputError(f"--cloud must be local or azure, not {cloud!r}")
    kind: CloudKind = cloud or ("azure" if subscription else "local")  # type: ignore[assignment]
    if kind == "azure" and not subscription:
        raise UserInputError(
            "--cloud azure needs a subscription: pass --subscription or set AZURE_SUBSCRIPTION_ID"
        )
    return kind, subscription


def state_path(state: str | os.PathLike[str] | None) -> Path:
    """The local cloud's state file: ``--state``, else $PROVISION_LOCAL_STATE, else the default."""
    chosen = state or os.environ.get(STATE_ENV) or DEFAULT_STATE
    return Path(chosen)


def target_label(
    cloud: str | None = None,
    subscription: str | None = None,
    state: str | os.PathLike[str] | None = None,
) -> str:
    """What :func:`open_target` would connect to, without connecting (for the first line)."""
    kind, sub = resolve_cloud(cloud, subscription)
    if kind == "azure":
        return f"Azure subscription {sub}"
    return f"local cloud ({state_path(state)})"


def open_target(
    cloud: str | None = None,
    subscription: str | None = None,
    state: str | os.PathLike[str] | None = None,
    *,
    local_cloud: Any = None,
) -> Target:
    """Build the target a command asked for. ``local_cloud`` injects an existing LocalCloud."""
    kind, sub = resolve_cloud(cloud, subscription)
    if kind == "azure":
        return _azure_target(sub or "")
    return _local_target(state, local_cloud, sub)


def _client_kwargs(polling_interval: float, retries: RetryCount) -> dict[str, Any]:
    from provisioner.arm.retry import RetryReads  # azure-core: loaded when a target opens

    return {"retry_policy": RetryReads(count=retries), "polling_interval": polling_interval}


def _azure_target(subscription: str) -> Target:
    from azure.identity import DefaultAzureCredential
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    credential = DefaultAzureCredential()
    retries = _retry_count()
    kwargs = _client_kwargs(AZURE_POLLING_INTERVAL, retries)
    network = NetworkManagementClient(credential, subscription, **kwargs)
    compute = ComputeManagementClient(credential, subscription, **kwargs)
    resources = ResourceManagementClient(credential, subscription, **kwargs)
    return Target(
        kind="azure",
        subscription_id=subscription,
        label=f"Azure subscription {subscription}",
        network=network,
        compute=compute,
        resources=resources,
        sleep=time.sleep,
        retries=retries,
        _closers=[network.close, compute.close, resources.close, credential.close],
    )


def _local_target(
    state: str | os.PathLike[str] | None, cloud: Any, subscription: str | None
) -> Target:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from provisioner import localcloud

    owned = cloud is None
    if cloud is None:
        path = state_path(state)
        path.parent.mkdir(parents=True, exist_ok=True)
        cloud = localcloud.LocalCloud(state_path=path)
        where = str(path)
    else:
        where = str(getattr(cloud, "state_path", None) or "in memory")
    sub = subscription or localcloud.DEFAULT_SUBSCRIPTION
    credential = OfflineCredential()
    retries = _retry_count()
    kwargs = _client_kwargs(LOCAL_POLLING_INTERVAL, retries)
    base_url = cloud.base_url
    clients = [
        factory(credential, sub, base_url=base_url, transport=cloud.transport(), **kwargs)
        for factory in (NetworkManagementClient, ComputeManagementClient, ResourceManagementClient)
    ]
    network, compute, resources = clients
    sleeper = cloud.transport()
    closers: list[Callable[[], None]] = [c.close for c in clients]
    if owned and hasattr(cloud, "close"):
        closers.append(cloud.close)
    return Target(
        kind="local",
        subscription_id=sub,
        label=f"local cloud ({where})",
        network=network,
        compute=compute,
        resources=resources,
        sleep=sleeper.sleep,
        local=cloud,
        retries=retries,
        _closers=closers,
    )


def open_graph_client(target: Target) -> Any:
    """An Azure Resource Graph client for ``target`` (Azure only: the local cloud has no graph)."""
    if target.kind != "azure":
        raise UserInputError("--resource-graph needs --cloud azure (the local cloud has no graph)")
    from azure.identity import DefaultAzureCredential
    from azure.mgmt.resourcegraph import ResourceGraphClient

    from provisioner.arm.retry import RetryReads

    # A Resource Graph query is a POST that reads: retried in place like a GET.
    reads = frozenset({"GET", "HEAD", "POST"})
    policy = RetryReads(count=target.retries, reads=reads)
    return ResourceGraphClient(DefaultAzureCredential(), retry_policy=policy)
