"""One entry per resource kind: everything the rest of the tool needs to know to read, write,
order, tag and delete it.

Before this registry the same facts sat in nine tables across planning, applying, teardown and
cleanup, and a kind missing from one of them was silently never deleted or crashed the planner.
Now a new kind is one :class:`KindSpec` here plus its compile function (and its local-cloud
handler); ``tests/arm/test_kinds.py`` fails when a ``Kind`` has no complete spec.

The SDK model class is named, not imported: importing ``azure.mgmt.network.models`` costs about
0.4 s, and commands that never reach the cloud (``validate``, ``schema``) must not pay it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from provisioner.compile.desired import Kind
from provisioner.compile.names import IPCONFIG_V4, IPCONFIG_V6, OUTBOUND_SNAT

#: A live body (wire JSON, ``model.as_dict()``) → ids it refers to.
References = Callable[[Mapping[str, Any]], list[str]]


class Client(StrEnum):
    """Which of the target's three SDK clients serves a kind."""

    NETWORK = "network"
    COMPUTE = "compute"
    RESOURCES = "resources"


class TagPatch(StrEnum):
    """How a kind's tags are changed without sending its body (``extend``)."""

    #: ``resource_groups.update(name, ResourceGroupPatchable(tags=…))``
    GROUP = "group"
    #: ``virtual_machines.begin_update(rg, name, VirtualMachineUpdate(tags=…))``
    COMPUTE = "compute"
    #: ``<operations>.update_tags(rg, name, TagsObject(tags=…))``
    NETWORK = "network"


class DeletePhase(StrEnum):
    """When ``up`` deletes a resource the blueprint dropped, relative to the graph walk."""

    #: Before the walk: it holds references (to pools, IPs, subnets) the walk may remove.
    BEFORE_WALK = "before_walk"
    #: After the walk: what used it is gone or was rewritten by then.
    AFTER_WALK = "after_walk"


@dataclass(frozen=True)
class Unmanaged:
    """What a PUT of this kind carries over from the live resource because the blueprint does
    not manage it: a PUT replaces the whole body, so without this an update would detach an NSG,
    a NAT gateway or a route table someone attached to our subnet, or drop inbound NAT rules from
    our load balancer (azure-traffic.md §7). Copied only where the desired body says nothing."""

    #: Dotted paths under ``properties``: ``inboundNatRules``, ``storageProfile.dataDisks``.
    fields: tuple[str, ...] = ()
    #: Per named child collection, the fields of each child (matched by name) to carry over.
    child_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Per named child collection, the names that are ours: live children by other names were
    #: added by someone else and are kept whole.
    own_children: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class KindSpec:
    kind: Kind
    #: ARM resource type as Azure spells it, e.g. ``Microsoft.Network/loadBalancers``.
    arm_type: str
    client: Client
    #: The client's operation group, e.g. ``load_balancers``.
    operations: str
    #: ``module:Class`` of the SDK model a body is sent as, imported on first use.
    model: str
    #: Creation order among kinds (what a kind refers to is created first); deletion runs the
    #: other way round, so one number orders both.
    create_rank: int
    delete_phase: DeletePhase
    #: Writes carry the ETag the plan read (``If-Match``) and are re-planned on 412.
    if_match: bool
    #: Body fields written once at creation and never diffed or re-sent from the blueprint.
    create_only: frozenset[str]
    tag_patch: TagPatch
    #: Ids this resource uses (forward references): what must outlive it. None: nothing.
    uses: References | None
    #: Ids of what uses this resource, as Azure records them on it (back-references). None:
    #: Azure records no users on this kind, so reading it to find them would be a wasted GET.
    used_by: References | None
    #: Values Azure gives the body's ``properties`` when a field is absent: applied to desired and
    #: live alike before diffing, so "absent" equals "the default".
    defaults: Mapping[str, Any] = field(default_factory=dict)
    #: Live fields a PUT keeps because the blueprint does not manage them.
    unmanaged: Unmanaged = field(default_factory=Unmanaged)
    #: Subscription-level (a resource group): its operations take no resource group argument.
    subscription_level: bool = False

    @property
    def delete_rank(self) -> int:
        """Dependents first: the reverse of :attr:`create_rank`."""
        return -self.create_rank

    def uses_of(self, body: Mapping[str, Any] | None) -> list[str]:
        return self.uses(body or {}) if self.uses else []

    def users_of(self, body: Mapping[str, Any] | None) -> list[str]:
        return self.used_by(body or {}) if self.used_by else []

    def model_class(self) -> Any:
        module, _, name = self.model.partition(":")
        return getattr(importlib.import_module(module), name)


def _props(body: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (body or {}).get("properties") or {}


def _ids(items: Iterable[Any]) -> list[str]:
    return [str(i["id"]) for i in items if isinstance(i, Mapping) and i.get("id")]


def _vm_uses(body: Mapping[str, Any]) -> list[str]:
    return _ids((_props(body).get("networkProfile") or {}).get("networkInterfaces") or [])


def _nic_uses(body: Mapping[str, Any]) -> list[str]:
    props = _props(body)
    out = _ids([props.get("networkSecurityGroup")])
    for cfg in props.get("ipConfigurations") or []:
        cp = _props(cfg)
        out += _ids([cp.get("subnet"), cp.get("publicIPAddress")])
        out += _ids(cp.get("loadBalancerBackendAddressPools") or [])
        out += _ids(cp.get("loadBalancerInboundNatRules") or [])
    return out


def _lb_uses(body: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for fe in _props(body).get("frontendIPConfigurations") or []:
        fp = _props(fe)
        out += _ids([fp.get("publicIPAddress"), fp.get("subnet")])
    return out


def _nic_used_by(body: Mapping[str, Any]) -> list[str]:
    return _ids([_props(body).get("virtualMachine")])


def _pip_used_by(body: Mapping[str, Any]) -> list[str]:
    props = _props(body)
    return _ids([props.get("ipConfiguration"), props.get("natGateway")])


def _lb_used_by(body: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for pool in _props(body).get("backendAddressPools") or []:
        out += _ids(_props(pool).get("backendIPConfigurations") or [])
    return out


def _vnet_used_by(body: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for subnet in _props(body).get("subnets") or []:
        out += _ids(_props(subnet).get("ipConfigurations") or [])
    return out


def _vnet_uses(body: Mapping[str, Any]) -> list[str]:
    out: list[str] = []
    for subnet in _props(body).get("subnets") or []:
        sp = _props(subnet)
        out += _ids([sp.get("networkSecurityGroup"), sp.get("natGateway"), sp.get("routeTable")])
    return out


def _nsg_used_by(body: Mapping[str, Any]) -> list[str]:
    props = _props(body)
    return _ids(props.get("subnets") or []) + _ids(props.get("networkInterfaces") or [])


def _nat_uses(body: Mapping[str, Any]) -> list[str]:
    props = _props(body)
    return _ids(props.get("publicIpAddresses") or []) + _ids(props.get("publicIpPrefixes") or [])


def _nat_used_by(body: Mapping[str, Any]) -> list[str]:
    return _ids(_props(body).get("subnets") or [])


_NETWORK_MODELS = "azure.mgmt.network.models"

SPECS: dict[Kind, KindSpec] = {
    spec.kind: spec
    for spec in (
        KindSpec(
            kind=Kind.RESOURCE_GROUP,
            arm_type="Microsoft.Resources/resourceGroups",
            client=Client.RESOURCES,
            operations="resource_groups",
            model="azure.mgmt.resource.resources.models:ResourceGroup",
            create_rank=0,
            delete_phase=DeletePhase.AFTER_WALK,
            if_match=False,
            create_only=frozenset(),
            tag_patch=TagPatch.GROUP,
            uses=None,
            used_by=None,
            subscription_level=True,
        ),
        KindSpec(
            kind=Kind.VIRTUAL_NETWORK,
            arm_type="Microsoft.Network/virtualNetworks",
            client=Client.NETWORK,
            operations="virtual_networks",
            model=f"{_NETWORK_MODELS}:VirtualNetwork",
            create_rank=4,
            delete_phase=DeletePhase.AFTER_WALK,
            if_match=False,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=_vnet_uses,
            used_by=_vnet_used_by,
            # A subnet's NSG and NAT gateway are the blueprint's wherever it sets them (merge
            # never overwrites what the desired body sets); where it does not, they are kept,
            # except the environment's own, named in ``DesiredResource.releases``.
            unmanaged=Unmanaged(
                fields=("virtualNetworkPeerings", "dhcpOptions", "ddosProtectionPlan"),
                child_fields={
                    "subnets": (
                        "networkSecurityGroup",
                        "natGateway",
                        "routeTable",
                        "serviceEndpoints",
                        "serviceEndpointPolicies",
                        "delegations",
                    )
                },
            ),
        ),
        KindSpec(
            kind=Kind.PUBLIC_IP,
            arm_type="Microsoft.Network/publicIPAddresses",
            client=Client.NETWORK,
            operations="public_ip_addresses",
            model=f"{_NETWORK_MODELS}:PublicIPAddress",
            create_rank=1,
            delete_phase=DeletePhase.AFTER_WALK,
            if_match=False,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=None,
            used_by=_pip_used_by,
            defaults={"idleTimeoutInMinutes": 4, "publicIPAddressVersion": "IPv4"},
        ),
        KindSpec(
            kind=Kind.NAT_GATEWAY,
            arm_type="Microsoft.Network/natGateways",
            client=Client.NETWORK,
            operations="nat_gateways",
            model=f"{_NETWORK_MODELS}:NatGateway",
            create_rank=2,
            delete_phase=DeletePhase.AFTER_WALK,
            if_match=False,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=_nat_uses,
            used_by=_nat_used_by,
            defaults={"idleTimeoutInMinutes": 4},
        ),
        KindSpec(
            kind=Kind.NETWORK_SECURITY_GROUP,
            arm_type="Microsoft.Network/networkSecurityGroups",
            client=Client.NETWORK,
            operations="network_security_groups",
            model=f"{_NETWORK_MODELS}:NetworkSecurityGroup",
            create_rank=3,
            delete_phase=DeletePhase.AFTER_WALK,
            # The rule list is written whole: a concurrent writer must cause a re-plan, not be
            # overwritten blindly. Its rules follow the blueprint (none is carried over).
            if_match=True,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=None,
            used_by=_nsg_used_by,
        ),
        KindSpec(
            kind=Kind.LOAD_BALANCER,
            arm_type="Microsoft.Network/loadBalancers",
            client=Client.NETWORK,
            operations="load_balancers",
            model=f"{_NETWORK_MODELS}:LoadBalancer",
            create_rank=5,
            delete_phase=DeletePhase.AFTER_WALK,
            if_match=True,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=_lb_uses,
            used_by=_lb_used_by,
            # Outbound rules are the blueprint's once it manages one (``outbound:
            # lb_outbound_rule``, named ``outbound_snat``): others' are kept, ours follows it.
            unmanaged=Unmanaged(
                fields=("inboundNatRules", "inboundNatPools"),
                own_children={"outboundRules": frozenset({OUTBOUND_SNAT})},
            ),
        ),
        KindSpec(
            kind=Kind.NETWORK_INTERFACE,
            arm_type="Microsoft.Network/networkInterfaces",
            client=Client.NETWORK,
            operations="network_interfaces",
            model=f"{_NETWORK_MODELS}:NetworkInterface",
            create_rank=6,
            delete_phase=DeletePhase.BEFORE_WALK,
            if_match=False,
            create_only=frozenset(),
            tag_patch=TagPatch.NETWORK,
            uses=_nic_uses,
            used_by=_nic_used_by,
            defaults={"enableAcceleratedNetworking": False, "enableIPForwarding": False},
            unmanaged=Unmanaged(
                fields=("networkSecurityGroup",),
                child_fields={
                    "ipConfigurations": (
                        "loadBalancerInboundNatRules",
                        "applicationSecurityGroups",
                        "applicationGatewayBackendAddressPools",
                        "publicIPAddress",
                    )
                },
                own_children={"ipConfigurations": frozenset({IPCONFIG_V4, IPCONFIG_V6})},
            ),
        ),
        KindSpec(
            kind=Kind.VIRTUAL_MACHINE,
            arm_type="Microsoft.Compute/virtualMachines",
            client=Client.COMPUTE,
            operations="virtual_machines",
            model="azure.mgmt.compute.models:VirtualMachine",
            create_rank=7,
            delete_phase=DeletePhase.BEFORE_WALK,
            if_match=False,
            # ``osProfile`` holds the admin password / generated SSH key: Azure never returns the
            # password and refuses changes, so diffing it would leak a secret or differ forever.
            create_only=frozenset({"osProfile"}),
            tag_patch=TagPatch.COMPUTE,
            uses=_vm_uses,
            used_by=None,
            unmanaged=Unmanaged(fields=("storageProfile.dataDisks",)),
        ),
    )
}

_BY_TYPE: dict[str, KindSpec] = {spec.arm_type.lower(): spec for spec in SPECS.values()}


def spec(kind: Kind) -> KindSpec:
    return SPECS[kind]


def kind_of_type(arm_type: str) -> Kind | None:
    """Our kind for an ARM type (case-insensitive, as ARM types are); None for types we do not
    manage (an OS disk, say)."""
    found = _BY_TYPE.get(arm_type.lower())
    return found.kind if found else None


def deletion_order() -> tuple[Kind, ...]:
    """Every kind, dependents first."""
    return tuple(s.kind for s in sorted(SPECS.values(), key=lambda s: s.delete_rank))


def delete_rank_of_type(arm_type: str) -> int:
    """Deletion rank of an ARM type; types we do not manage go last."""
    kind = kind_of_type(arm_type)
    return SPECS[kind].delete_rank if kind else 1
