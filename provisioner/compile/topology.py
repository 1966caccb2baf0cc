"""Facts about a blueprint that several compile steps need: who is in which pool, and how.

Kept apart from the Azure bodies so the mapping table, the NICs and the guest requirements all
read pool membership the same way. Unknown names (a pool naming a VM that does not exist) are
skipped, not fatal: validation reports them, and the compiler must not crash on its way there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from provisioner.blueprint.model import Blueprint, LoadBalancer, Rule

IpVersion = Literal["ipv4", "ipv6"]


def pool_members(bp: Blueprint, names: list[str]) -> tuple[str, ...]:
    """Concrete VM names of a pool: ``web`` (a counted VM) means web-1 … web-N, in that order."""
    expanded = bp.expanded_vms()
    out: list[str] = []
    for name in names:
        vm = bp.vms.get(name)
        if vm is not None and vm.count is not None:
            candidates = [concrete for concrete, (key, _) in expanded.items() if key == name]
        elif name in expanded:
            candidates = [name]
        else:
            candidates = []
        out.extend(c for c in candidates if c not in out)
    return tuple(out)


def rule_ip_version(lb: LoadBalancer, rule: Rule) -> IpVersion:
    """A rule carries its frontend's IP version (IPv4 when the frontend is unknown)."""
    frontend = lb.frontends.get(rule.frontend)
    return "ipv4" if frontend is None else frontend.ip_version


@dataclass(frozen=True)
class PoolUse:
    """One backend pool and the IP versions of the rules that send to it."""

    load_balancer: str
    pool: str
    ipv4: bool  # joined through the NIC's primary IPv4 configuration
    ipv6: bool  # joined through the NIC's IPv6 configuration


def pool_uses(bp: Blueprint) -> dict[str, list[PoolUse]]:
    """For each concrete VM, the pools it is in, in blueprint order (load balancer, then pool).

    A pool used by IPv4 rules, or by no rule at all, is joined through the primary IPv4 IP
    configuration; a pool used by IPv6 rules through the IPv6 one (only if the VM has one).
    """
    out: dict[str, list[PoolUse]] = {}
    for lb_name, lb in bp.load_balancers.items():
        for pool_name, pool in lb.pools.items():
            versions = {rule_ip_version(lb, r) for r in lb.rules.values() if r.pool == pool_name}
            use = PoolUse(
                load_balancer=lb_name,
                pool=pool_name,
                ipv4="ipv4" in versions or not versions,
                ipv6="ipv6" in versions,
            )
            for vm in pool_members(bp, pool.vms):
                out.setdefault(vm, []).append(use)
    return out
