"""Pictures of a live environment: the reads, then the pure builders of ``plan.picture``.

With a blueprint, the picture is the blueprint's with the addresses Azure allocated (the same
reads and resolution as the mapping table: ``arm.reads.read_desired`` and
``plan.mapping.live_mapping``). Without one (``status --env``), it is built from the live load
balancers alone, named as Azure names them: frontends with their addresses, rules, pools with
the NICs in them (``backendIPConfigurations``), probes; :func:`picture_from_bodies` is that
builder, pure, over the bodies the reads returned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from provisioner.arm.listing import ListedResource
from provisioner.arm.reads import get_by_id, read_desired
from provisioner.arm.retry import Call, retrying_call
from provisioner.blueprint.model import Blueprint
from provisioner.compile.desired import DesiredState, Kind
from provisioner.plan.mapping import live_mapping
from provisioner.plan.picture import (
    FrontendNode,
    LoadBalancerGroup,
    Picture,
    PoolNode,
    ProbeNode,
    RuleNode,
    VmNode,
    blueprint_picture,
    frontend_id,
    pool_id,
    probe_id,
    rule_id,
    vm_id,
)

if TYPE_CHECKING:
    from provisioner.arm.target import Target

Body = dict[str, Any]


def environment_picture(target: Target, bp: Blueprint, state: DesiredState) -> tuple[Picture, bool]:
    """The blueprint's picture with live addresses; and whether anything of it exists."""
    live = read_desired(target, state, retrying_call(target))
    exists = any(body is not None for body in live.values())
    rows = live_mapping(state, live)
    return blueprint_picture(bp, rows, env=state.env, source="live"), exists


def read_live_picture(
    target: Target, env: str, resources: Sequence[ListedResource], call: Call | None = None
) -> Picture:
    """The picture of an environment's live load balancers (no blueprint)."""
    call = call or retrying_call(target)
    cache: dict[str, Body | None] = {}

    def body(kind: Kind, resource_id: str) -> Body | None:
        key = resource_id.lower()
        if key not in cache:
            cache[key] = get_by_id(target, kind, resource_id, call)
        return cache[key]

    lbs = [
        (lb.name, body(Kind.LOAD_BALANCER, lb.id))
        for lb in resources
        if lb.kind is Kind.LOAD_BALANCER
    ]
    return picture_from_bodies(env, lbs, body)


def _props(body: Body | None) -> Body:
    return (body or {}).get("properties") or {}


def _name(resource_id: str) -> str:
    return str(resource_id).rstrip("/").split("/")[-1]


def picture_from_bodies(
    env: str,
    lbs: Sequence[tuple[str, Body | None]],
    body: Callable[[Kind, str], Body | None],
) -> Picture:
    """Pure but for ``body``, which answers a public IP or NIC by id (a dict lookup in tests)."""
    groups = []
    vms: dict[str, VmNode] = {}
    for name, lb in lbs:
        groups.append(_group(name, _props(lb), body, vms))
    return Picture(
        title=env, load_balancers=tuple(groups), vms=tuple(vms.values()), env=env, source="live"
    )


def _group(
    lb: str, props: Body, body: Callable[[Kind, str], Body | None], vms: dict[str, VmNode]
) -> LoadBalancerGroup:
    frontends, public = [], False
    for fe in props.get("frontendIPConfigurations") or []:
        fp = fe.get("properties") or {}
        address = fp.get("privateIPAddress")
        pip = (fp.get("publicIPAddress") or {}).get("id")
        version = str(fp.get("privateIPAddressVersion") or "IPv4").lower()
        if pip:
            public = True
            pip_props = _props(body(Kind.PUBLIC_IP, str(pip)))
            address = pip_props.get("ipAddress")
            version = str(pip_props.get("publicIPAddressVersion") or "IPv4").lower()
        frontends.append(
            FrontendNode(
                frontend_id(lb, str(fe.get("name"))),
                lb,
                str(fe.get("name")),
                str(address or "unknown"),
                bool(pip),
                "ipv6" if version == "ipv6" else "ipv4",
            )
        )
    address_of = {f.id: f.address for f in frontends}
    probes = tuple(
        ProbeNode(
            probe_id(lb, str(p.get("name"))),
            lb,
            str(p.get("name")),
            str((p.get("properties") or {}).get("protocol") or "Tcp"),
            int((p.get("properties") or {}).get("port") or 0),
            (p.get("properties") or {}).get("requestPath"),
        )
        for p in props.get("probes") or []
    )
    rules = []
    probes_of: dict[str, list[str]] = {}
    for rule in props.get("loadBalancingRules") or []:
        rp = rule.get("properties") or {}
        fe = frontend_id(lb, _name((rp.get("frontendIPConfiguration") or {}).get("id", "")))
        pool = pool_id(lb, _name((rp.get("backendAddressPool") or {}).get("id", "")))
        probe = (rp.get("probe") or {}).get("id")
        floating = bool(rp.get("enableFloatingIP"))
        if probe:
            probes_of.setdefault(pool, []).append(probe_id(lb, _name(probe)))
        rules.append(
            RuleNode(
                id=rule_id(lb, str(rule.get("name"))),
                load_balancer=lb,
                name=str(rule.get("name")),
                frontend_id=fe,
                pool_id=pool,
                probe_id=probe_id(lb, _name(probe)) if probe else None,
                protocol=str(rp.get("protocol") or "Tcp"),
                frontend_port=int(rp.get("frontendPort") or 0),
                backend_port=int(rp.get("backendPort") or 0),
                floating_ip=floating,
                destination_ip=address_of.get(fe, "unknown") if floating else "backend NIC IP",
            )
        )
    pools = []
    for pool in props.get("backendAddressPools") or []:
        pid = pool_id(lb, str(pool.get("name")))
        members = _members(pool, body, vms)
        pools.append(
            PoolNode(
                pid,
                lb,
                str(pool.get("name")),
                members,
                tuple(dict.fromkeys(probes_of.get(pid, []))),
            )
        )
    _add_loopbacks(rules, frontends, pools, vms)
    kind = "public" if public else "internal"
    return LoadBalancerGroup(lb, kind, tuple(frontends), tuple(rules), tuple(pools), probes)


def _members(
    pool: Body, body: Callable[[Kind, str], Body | None], vms: dict[str, VmNode]
) -> tuple[str, ...]:
    """The NICs in a pool, as VM nodes named by NIC (live state does not know blueprint names)."""
    out = []
    for ref in (pool.get("properties") or {}).get("backendIPConfigurations") or []:
        ref_id = str(ref.get("id", ""))
        nic_id = ref_id.split("/ipConfigurations/")[0]
        name = _name(nic_id)
        ip = "unknown"
        for cfg in _props(body(Kind.NETWORK_INTERFACE, nic_id)).get("ipConfigurations") or []:
            if str(cfg.get("id", "")).lower() == ref_id.lower():
                ip = (cfg.get("properties") or {}).get("privateIPAddress") or ip
        node = vms.setdefault(name, VmNode(vm_id(name), name, nic_ip=str(ip)))
        out.append(node.id)
    return tuple(dict.fromkeys(out))


def _add_loopbacks(
    rules: Sequence[RuleNode],
    frontends: Sequence[FrontendNode],
    pools: Sequence[PoolNode],
    vms: dict[str, VmNode],
) -> None:
    """What each VM's guest needs on its loopback: the frontend IPs of Floating IP rules."""
    address = {f.id: f.address for f in frontends}
    members: Mapping[str, tuple[str, ...]] = {p.id: p.vm_ids for p in pools}
    for rule in rules:
        if not rule.floating_ip:
            continue
        for vm in members.get(rule.pool_id, ()):
            name = vm[len("vm:") :]
            node = vms[name]
            held = address.get(rule.frontend_id, "unknown")
            if held not in node.loopback:
                vms[name] = dataclasses.replace(node, loopback=(*node.loopback, held))
