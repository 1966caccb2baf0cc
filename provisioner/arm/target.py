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

    from provisioner.arm.clouds import Cloud
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
    """Which cloud a command targets: ``--cloud`` wins, else Azure iff a subscription is given.

    ``--cloud`` also takes a sovereign cloud's name or an ARM endpoint's URL (``arm/clouds.py``;
    ``$PROVISION_ARM_ENDPOINT`` when no ``--cloud`` is given): both are kind ``azure``, and an
    endpoint needs no subscription (its one subscription is used).
    """
    from provisioner.arm import clouds

    subscription = subscription or os.environ.get(SUBSCRIPTION_ENV) or None
    cloud = clouds.chosen(cloud)
    if clouds.is_endpoint(cloud):
        return "azure", subscription
    if clouds.known(cloud) is not None:
        cloud = "azure"
    if cloud not in (None, "local", "azure"):
        names = ", ".join(c.name for c in clouds.KNOWN.values())
        raise UserInputError(
            f"--cloud must be local, azure, {names} or an https:// ARM endpoint, not {cloud!r}"
        )
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
    from provisioner.arm import clouds

    kind, sub = resolve_cloud(cloud, subscription)
    named = clouds.chosen(cloud)
    if clouds.is_endpoint(named):
        return f"ARM endpoint {named}" + (f" subscription {sub}" if sub else "")
    if kind == "azure":
        sovereign = clouds.known(named)
        if sovereign is not None and sovereign.name != "AzureCloud":
            return f"{sovereign.name} subscription {sub}"
        return f"Azure subscription {sub}"
    return f"local cloud ({state_path(state)})"


def open_target(
    cloud: str | None = None,
    subscription: str | None = None,
    state: str | os.PathLike[str] | None = None,
    *,
    local_cloud: Any = None,
    ca_bundle: str | os.PathLike[str] | None = None,
) -> Target:
    """Build the target a command asked for. ``local_cloud`` injects an existing LocalCloud;
    ``ca_bundle`` (or ``$PROVISION_CA_BUNDLE``) verifies HTTPS to a cloud other than the local."""
    from provisioner.arm import clouds

    kind, sub = resolve_cloud(cloud, subscription)
    if kind == "azure":
        named = clouds.chosen(cloud)
        ca = clouds.ca_bundle(ca_bundle)
        if clouds.is_endpoint(named):
            return _azure_target(sub, clouds.from_metadata(str(named), ca), ca)
        return _azure_target(sub, clouds.known(named) or clouds.KNOWN["azurecloud"], ca)
    return _local_target(state, local_cloud, sub)


def _client_kwargs(polling_interval: float, retries: RetryCount) -> dict[str, Any]:
    from provisioner.arm.retry import RetryReads  # azure-core: loaded when a target opens

    return {"retry_policy": RetryReads(count=retries), "polling_interval": polling_interval}


def _azure_target(subscription: str | None, cloud: Cloud, ca: str | None) -> Target:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from provisioner.arm import clouds

    credential = clouds.credential(cloud, ca)
    if not subscription:  # only an ARM endpoint gets here without one
        subscription = clouds.only_subscription(cloud, credential, ca)
    retries = _retry_count()
    # A custom endpoint (a served local cloud) answers fast; Azure's own clouds poll slower.
    interval = LOCAL_POLLING_INTERVAL if cloud.custom else AZURE_POLLING_INTERVAL
    kwargs = _client_kwargs(interval, retries)
    if cloud.name != "AzureCloud" or cloud.custom:  # Azure public: the SDK's own defaults
        kwargs.update(base_url=cloud.resource_manager, credential_scopes=[cloud.scope])
    if ca:
        kwargs["connection_verify"] = ca
    network = NetworkManagementClient(credential, subscription, **kwargs)
    compute = ComputeManagementClient(credential, subscription, **kwargs)
    resources = ResourceManagementClient(credential, subscription, **kwargs)
    if cloud.custom:
        label = f"ARM endpoint {cloud.resource_manager} subscription {subscription}"
    elif cloud.name != "AzureCloud":
        label = f"{cloud.name} subscription {subscription}"
    else:
        label = f"Azure subscription {subscription}"
    return Target(
        kind="azure",
        subscription_id=subscription,
        label=label,
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
