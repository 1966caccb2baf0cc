"""Where one compile puts things: subscription, resource group, location, VNet, tags."""

from __future__ import annotations

from dataclasses import dataclass, field

from provisioner.compile import ids


@dataclass(frozen=True)
class Scope:
    env: str
    subscription_id: str
    resource_group: str  # the environment's group (created, or the existing one)
    location: str
    vnet_id: str  # the environment's VNet (created, or the existing one)
    #: Tags of every owned resource but the environment's holder (see ``desired.Tags``).
    tags: dict[str, str] = field(default_factory=dict)
    #: Tags of the holder: the resource group the environment creates.
    holder_tags: dict[str, str] = field(default_factory=dict)
    #: False: bodies stay wire JSON and the Azure SDK is never imported (``validate`` wants the
    #: names, the graph and the mapping, not the models; loading the SDK costs most of its time).
    sdk_bodies: bool = True

    def network_id(self, type_: str, name: str) -> str:
        return ids.resource_id(self.subscription_id, self.resource_group, ids.NETWORK, type_, name)

    def compute_id(self, type_: str, name: str) -> str:
        return ids.resource_id(self.subscription_id, self.resource_group, ids.COMPUTE, type_, name)

    def subnet_id(self, subnet: str) -> str:
        return ids.child_id(self.vnet_id, "subnets", subnet)
