"""Names that must resolve (rule → frontend/pool/probe, pool → VM, VM/frontend → subnet) and
frontends whose shape contradicts their load balancer's type.

A dangling name is ``InvalidResourceReference``, exactly what Azure answers when an ARM document
points at a child that does not exist; shape mistakes Azure has no code for get ours.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from provisioner.errors import Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding, lb_path


def _suggest(name: str, known: Iterable[str], kind: str) -> str:
    choices = list(known)
    close = difflib.get_close_matches(name, choices, n=1)
    if close:
        return f"did you mean {kind} {close[0]!r}?"
    if not choices:
        return f"define a {kind} named {name!r} first"
    shown = ", ".join(sorted(choices)[:5]) + (", …" if len(choices) > 5 else "")
    return f"use one of the defined {kind}s: {shown}"


def check_vm_names(ix: BlueprintIndex) -> list[Finding]:
    """``web: {count: 3}`` next to a VM called ``web-2`` would give two NICs one name."""
    out: list[Finding] = []
    for key, names in ix.instances.items():
        if len(names) == 1 and names[0] == key:
            continue
        for name in names:
            if name in ix.bp.vms:
                out.append(
                    finding(
                        codes.DUPLICATE_VM_NAME,
                        f"VM {key!r} with count makes {name!r}, which is also a VM of its own",
                        ("vms", name),
                        hint=f"rename VM {name!r}, or lower the count of {key!r}",
                        related=(("vms", key, "count"),),
                    )
                )
    return out


def check_vm_subnets(ix: BlueprintIndex) -> list[Finding]:
    subnets = ix.bp.network.subnets
    out: list[Finding] = []
    for key, vm in ix.bp.vms.items():
        if vm.subnet is not None and vm.subnet not in subnets:
            out.append(
                finding(
                    codes.INVALID_REFERENCE,
                    f"VM {key!r} is in subnet {vm.subnet!r}, which the network does not define",
                    ("vms", key, "subnet"),
                    hint=_suggest(vm.subnet, subnets, "subnet"),
                )
            )
    return out


def check_frontends(ix: BlueprintIndex) -> list[Finding]:
    """Internal frontends live in a subnet; public ones are a public IP and nothing else."""
    subnets = ix.bp.network.subnets
    out: list[Finding] = []
    for lb_name, lb in ix.bp.load_balancers.items():
        for fe_name, fe in lb.frontends.items():
            here = lb_path(lb_name, "frontends", fe_name)
            if lb.type == "public":
                for attr in ("subnet", "private_ip"):
                    if getattr(fe, attr) is not None:
                        out.append(
                            finding(
                                codes.PUBLIC_FRONTEND_WITH_PRIVATE_ADDRESS,
                                f"frontend {fe_name!r} of public load balancer {lb_name!r} "
                                f"has {attr}, but a public frontend is a public IP",
                                (*here, attr),
                                hint=f"remove {attr}, or make {lb_name!r} type: internal",
                                related=(lb_path(lb_name, "type"),),
                            )
                        )
                continue
            if fe.public_ip_id is not None:
                out.append(
                    finding(
                        codes.INTERNAL_FRONTEND_WITH_PUBLIC_IP,
                        f"frontend {fe_name!r} of internal load balancer {lb_name!r} has "
                        "public_ip_id, but an internal frontend takes a private IP",
                        (*here, "public_ip_id"),
                        hint=f"remove public_ip_id, or make {lb_name!r} type: public",
                        related=(lb_path(lb_name, "type"),),
                    )
                )
            if fe.subnet is None:
                out.append(
                    finding(
                        codes.INTERNAL_FRONTEND_WITHOUT_SUBNET,
                        f"frontend {fe_name!r} of internal load balancer {lb_name!r} "
                        "needs a subnet for its private IP",
                        here,
                        hint=f"add subnet: {next(iter(subnets))} (and private_ip for a static IP)",
                    )
                )
            elif fe.subnet not in subnets:
                out.append(
                    finding(
                        codes.INVALID_REFERENCE,
                        f"frontend {fe_name!r} is in subnet {fe.subnet!r}, "
                        "which the network does not define",
                        (*here, "subnet"),
                        hint=_suggest(fe.subnet, subnets, "subnet"),
                    )
                )
    return out


def check_rule_references(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for info in ix.rules:
        lb = ix.bp.load_balancers[info.lb]
        wanted = (
            ("frontend", info.rule.frontend, lb.frontends),
            ("pool", info.rule.pool, lb.pools),
            ("probe", info.rule.probe, lb.probes),
        )
        for attr, name, known in wanted:
            if name is None or name in known:
                continue
            out.append(
                finding(
                    codes.INVALID_REFERENCE,
                    f"rule {info.name!r} uses {attr} {name!r}, which load balancer "
                    f"{info.lb!r} does not define",
                    (*info.path, attr),
                    hint=_suggest(name, known, attr),
                )
            )
    return out


def check_pool_members(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for lb_name, lb in ix.bp.load_balancers.items():
        for pool_name, pool in lb.pools.items():
            seen: dict[str, int] = {}
            for i, entry in enumerate(pool.vms):
                here = lb_path(lb_name, "pools", pool_name, "vms", i)
                concrete = ix.resolve_member(entry)
                if not concrete:
                    out.append(
                        finding(
                            codes.INVALID_REFERENCE,
                            f"pool {pool_name!r} names VM {entry!r}, which the blueprint "
                            "does not define",
                            here,
                            hint=_suggest(entry, ix.vms.keys() | ix.instances.keys(), "VM"),
                        )
                    )
                    continue
                repeated = [name for name in concrete if name in seen]
                for name in concrete:
                    seen.setdefault(name, i)
                if repeated:
                    first = seen[repeated[0]]
                    out.append(
                        finding(
                            codes.DUPLICATE_POOL_MEMBER,
                            f"pool {pool_name!r} already contains VM {repeated[0]!r} "
                            f"(entry {first + 1}); it joins the pool once",
                            here,
                            hint="remove the repeated entry",
                            related=(lb_path(lb_name, "pools", pool_name, "vms", first),),
                            severity="warning",
                        )
                    )
    return out


def check_references(ix: BlueprintIndex) -> list[Finding]:
    """All reference and shape checks, in blueprint order."""
    return [
        *check_vm_names(ix),
        *check_vm_subnets(ix),
        *check_frontends(ix),
        *check_pool_members(ix),
        *check_rule_references(ix),
    ]
