"""Things Azure accepts that are probably not what the user meant: shown, never fatal.

The Floating IP ones come from the seed pages: health probes always go to the VM's NIC IP, and
outbound traffic from the frontend IP bound on the guest's loopback is not SNATed.
"""

from __future__ import annotations

from provisioner.blueprint.traffic import outbound_load_balancer, outbound_mode
from provisioner.errors import BlueprintPath, Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding, lb_path


def _warn(
    code: str,
    message: str,
    path: BlueprintPath,
    hint: str,
    related: tuple[BlueprintPath, ...] = (),
) -> Finding:
    return finding(code, message, path, hint=hint, related=related, severity="warning")


def check_probe_on_floating_port(ix: BlueprintIndex) -> list[Finding]:
    """A Floating IP rule's service listens on the frontend IP (on the loopback); a probe on the
    same port goes to the NIC IP, where nothing may be listening, so every VM looks down."""
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for info in ix.rules:
        if not info.rule.floating_ip or info.rule.probe is None:
            continue
        probe = ix.bp.load_balancers[info.lb].probes.get(info.rule.probe)
        if probe is None or probe.port != info.backend_port or info.is_ha:
            continue
        if (info.lb, info.rule.probe) in seen:
            continue
        seen.add((info.lb, info.rule.probe))
        out.append(
            _warn(
                codes.PROBE_ON_FLOATING_PORT,
                f"probe {info.rule.probe!r} checks port {probe.port}, the backend port of "
                f"floating IP rule {info.name!r}: probes go to the VM's NIC IP, but the service "
                f"behind a floating IP rule is bound to the frontend IP on the loopback, so the "
                f"probe only succeeds if the service also listens on the NIC IP",
                lb_path(info.lb, "probes", info.rule.probe, "port"),
                hint="probe a health port the service answers on the NIC IP (e.g. 8080), or "
                "bind the service to 0.0.0.0",
                related=(info.port_path,),
            )
        )
    return out


def check_floating_outbound(ix: BlueprintIndex) -> list[Finding]:
    """Connections a VM starts from a frontend IP bound on its loopback are not SNATed (seed
    pages, "Limitations"): outbound must leave from the NIC's primary IP, through the
    blueprint's explicit outbound. The hint names the fix for the blueprint's own ``outbound``.
    Rules of the load balancer carrying ``lb_outbound_rule`` have SNAT disabled by the tool."""
    mode = outbound_mode(ix.bp)
    snat_lb = outbound_load_balancer(ix.bp)
    if mode == "nat_gateway":
        fix = "outbound goes through the NAT gateway (outbound: nat_gateway) from the NIC's IP"
    elif mode == "lb_outbound_rule":
        fix = "outbound goes through the outbound rule (outbound: lb_outbound_rule)"
    else:
        fix = "give the VMs explicit outbound with outbound: nat_gateway"
    out: list[Finding] = []
    for info in ix.rules:
        if not info.rule.floating_ip or info.rule.disable_outbound_snat or info.lb == snat_lb:
            continue
        out.append(
            _warn(
                codes.FIP_OUTBOUND,
                f"floating IP rule {info.name!r}: outbound connections the VMs start from the "
                f"frontend IP bound on their loopback are not SNATed and fail; outbound must use "
                f"the NIC's primary IP",
                (*info.path, "floating_ip"),
                hint=f"set disable_outbound_snat: true on rule {info.name!r}; {fix}; never "
                "source outbound traffic from the frontend IP",
            )
        )
    return out


def check_public_ip_cost(ix: BlueprintIndex) -> list[Finding]:
    out: list[Finding] = []
    for lb_name, lb in ix.bp.load_balancers.items():
        if lb.type != "public":
            continue
        new = [name for name, fe in lb.frontends.items() if fe.public_ip_id is None]
        if not new:
            continue
        out.append(
            _warn(
                codes.PUBLIC_IP_COST,
                f"load balancer {lb_name!r} creates {len(new)} Standard static public IP(s), "
                "one per public frontend; each is billed by the hour while it exists",
                lb_path(lb_name, "frontends"),
                hint="set a --ttl so `cleanup --expired` removes them, or reuse existing public "
                "IPs with public_ip_id",
            )
        )
    return out


def check_unused(ix: BlueprintIndex) -> list[Finding]:
    """Rules without probes, pools without VMs, and frontends/pools/probes no rule uses."""
    out: list[Finding] = []
    used: dict[str, tuple[set[str], set[str], set[str]]] = {
        name: (set(), set(), set()) for name in ix.bp.load_balancers
    }
    for info in ix.rules:
        frontends, pools, probes = used[info.lb]
        frontends.add(info.rule.frontend)
        pools.add(info.rule.pool)
        if info.rule.probe is None:
            out.append(
                _warn(
                    codes.RULE_WITHOUT_PROBE,
                    f"rule {info.name!r} has no probe: Azure sends it traffic for every VM in "
                    "the pool, up or down",
                    info.path,
                    hint=f"add probe: NAME to rule {info.name!r} (a tcp probe on the service "
                    "port, or a health port)",
                )
            )
        else:
            probes.add(info.rule.probe)
    for lb_name, lb in ix.bp.load_balancers.items():
        frontends, pools, probes = used[lb_name]
        for pool_name, pool in lb.pools.items():
            if not pool.vms:
                out.append(
                    _warn(
                        codes.EMPTY_POOL,
                        f"pool {pool_name!r} has no VMs: its rules deliver to nothing",
                        lb_path(lb_name, "pools", pool_name),
                        hint=f"list VMs in pool {pool_name!r}, or remove it",
                    )
                )
        for kind, code, names, in_use in (
            ("frontend", codes.UNUSED_FRONTEND, lb.frontends, frontends),
            ("pool", codes.UNUSED_POOL, lb.pools, pools),
            ("probe", codes.UNUSED_PROBE, lb.probes, probes),
        ):
            plural = "frontends" if kind == "frontend" else f"{kind}s"
            for name in names:
                if name not in in_use:
                    out.append(
                        _warn(
                            code,
                            f"{kind} {name!r} of load balancer {lb_name!r} is used by no rule",
                            lb_path(lb_name, plural, name),
                            hint=f"use it in a rule, or remove {kind} {name!r}",
                        )
                    )
    return out


def check_warnings(ix: BlueprintIndex) -> list[Finding]:
    return [
        *check_probe_on_floating_port(ix),
        *check_floating_outbound(ix),
        *check_public_ip_cost(ix),
        *check_unused(ix),
    ]
