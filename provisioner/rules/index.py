"""One pass over the blueprint that every check shares: names resolved, pools expanded, rules typed.

Checks look things up here in dicts instead of scanning the blueprint again, which is what keeps
validation O(n log n) at Azure's limits (600 frontends, 1,500 rules).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from provisioner.blueprint.model import Blueprint, Frontend, Rule, Vm
from provisioner.errors import BlueprintPath, Finding
from provisioner.rules import codes

IpVersion = Literal["ipv4", "ipv6"]
PoolKey = tuple[str, str]  # (load balancer, pool)


def lb_path(lb: str, *rest: str | int) -> BlueprintPath:
    return ("load_balancers", lb, *rest)


def finding(
    code: str,
    message: str,
    path: BlueprintPath,
    hint: str | None = None,
    related: tuple[BlueprintPath, ...] = (),
    severity: Literal["error", "warning"] = "error",
) -> Finding:
    """A Finding whose message says so when the code is ours rather than Azure's."""
    if severity == "error" and code in codes.OURS:
        message += codes.OWN_CODE_NOTE
    return Finding(code, message, path, hint, severity, related)


@dataclass(frozen=True)
class RuleInfo:
    """A rule with what the checks keep asking about it."""

    lb: str
    name: str
    rule: Rule
    lb_type: Literal["public", "internal"]
    frontend: Frontend | None  # None when the reference dangles
    order: int  # position over the whole blueprint: reports name the later rule

    @property
    def path(self) -> BlueprintPath:
        return lb_path(self.lb, "rules", self.name)

    @property
    def port_path(self) -> BlueprintPath:
        """The most specific port field the user wrote: backend_port if given, else port."""
        field_name = "port" if self.rule.backend_port is None else "backend_port"
        return (*self.path, field_name)

    @property
    def backend_port(self) -> int:
        return self.rule.effective_backend_port

    @property
    def ip_version(self) -> IpVersion:
        return self.frontend.ip_version if self.frontend is not None else "ipv4"

    @property
    def is_ha(self) -> bool:
        return self.rule.protocol == "all"

    @property
    def pool_key(self) -> PoolKey:
        return (self.lb, self.rule.pool)


@dataclass
class BlueprintIndex:
    """Lookups over one blueprint; build with :func:`build_index`."""

    bp: Blueprint
    #: concrete VM name → (blueprint key, spec)
    vms: dict[str, tuple[str, Vm]]
    #: blueprint VM key → its concrete names (one, or NAME-1 … NAME-count)
    instances: dict[str, list[str]]
    #: (lb, pool) → concrete VM names, resolved, de-duplicated, in blueprint order
    pool_members: dict[PoolKey, list[str]]
    #: every rule, in blueprint order
    rules: list[RuleInfo]
    #: (lb, pool) → rules using it (only rules whose pool exists)
    rules_by_pool: dict[PoolKey, list[RuleInfo]] = field(default_factory=dict)
    #: concrete VM name → pools that contain it, in blueprint order
    memberships: dict[str, list[PoolKey]] = field(default_factory=dict)

    def resolve_member(self, name: str) -> list[str]:
        """Concrete VMs a pool entry stands for: a key (all its instances) or one NAME-N."""
        if name in self.instances:
            return self.instances[name]
        if name in self.vms:
            return [name]
        return []


def build_index(bp: Blueprint) -> BlueprintIndex:
    instances: dict[str, list[str]] = {}
    vms: dict[str, tuple[str, Vm]] = {}
    for key, vm in bp.vms.items():
        names = [key] if vm.count is None else [f"{key}-{i}" for i in range(1, vm.count + 1)]
        instances[key] = names
        for name in names:
            vms.setdefault(name, (key, vm))
    ix = BlueprintIndex(bp=bp, vms=vms, instances=instances, pool_members={}, rules=[])

    memberships: dict[str, list[PoolKey]] = defaultdict(list)
    for lb_name, lb in bp.load_balancers.items():
        for pool_name, pool in lb.pools.items():
            key = (lb_name, pool_name)
            members: dict[str, None] = {}
            for entry in pool.vms:
                for vm_name in ix.resolve_member(entry):
                    members.setdefault(vm_name, None)
            ix.pool_members[key] = list(members)
            for vm_name in members:
                memberships[vm_name].append(key)
    ix.memberships = dict(memberships)

    rules_by_pool: dict[PoolKey, list[RuleInfo]] = defaultdict(list)
    order = 0
    for lb_name, lb in bp.load_balancers.items():
        for rule_name, rule in lb.rules.items():
            info = RuleInfo(
                lb=lb_name,
                name=rule_name,
                rule=rule,
                lb_type=lb.type,
                frontend=lb.frontends.get(rule.frontend),
                order=order,
            )
            order += 1
            ix.rules.append(info)
            if rule.pool in lb.pools:
                rules_by_pool[(lb_name, rule.pool)].append(info)
    ix.rules_by_pool = dict(rules_by_pool)
    return ix


def membership_groups(ix: BlueprintIndex) -> dict[tuple[PoolKey, ...], list[str]]:
    """VMs grouped by the exact set of pools they are in.

    VMs in the same pools receive the same rules, so a check that looks at what reaches one NIC
    runs once per group instead of once per VM: ``web: {count: 100}`` in two pools is one group.
    """
    groups: dict[tuple[PoolKey, ...], list[str]] = defaultdict(list)
    for vm_name, pools in ix.memberships.items():
        groups[tuple(pools)].append(vm_name)
    return dict(groups)


def vms_phrase(names: list[str], limit: int = 3) -> str:
    """``VM 'a'`` / ``VMs 'a', 'b' and 3 more`` for messages."""
    shown = ", ".join(repr(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{'VM' if len(names) == 1 else 'VMs'} {shown}{more}"


def group_vm_path(ix: BlueprintIndex, names: list[str]) -> BlueprintPath:
    """Path naming the first VM of a group: the blueprint key when all its instances are in the
    group (``("vms", "web")``), else the concrete name (``("vms", "web-2")``)."""
    first = names[0]
    key, _ = ix.vms[first]
    if key != first and set(ix.instances[key]) <= set(names):
        return ("vms", key)
    return ("vms", first)
