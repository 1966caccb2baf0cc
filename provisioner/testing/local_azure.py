"""``LocalAzure``: a local cloud with the real, unmodified Azure SDK clients pointed at it.

For anyone testing their own Azure networking code: the three management clients talk to the
local cloud in-process (azure-core transport, no sockets) with the SDK's own pipeline, retry
policy included, so an injected 429 or 503 is retried the way it would be against Azure, on the
local cloud's virtual clock (time scale 0: long-running operations finish at once, retry
back-offs cost nothing). The request log, the faults and the time scale are the local cloud's
own (docs/local-cloud.md). Any other ``azure-mgmt-*`` client is one :meth:`LocalAzure.client`
call away.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from azure.mgmt.compute import ComputeManagementClient
    from azure.mgmt.network import NetworkManagementClient
    from azure.mgmt.resource.resources import ResourceManagementClient

    from provisioner.localcloud import LocalCloud, RequestRecord

ClientT = TypeVar("ClientT")

#: Request methods that change something (``LocalAzure.writes``).
WRITE_METHODS = frozenset({"PUT", "PATCH", "POST", "DELETE"})


@dataclass
class LocalAzure:
    """A local cloud and real SDK clients for it. Build with :meth:`start`; :meth:`close` it."""

    cloud: LocalCloud
    subscription_id: str
    network: NetworkManagementClient
    compute: ComputeManagementClient
    resources: ResourceManagementClient
    credential: Any
    _clients: list[Any] = field(default_factory=list, repr=False)

    @classmethod
    def start(
        cls,
        state_path: str | os.PathLike[str],
        *,
        time_scale: float = 0.0,
        subscription_id: str | None = None,
    ) -> LocalAzure:
        """A local cloud whose state lives in ``state_path`` (a new file is an empty cloud)."""
        from azure.mgmt.compute import ComputeManagementClient
        from azure.mgmt.network import NetworkManagementClient
        from azure.mgmt.resource.resources import ResourceManagementClient

        from provisioner.arm.target import OfflineCredential
        from provisioner.localcloud import DEFAULT_SUBSCRIPTION, LocalCloud

        cloud = LocalCloud(state_path=state_path)
        cloud.set_time_scale(time_scale)
        credential = OfflineCredential()
        sub = subscription_id or DEFAULT_SUBSCRIPTION
        made = [
            _client(cloud, credential, sub, factory)
            for factory in (
                NetworkManagementClient,
                ComputeManagementClient,
                ResourceManagementClient,
            )
        ]
        network, compute, resources = made
        return cls(cloud, sub, network, compute, resources, credential, made)

    def client(self, client_class: type[ClientT], **kwargs: Any) -> ClientT:
        """Any azure-mgmt client (``(credential, subscription_id, …)``) pointed at this cloud;
        ``kwargs`` go to its constructor. Closed with the others."""
        made = _client(self.cloud, self.credential, self.subscription_id, client_class, **kwargs)
        self._clients.append(made)
        return made

    # what it was asked ---------------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        """Every request the cloud answered so far, in order (method, path, status …)."""
        return self.cloud.request_log()

    def writes(self) -> list[RequestRecord]:
        """The requests that change something: PUT, PATCH, POST and DELETE."""
        return [r for r in self.requests if r.method.upper() in WRITE_METHODS]

    def clear_requests(self) -> None:
        self.cloud.clear_request_log()

    # faults -------------------------------------------------------------------------------
    def add_fault(self, kind: str, **filters: Any) -> None:
        """Inject ``kind`` (``429``, ``503``, ``failed``, ``drop-after`` … see
        ``provisioner.localcloud.FAULT_KINDS``) into requests matching ``filters``
        (``method``, ``path``, ``resource_type``, ``probability``, ``max_count`` …)."""
        from provisioner.localcloud import FaultRule

        self.cloud.add_fault(FaultRule(kind=kind, **filters))

    @property
    def faults(self) -> list[dict[str, Any]]:
        """The fault rules, each with how often it matched and fired."""
        return self.cloud.faults()

    def clear_faults(self) -> None:
        self.cloud.clear_faults()

    # time ---------------------------------------------------------------------------------
    @property
    def time_scale(self) -> float:
        """Real seconds per virtual second: 0 (the default here) finishes everything at once."""
        return float(self.cloud.settings()["time_scale"])

    @time_scale.setter
    def time_scale(self, real_seconds_per_virtual_second: float) -> None:
        self.cloud.set_time_scale(real_seconds_per_virtual_second)

    def set_latency(self, profile: dict[str, float]) -> None:
        """Virtual seconds per operation, e.g. ``{"Microsoft.Network/loadBalancers:PUT": 30}``."""
        self.cloud.set_latency(profile)

    # the rest -----------------------------------------------------------------------------
    @property
    def state_path(self) -> str:
        """The SQLite file: ``provision --state`` (or another process) can share this cloud."""
        return self.cloud.state_path

    def reset(self) -> None:
        """Forget every resource, request, fault and setting (the time scale goes back to 0)."""
        self.cloud.reset()

    def close(self) -> None:
        for made in self._clients:
            made.close()
        self.cloud.close()


def _client(cloud: Any, credential: Any, sub: str, client_class: type[ClientT], **kwargs: Any):
    """An SDK client on the in-process transport, as docs/local-cloud.md shows."""
    options = {"base_url": cloud.base_url, "transport": cloud.transport(), "polling_interval": 0}
    return client_class(credential, sub, **(options | kwargs))  # type: ignore[call-arg]
