"""Address checks: subnets inside the VNet and apart, static IPs inside their subnet, clear of
Azure's reserved addresses and of each other, and IPv6 only where the subnet has an IPv6 prefix.

Azure rejects each of these on the VNet or NIC PUT, after the resource group and everything before
it exist; catching them here means nothing is created for a blueprint that cannot work.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network

from provisioner.errors import BlueprintPath, Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, RuleInfo, finding, lb_path

Network = IPv4Network | IPv6Network
Address = IPv4Address | IPv6Address


def _subnet_networks(ix: BlueprintIndex) -> list[tuple[Network, BlueprintPath]]:
    out: list[tuple[Network, BlueprintPath]] = []
    for name, subnet in ix.bp.network.subnets.items():
        here = ("network", "subnets", name)
        out.append((ipaddress.ip_network(subnet.prefix), (*here, "prefix")))
        if subnet.ipv6_prefix is not None:
            out.append((ipaddress.ip_network(subnet.ipv6_prefix), (*here, "ipv6_prefix")))
    return out


def _as_slash64(net: Network) -> Network:
    return ipaddress.ip_network(f"{net.network_address}/64", strict=False)


def check_subnet_families(ix: BlueprintIndex) -> list[Finding]:
    """``prefix`` is IPv4, ``ipv6_prefix`` is an IPv6 /64 (Azure's only IPv6 subnet size)."""
    out: list[Finding] = []
    for name, subnet in ix.bp.network.subnets.items():
        here = ("network", "subnets", name)
        if ipaddress.ip_network(subnet.prefix).version != 4:
            out.append(
                finding(
                    codes.IP_VERSION_MISMATCH,
                    f"subnet {name!r} prefix {subnet.prefix} is IPv6; prefix is the IPv4 range",
                    (*here, "prefix"),
                    hint="put the IPv6 range in ipv6_prefix and an IPv4 range in prefix",
                )
            )
        if subnet.ipv6_prefix is None:
            continue
        v6 = ipaddress.ip_network(subnet.ipv6_prefix)
        if v6.version != 6:
            out.append(
                finding(
                    codes.IP_VERSION_MISMATCH,
                    f"subnet {name!r} ipv6_prefix {subnet.ipv6_prefix} is IPv4",
                    (*here, "ipv6_prefix"),
                    hint="give ipv6_prefix an IPv6 /64, e.g. fd00:db8:0:1::/64",
                )
            )
        elif v6.prefixlen != 64:
            out.append(
                finding(
                    codes.IPV6_PREFIX_LENGTH,
                    f"subnet {name!r} ipv6_prefix {v6} is a /{v6.prefixlen}; "
                    "Azure IPv6 subnets are exactly /64",
                    (*here, "ipv6_prefix"),
                    hint=f"use a /64 such as {_as_slash64(v6)}",
                )
            )
    return out


def check_subnet_ranges(ix: BlueprintIndex) -> list[Finding]:
    """Every subnet inside the address space; no two subnets overlapping (sort, then sweep)."""
    space = [ipaddress.ip_network(p) for p in ix.bp.network.address_space]
    out: list[Finding] = []
    nets = _subnet_networks(ix)
    for net, path in nets:
        if not any(net.version == s.version and net.subnet_of(s) for s in space):  # type: ignore[arg-type]
            shown = ", ".join(str(s) for s in space)
            out.append(
                finding(
                    codes.SUBNET_OUTSIDE_VNET,
                    f"subnet range {net} is outside the virtual network's address space ({shown})",
                    path,
                    hint=f"add a prefix covering {net} to network.address_space, "
                    "or pick a range inside it",
                    related=(("network", "address_space"),),
                )
            )
    # CIDR blocks either nest or are disjoint: after sorting by start address, a block overlaps
    # an earlier one exactly when it starts before the furthest end seen so far.
    for version in (4, 6):
        ordered = sorted(
            ((n, p) for n, p in nets if n.version == version),
            key=lambda item: (int(item[0].network_address), item[0].prefixlen),
        )
        widest: tuple[Network, BlueprintPath] | None = None
        for net, path in ordered:
            if widest is not None and int(net.network_address) <= int(widest[0].broadcast_address):
                out.append(
                    finding(
                        codes.SUBNETS_OVERLAP,
                        f"subnet range {net} overlaps {widest[0]}",
                        path,
                        hint="give each subnet its own range",
                        related=(widest[1],),
                    )
                )
                if int(net.broadcast_address) <= int(widest[0].broadcast_address):
                    continue
            widest = (net, path)
    return out


def _reserved(addr: Address, net: Network) -> bool:
    """Azure keeps the network address, .1 (gateway), .2 and .3 (DNS) and the broadcast address."""
    offset = int(addr) - int(net.network_address)
    return offset < 4 or addr == net.broadcast_address


def _check_static(
    addr_text: str,
    path: BlueprintPath,
    version: int,
    subnet_name: str,
    prefix: str | None,
    owner: str,
) -> list[Finding]:
    addr = ipaddress.ip_address(addr_text)
    family = f"IPv{version}"
    if addr.version != version:
        return [
            finding(
                codes.IP_VERSION_MISMATCH,
                f"{owner} private_ip {addr} is IPv{addr.version}, but it needs an {family} address",
                path,
                hint=f"use an {family} address from subnet {subnet_name!r}",
            )
        ]
    if prefix is None:
        return []  # reported by the IPv6 checks
    net = ipaddress.ip_network(prefix)
    if addr not in net:
        return [
            finding(
                codes.IP_NOT_IN_SUBNET,
                f"{owner} private_ip {addr} is outside subnet {subnet_name!r} ({net})",
                path,
                hint=f"pick an address inside {net}, from {net.network_address + 4} on",
                related=(("network", "subnets", subnet_name),),
            )
        ]
    if version == 4 and _reserved(addr, net):
        return [
            finding(
                codes.IP_RESERVED,
                f"{owner} private_ip {addr} is one of the five addresses Azure reserves in {net} "
                f"(network, .1 gateway, .2/.3 DNS, broadcast)",
                path,
                hint=f"use an address from {net.network_address + 4} "
                f"to {net.broadcast_address - 1}",
            )
        ]
    return []


def check_static_ips(ix: BlueprintIndex) -> list[Finding]:
    """Static IPs of VM NICs and internal frontends: in their subnet, not reserved, not shared."""
    subnets = ix.bp.network.subnets
    out: list[Finding] = []
    taken: dict[Address, BlueprintPath] = {}

    def claim(addr_text: str, path: BlueprintPath, owner: str) -> None:
        addr = ipaddress.ip_address(addr_text)
        if addr in taken:
            out.append(
                finding(
                    codes.IP_ALLOCATED,
                    f"{owner} asks for {addr}, which is already allocated to "
                    f"{'.'.join(str(p) for p in taken[addr][:-1])}",
                    path,
                    hint="give each NIC and frontend its own address, or drop private_ip "
                    "for a dynamic one",
                    related=(taken[addr],),
                )
            )
        else:
            taken[addr] = path

    for key, vm in ix.bp.vms.items():
        if vm.private_ip is None:
            continue
        path = ("vms", key, "private_ip")
        subnet = subnets.get(vm.subnet) if vm.subnet else None
        if subnet is not None:
            problems = _check_static(
                vm.private_ip, path, 4, vm.subnet, subnet.prefix, f"VM {key!r}"
            )
            out.extend(problems)
            if problems:
                continue
        if vm.count is not None and vm.count > 1:
            out.append(
                finding(
                    codes.IP_ALLOCATED,
                    f"VM {key!r} has count {vm.count} and one private_ip: every instance's NIC "
                    f"would ask for {vm.private_ip}",
                    path,
                    hint="remove private_ip (dynamic addresses), or split the VMs and give "
                    "each its own private_ip",
                    related=(("vms", key, "count"),),
                )
            )
        claim(vm.private_ip, path, f"VM {key!r}")

    for lb_name, lb in ix.bp.load_balancers.items():
        if lb.type != "internal":
            continue
        for fe_name, fe in lb.frontends.items():
            if fe.private_ip is None or fe.subnet not in subnets:
                continue
            path = lb_path(lb_name, "frontends", fe_name, "private_ip")
            subnet = subnets[fe.subnet]
            version = 6 if fe.ip_version == "ipv6" else 4
            prefix = subnet.ipv6_prefix if version == 6 else subnet.prefix
            problems = _check_static(
                fe.private_ip, path, version, fe.subnet, prefix, f"frontend {fe_name!r}"
            )
            out.extend(problems)
            if not problems:
                claim(fe.private_ip, path, f"frontend {fe_name!r}")
    return out


def check_ipv6(ix: BlueprintIndex) -> list[Finding]:
    """IPv6 needs an IPv6 subnet prefix, and every VM behind an IPv6 rule needs ``ipv6: true``."""
    subnets = ix.bp.network.subnets
    out: list[Finding] = []
    for key, vm in ix.bp.vms.items():
        subnet = subnets.get(vm.subnet) if vm.subnet else None
        if vm.ipv6 and subnet is not None and subnet.ipv6_prefix is None:
            out.append(
                finding(
                    codes.SUBNET_WITHOUT_IPV6,
                    f"VM {key!r} wants an IPv6 address, but subnet {vm.subnet!r} has no "
                    "ipv6_prefix",
                    ("vms", key, "ipv6"),
                    hint=f"add ipv6_prefix (a /64) to subnet {vm.subnet!r}",
                    related=(("network", "subnets", vm.subnet),),
                )
            )
    for lb_name, lb in ix.bp.load_balancers.items():
        if lb.type != "internal":
            continue
        for fe_name, fe in lb.frontends.items():
            subnet = subnets.get(fe.subnet) if fe.subnet else None
            if fe.ip_version == "ipv6" and subnet is not None and subnet.ipv6_prefix is None:
                out.append(
                    finding(
                        codes.SUBNET_WITHOUT_IPV6,
                        f"IPv6 frontend {fe_name!r} is in subnet {fe.subnet!r}, which has no "
                        "ipv6_prefix",
                        lb_path(lb_name, "frontends", fe_name, "ip_version"),
                        hint=f"add ipv6_prefix (a /64) to subnet {fe.subnet!r}",
                        related=(("network", "subnets", fe.subnet),),
                    )
                )

    # One finding per VM, naming the first IPv6 rule that reaches it; pools are visited once.
    v6_pools: dict[tuple[str, str], RuleInfo] = {}
    for info in ix.rules:
        if info.ip_version == "ipv6" and info.pool_key in ix.pool_members:
            v6_pools.setdefault(info.pool_key, info)
    reported: set[str] = set()
    for pool_key, info in v6_pools.items():
        for vm_name in ix.pool_members[pool_key]:
            key, vm = ix.vms[vm_name]
            if vm.ipv6 or vm.existing_id is not None or key in reported:
                continue
            reported.add(key)
            out.append(
                finding(
                    codes.VM_WITHOUT_IPV6,
                    f"VM {key!r} is behind IPv6 rule {info.name!r} but has no IPv6 address",
                    ("vms", key),
                    hint=f"add ipv6: true to VM {key!r}",
                    related=((*info.path, "frontend"),),
                )
            )
    return out


def check_addresses(ix: BlueprintIndex) -> list[Finding]:
    return [
        *check_subnet_families(ix),
        *check_subnet_ranges(ix),
        *check_static_ips(ix),
        *check_ipv6(ix),
    ]
