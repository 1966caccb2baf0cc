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


class Members:
    """Concrete VM names of pools, for one blueprint: the expansion is computed once.

    ``pool_members`` answers one question; a compile asks it for every rule and pool, and
    expanding ``count`` each time made that quadratic in the number of VMs.
    """

    def __init__(self, bp: Blueprint) -> None:
        self._vms = bp.vms
        self._expanded = bp.expanded_vms()
        self._by_key: dict[str, list[str]] = {}
        for concrete, (key, _) in self._expanded.items():
            self._by_key.setdefault(key, []).append(concrete)
        self._cache: dict[tuple[str, ...], tuple[str, ...]] = {}

    def of(self, names: list[str]) -> tuple[str, ...]:
        """Concrete VM names of a pool: ``web`` (a counted VM) means web-1 … web-N."""
        key = tuple(names)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._resolve(key)
        return found

    def _resolve(self, names: tuple[str, ...]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for name in names:
            vm = self._vms.get(name)
            if vm is not None and vm.count is not None:
                candidates = self._by_key.get(name, [])
            elif name in self._expanded:
                candidates = [name]
            else:
                candidates = []
            out.update(dict.fromkeys(candidates))
        return tuple(out)


def pool_members(bp: Blueprint, names: list[str]) -> tuple[str, ...]:
    """Concrete VM names of a pool: ``web`` (a counted VM) means web-1 … web-N, in that order."""
    return Members(bp).of(names)


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


def pool_uses(bp: Blueprint, members: Members | None = None) -> dict[str, list[PoolUse]]:
    """For each concrete VM, the pools it is in, in blueprint order (load balancer, then pool).

    A pool used by IPv4 rules, or by no rule at all, is joined through the primary IPv4 IP
    configuration; a pool used by IPv6 rules through the IPv6 one (only if the VM has one).
    """
    members = members or Members(bp)
    out: dict[str, list[PoolUse]] = {}
    for lb_name, lb in bp.load_balancers.items():
        versions_of: dict[str, set[IpVersion]] = {}
        for rule in lb.rules.values():
            versions_of.setdefault(rule.pool, set()).add(rule_ip_version(lb, rule))
        for pool_name, pool in lb.pools.items():
            versions = versions_of.get(pool_name, set())
            use = PoolUse(
                load_balancer=lb_name,
                pool=pool_name,
                ipv4="ipv4" in versions or not versions,
                ipv6="ipv6" in versions,
            )
            for vm in members.of(pool.vms):
                out.setdefault(vm, []).append(use)
    return out
