"""Blueprint → DesiredState: every Azure resource as an SDK model, in dependency order.

Pure: no I/O, no clock, no randomness; the same blueprint and context give an equal state, so
``plan`` can diff it against live state and ``up`` twice writes nothing the second time.

The graph (``depends_on``):

- resource group ← everything the environment owns;
- public IPs ← the load balancer whose frontends use them, the NAT gateway, and the NSG (a
  Floating IP rule's NSG destination is its public frontend's address);
- NAT gateway and network security groups ← the virtual network (attached inline in its
  subnets), or ← the NICs when the virtual network is not the environment's;
- virtual network ← internal load balancers (frontends sit in subnets) and NICs;
- load balancers ← the NICs that join their pools (membership is written on the NIC);
- NIC ← its VM.

Brownfield pieces are REFERENCED (an existing resource group, VNet, public IP or VM: body
``None``, never written). An existing VM in a pool gets an ADOPTED ``network_interface``
resource whose ``id`` is **the VM's id**, not a NIC's, and whose body is the list of pool ids
its primary IP configuration must join: the executor resolves the VM's primary NIC, merges the
pools in, and ``down`` takes them out again.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from provisioner.blueprint.model import Blueprint, LoadBalancer, Vm
from provisioner.blueprint.traffic import (
    outbound_load_balancer,
    outbound_mode,
    subnet_security,
    vm_subnets,
)
from provisioner.compile import ids, names
from provisioner.compile.desired import (
    BlueprintPath,
    DesiredResource,
    DesiredState,
    Kind,
    Ownership,
    Tags,
)
from provisioner.compile.graph import topological_sort
from provisioner.compile.guest import guest_requirements
from provisioner.compile.interfaces import network_interface_body
from provisioner.compile.loadbalancer import load_balancer_body, pool_id
from provisioner.compile.machines import virtual_machine_body
from provisioner.compile.mapping import mapping_rows
from provisioner.compile.network import (
    SubnetAttachments,
    nat_gateway_body,
    public_ip_body,
    resource_group_body,
    virtual_network_body,
)
from provisioner.compile.scope import Scope
from provisioner.compile.security import address_placeholder, network_security_group_body
from provisioner.compile.topology import Members, PoolUse, pool_uses


@dataclass(frozen=True)
class CompileContext:
    env: str
    subscription_id: str
    digest: str
    expires: str | None = None  # ISO 8601 UTC
    #: ``up --tag k=v``: over the blueprint's ``tags:``, under the tool's own.
    extra_tags: Mapping[str, str] = field(default_factory=dict)
    #: False: resource bodies are left as wire JSON (same checks, no Azure SDK; see ``Scope``).
    sdk_bodies: bool = True


class _Resources:
    """Collects resources under unique keys (``{kind}/{name}``).

    Two references to the same existing resource (one public IP named by two frontends) share
    one entry; two different resources with one name (an existing VM named like one of ours, in
    another group) get ``#2``, ``#3``… appended to the key.
    """

    def __init__(self) -> None:
        self.items: dict[str, DesiredResource] = {}

    def add(
        self,
        kind: Kind,
        name: str,
        id_: str,
        resource_group: str,
        body: Any,
        depends_on: list[str],
        source: BlueprintPath,
        ownership: Ownership = Ownership.OWNED,
        releases: frozenset[str] = frozenset(),
    ) -> str:
        base = f"{kind.value}/{name}"
        key, n = base, 1
        while key in self.items:
            if self.items[key].id.lower() == id_.lower():
                return key
            n += 1
            key = f"{base}#{n}"
        self.items[key] = DesiredResource(
            key=key,
            kind=kind,
            name=name,
            id=id_,
            resource_group=resource_group,
            body=body,
            depends_on=tuple(dict.fromkeys(d for d in depends_on if d != key)),
            source=source,
            ownership=ownership,
            releases=releases,
        )
        return key


def compile_blueprint(bp: Blueprint, ctx: CompileContext) -> DesiredState:
    """The desired state of ``bp`` deployed as environment ``ctx.env``.

    ``bp`` is expected to have passed validation; on a blueprint that did not, the compiler
    still returns a state (dangling names are skipped) except for an image string it cannot
    parse (``InvalidImage``, a user error).
    """
    with _collector_paused():
        return _compile(bp, ctx)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """A compile at Azure's limits allocates ~100,000 objects and frees none of them (no cycles
    either): the cyclic collector's passes over them cost as much as the compile itself."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compile(bp: Blueprint, ctx: CompileContext) -> DesiredState:
    tags = Tags(
        env=ctx.env,
        digest=ctx.digest,
        expires=ctx.expires,
        user={**bp.tags, **ctx.extra_tags},
    )
    if bp.resource_group_id is not None:
        rg_name = ids.parse_resource_id(bp.resource_group_id).name
    else:
        rg_name = names.resource_group(ctx.env)
    vnet_id = bp.network.existing_id or ids.resource_id(
        ctx.subscription_id, rg_name, ids.NETWORK, "virtualNetworks", names.virtual_network(ctx.env)
    )
    scope = Scope(
        env=ctx.env,
        subscription_id=ctx.subscription_id,
        resource_group=rg_name,
        location=bp.location,
        vnet_id=vnet_id,
        tags=tags.as_dict(holder=bp.resource_group_id is not None),
        holder_tags=tags.as_dict(holder=True),
        sdk_bodies=ctx.sdk_bodies,
    )
    build = _Build(bp, scope)
    build.resource_group()
    build.public_ips()
    build.outbound()
    build.security()
    build.virtual_network()
    for lb_name, lb in bp.load_balancers.items():
        build.load_balancer(lb_name, lb)
    members = Members(bp)
    uses = pool_uses(bp, members)
    for vm_name, (bp_key, vm) in bp.expanded_vms().items():
        build.machine(vm_name, bp_key, vm, uses.get(vm_name, []))

    return DesiredState(
        env=ctx.env,
        subscription_id=ctx.subscription_id,
        location=bp.location,
        resource_group=rg_name,
        creates_resource_group=bp.resource_group_id is None,
        tags=tags,
        resources=topological_sort(build.resources.items.values()),
        guest=guest_requirements(bp, build.vm_keys, build.frontend_keys, members),
        mapping=mapping_rows(bp, members),
    )


class _Build:
    """One compile in progress: the resources so far and the keys later steps depend on."""

    def __init__(self, bp: Blueprint, scope: Scope) -> None:
        self.bp = bp
        self.scope = scope
        self.resources = _Resources()
        self.rg_key = ""
        self.vnet_key = ""
        self.default_subnet = next(iter(bp.network.subnets))
        self.lb_ids: dict[str, str] = {}
        self.lb_keys: dict[str, str] = {}
        self.frontend_keys: dict[tuple[str, str], str] = {}
        self.vm_keys: dict[str, str] = {}
        #: Public frontends' IPs: (load balancer, frontend) → id, and → resource key.
        self.pip_ids: dict[tuple[str, str], str] = {}
        self.pip_keys: dict[tuple[str, str], str] = {}
        #: The NAT gateway (id, key) on the subnets with VMs, when the blueprint has one.
        self.nat: tuple[str, str] | None = None
        #: ``lb_outbound_rule``: the load balancer carrying it and its SNAT public IP (id, key).
        self.snat_lb: str | None = None
        self.snat_ip: tuple[str, str] | None = None
        #: Per subnet, the NSG (id, key) that guards it; absent: none.
        self.nsgs: dict[str, tuple[str, str]] = {}
        own_vnet = bp.network.existing_id is None
        #: The environment's own NSG and NAT gateway ids: what it may detach (``releases``).
        self.own_ids = frozenset(
            scope.network_id(t, n).lower()
            for t, n in (
                ("networkSecurityGroups", names.network_security_group(scope.env)),
                ("natGateways", names.nat_gateway(scope.env)),
            )
        )
        self.own_vnet = own_vnet

    def _referenced(self, kind: Kind, id_: str, source: BlueprintPath) -> str:
        parsed = ids.parse_resource_id(id_)
        return self.resources.add(
            kind, parsed.name, id_, parsed.resource_group, None, [], source, Ownership.REFERENCED
        )

    def _owned(
        self, kind: Kind, name: str, id_: str, body: Any, deps: list[str], source: BlueprintPath
    ) -> str:
        return self.resources.add(kind, name, id_, self.scope.resource_group, body, deps, source)

    def resource_group(self) -> None:
        scope = self.scope
        if self.bp.resource_group_id is not None:
            self.rg_key = self._referenced(
                Kind.RESOURCE_GROUP, self.bp.resource_group_id, ("resource_group_id",)
            )
            return
        self.rg_key = self._owned(
            Kind.RESOURCE_GROUP,
            scope.resource_group,
            ids.resource_group_id(scope.subscription_id, scope.resource_group),
            resource_group_body(scope),
            [],
            (),
        )

    def virtual_network(self) -> None:
        network = self.bp.network
        if network.existing_id is not None:
            self.vnet_key = self._referenced(
                Kind.VIRTUAL_NETWORK, network.existing_id, ("network", "existing_id")
            )
            return
        with_vms = set(vm_subnets(self.bp))
        attachments = {
            subnet: SubnetAttachments(
                network_security_group=self.nsgs[subnet][0] if subnet in self.nsgs else None,
                nat_gateway=self.nat[0] if self.nat and subnet in with_vms else None,
            )
            for subnet in network.subnets
        }
        deps = [self.rg_key, *(key for _, key in self.nsgs.values())]
        if self.nat is not None:
            deps.append(self.nat[1])
        self.vnet_key = self.resources.add(
            Kind.VIRTUAL_NETWORK,
            names.virtual_network(self.scope.env),
            self.scope.vnet_id,
            self.scope.resource_group,
            virtual_network_body(self.scope, network, attachments),
            deps,
            ("network",),
            releases=self.own_ids,
        )

    def public_ips(self) -> None:
        """Every public frontend's IP, before the NSG that names their addresses: a new one,
        or the existing one the frontend names."""
        for lb_name, lb in self.bp.load_balancers.items():
            if lb.type != "public":
                continue
            for fe_name, frontend in lb.frontends.items():
                source: BlueprintPath = ("load_balancers", lb_name, "frontends", fe_name)
                if frontend.public_ip_id is not None:
                    pip_id = frontend.public_ip_id
                    key = self._referenced(Kind.PUBLIC_IP, pip_id, (*source, "public_ip_id"))
                else:
                    name = names.public_ip(self.scope.env, lb_name, fe_name)
                    pip_id = self.scope.network_id("publicIPAddresses", name)
                    body = public_ip_body(self.scope, frontend)
                    key = self._owned(Kind.PUBLIC_IP, name, pip_id, body, [self.rg_key], source)
                self.pip_ids[(lb_name, fe_name)] = pip_id
                self.pip_keys[(lb_name, fe_name)] = key

    def _new_public_ip(self, name: str, source: BlueprintPath) -> tuple[str, str]:
        pip_id = self.scope.network_id("publicIPAddresses", name)
        body = public_ip_body(self.scope)
        return pip_id, self._owned(Kind.PUBLIC_IP, name, pip_id, body, [self.rg_key], source)

    def outbound(self) -> None:
        """A NAT gateway for the subnets with VMs, or the SNAT public IP of the load balancer
        that carries the outbound rule (``outbound_snat``); nothing for ``none``/``existing``."""
        mode, env, source = outbound_mode(self.bp), self.scope.env, ("outbound",)
        if mode == "nat_gateway" and self.own_vnet and vm_subnets(self.bp):
            pip_id, pip_key = self._new_public_ip(names.nat_public_ip(env), source)
            name = names.nat_gateway(env)
            nat_id = self.scope.network_id("natGateways", name)
            body = nat_gateway_body(self.scope, pip_id)
            key = self._owned(Kind.NAT_GATEWAY, name, nat_id, body, [pip_key], source)
            self.nat = (nat_id, key)
        lb_name = outbound_load_balancer(self.bp)
        lb = self.bp.load_balancers.get(lb_name or "")
        if lb_name is not None and lb is not None and lb.type == "public":
            self.snat_lb = lb_name
            pip_name = names.public_ip(env, lb_name, names.OUTBOUND_SNAT)
            self.snat_ip = self._new_public_ip(pip_name, source)

    def security(self) -> None:
        """The NSG each subnet gets: the environment's own (``managed``; rules derived from the
        load balancer rules) or an existing one; none for ``none``."""
        managed = []
        for subnet in self.bp.network.subnets:
            spec = subnet_security(self.bp, subnet)
            if spec.mode == "existing" and spec.existing is not None:
                source: BlueprintPath = ("network", "subnets", subnet, "security", "existing")
                if self.bp.network.subnets[subnet].security is None:
                    source = ("security", "existing")
                key = self._referenced(Kind.NETWORK_SECURITY_GROUP, spec.existing, source)
                self.nsgs[subnet] = (spec.existing, key)
            elif spec.mode == "managed":
                managed.append(subnet)
        if not managed:
            return
        name = names.network_security_group(self.scope.env)
        nsg_id = self.scope.network_id("networkSecurityGroups", name)
        placeholders = {fe: address_placeholder(key) for fe, key in self.pip_keys.items()}
        body = network_security_group_body(self.scope, self.bp, nsg_id, placeholders)
        deps = [self.rg_key, *self.pip_keys.values()]
        key = self._owned(Kind.NETWORK_SECURITY_GROUP, name, nsg_id, body, deps, ("security",))
        for subnet in managed:
            self.nsgs[subnet] = (nsg_id, key)

    def load_balancer(self, lb_name: str, lb: LoadBalancer) -> None:
        name = names.load_balancer(self.scope.env, lb_name)
        lb_id = self.scope.network_id("loadBalancers", name)
        pip_ids = {fe: i for (owner, fe), i in self.pip_ids.items() if owner == lb_name}
        pip_keys = {fe: k for (owner, fe), k in self.pip_keys.items() if owner == lb_name}
        deps = [self.rg_key, *pip_keys.values()]
        if lb.type == "internal":
            deps.append(self.vnet_key)
        snat_ip = self.snat_ip if lb_name == self.snat_lb else None
        if snat_ip is not None:
            deps.append(snat_ip[1])
        body = load_balancer_body(
            self.scope,
            lb_id,
            lb,
            pip_ids,
            self.default_subnet,
            outbound_ip_id=snat_ip[0] if snat_ip is not None else None,
        )
        key = self._owned(Kind.LOAD_BALANCER, name, lb_id, body, deps, ("load_balancers", lb_name))
        self.lb_ids[lb_name] = lb_id
        self.lb_keys[lb_name] = key
        for fe_name in lb.frontends:
            self.frontend_keys[(lb_name, fe_name)] = pip_keys.get(fe_name, key)

    def machine(self, vm_name: str, bp_key: str, vm: Vm, uses: list[PoolUse]) -> None:
        """A new VM and its NIC, or an existing VM whose primary NIC the environment adopts."""
        source: BlueprintPath = ("vms", bp_key)
        ipv4_pools = [pool_id(self.lb_ids[u.load_balancer], u.pool) for u in uses if u.ipv4]
        ipv6_pools = [pool_id(self.lb_ids[u.load_balancer], u.pool) for u in uses if u.ipv6]
        joined = [self.lb_keys[u.load_balancer] for u in uses]
        if vm.existing_id is not None:
            vm_key = self._referenced(Kind.VIRTUAL_MACHINE, vm.existing_id, source)
            self.vm_keys[vm_name] = vm_key
            if ipv4_pools:
                parsed = ids.parse_resource_id(vm.existing_id)
                self.resources.add(
                    Kind.NETWORK_INTERFACE,
                    parsed.name,
                    vm.existing_id,  # the VM's id: the executor resolves its primary NIC
                    parsed.resource_group,
                    ipv4_pools,
                    [vm_key, *joined],
                    source,
                    Ownership.ADOPTED,
                )
            return
        scope = self.scope
        nic_name = names.network_interface(scope.env, vm_name)
        nic_id = scope.network_id("networkInterfaces", nic_name)
        subnet = vm.subnet or self.default_subnet
        if self.snat_lb is not None:  # every VM we create goes out through the outbound rule
            ipv4_pools.append(pool_id(self.lb_ids[self.snat_lb], names.OUTBOUND_SNAT))
            joined.append(self.lb_keys[self.snat_lb])
        nic_body = network_interface_body(scope, nic_id, vm, subnet, ipv4_pools, ipv6_pools)
        deps = [self.rg_key, self.vnet_key, *joined]
        releases: frozenset[str] = frozenset()
        if not self.own_vnet:  # the subnets are not ours: the NSG goes on our NICs
            nsg = self.nsgs.get(subnet)
            if nsg is not None:
                _attach_nsg(nic_body, nsg[0])
                deps.append(nsg[1])
            releases = self.own_ids
        nic_key = self.resources.add(
            Kind.NETWORK_INTERFACE,
            nic_name,
            nic_id,
            scope.resource_group,
            nic_body,
            deps,
            source,
            releases=releases,
        )
        name = names.virtual_machine(scope.env, vm_name)
        self.vm_keys[vm_name] = self._owned(
            Kind.VIRTUAL_MACHINE,
            name,
            scope.compute_id("virtualMachines", name),
            virtual_machine_body(scope, vm_name, vm, nic_id),
            [self.rg_key, nic_key],
            source,
        )


def _attach_nsg(nic_body: Any, nsg_id: str) -> None:
    """A NIC guarded by an NSG of its own: where the environment cannot write the subnets."""
    if isinstance(nic_body, dict):
        nic_body.setdefault("properties", {})["networkSecurityGroup"] = {"id": nsg_id}
        return
    from azure.mgmt.network import models as net

    nic_body.network_security_group = net.NetworkSecurityGroup(id=nsg_id)
