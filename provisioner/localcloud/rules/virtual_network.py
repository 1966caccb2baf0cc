"""Checks on a virtual network PUT: subnets inside the address space, no overlaps, what each
subnet attaches (an NSG, a NAT gateway) exists where it should, and no subnet dropped while IP
configurations still live in it. A subnet child PUT arrives as the whole VNet with that subnet
merged in, so it gets the same answers."""

from __future__ import annotations

from . import catalog, nat_gateway
from .addressing import parse_prefix, subnet_prefixes
from .ids import items, key, props, ref, under
from .model import NAT_TYPE, NSG_TYPE
from .references import resolve
from .usage import build_usage


def check(doc: dict, lookup) -> None:
    """Raise the first violation Azure would report for this VNet document."""
    p = props(doc)
    vnet_name = doc.get("name") or doc.get("id")
    space_raw = (
        (p.get("addressSpace") or {}).get("addressPrefixes")
        if isinstance(p.get("addressSpace"), dict)
        else None
    )
    space = [parse_prefix(v) for v in space_raw] if isinstance(space_raw, list) else []
    space = [net for net in space if net is not None]
    placed: list[tuple[int, int, int, str]] = []
    for subnet in items(p.get("subnets")):
        name = subnet.get("name") or subnet.get("id")
        sp = props(subnet)
        raw = [sp.get("addressPrefix")] if sp.get("addressPrefix") else []
        raw += sp.get("addressPrefixes") if isinstance(sp.get("addressPrefixes"), list) else []
        nets = subnet_prefixes(subnet)
        if not raw or len(nets) != len(raw):
            raise catalog.SUBNET_INVALID.violation(subnet=name, vnet=vnet_name)
        for net in nets:
            if space and not any(net.version == s.version and net.subnet_of(s) for s in space):
                raise catalog.SUBNET_OUTSIDE_VNET.violation(subnet=name, vnet=vnet_name)
            placed.append((net.version, int(net.network_address), int(net.broadcast_address), name))
    placed.sort()
    for (ver_a, _, end_a, _), (ver_b, start_b, _, name_b) in zip(placed, placed[1:], strict=False):
        if ver_a == ver_b and start_b <= end_a:
            raise catalog.SUBNETS_OVERLAP.violation(subnet=name_b, vnet=vnet_name)
    for subnet in items(p.get("subnets")):
        _check_attachments(doc, subnet, lookup)
    _check_dropped_subnets(doc, lookup)


def _check_attachments(doc: dict, subnet: dict, lookup) -> None:
    """The subnet's NSG and NAT gateway exist in the VNet's region; a NAT gateway serves one
    VNet; the GatewaySubnet takes no NSG."""
    vnet_id = str(doc.get("id") or "")
    subnet_id = str(subnet.get("id") or f"{vnet_id}/subnets/{subnet.get('name')}")
    sp = props(subnet)
    nsg = ref(sp.get("networkSecurityGroup"))
    if nsg:
        resolve(nsg, NSG_TYPE, subnet_id, doc.get("location"), lookup)
        if str(subnet.get("name") or "").lower() == "gatewaysubnet":
            raise catalog.NSG_ON_GATEWAY_SUBNET.violation(nsg=nsg.rstrip("/").rsplit("/", 1)[-1])
    nat = ref(sp.get("natGateway"))
    if nat:
        resolve(nat, NAT_TYPE, subnet_id, doc.get("location"), lookup)
        nat_gateway.check_single_network(nat, vnet_id, lookup)


def _check_dropped_subnets(doc: dict, lookup) -> None:
    """A PUT that omits a subnet deletes it; Azure refuses while ipconfigs still use it."""
    vnet_id = doc.get("id") or ""
    kept = {
        key(s.get("id") or f"{vnet_id}/subnets/{s.get('name')}")
        for s in items(props(doc).get("subnets"))
    }
    usage = build_usage(lookup, None)
    for subnet_key, holder in usage.subnets.items():
        if under(subnet_key, vnet_id) and subnet_key != key(vnet_id) and subnet_key not in kept:
            raise catalog.SUBNET_IN_USE.violation(
                subnet=subnet_key.rsplit("/", 1)[-1], ipconfig=holder
            )
