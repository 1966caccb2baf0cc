"""Network security groups and outbound: what Azure refuses, and what would carry no traffic.

Azure refuses, with its own codes, security rules whose priority is outside 100-4096 or shared
within a direction, ports and addresses it cannot read, a service tag in a prefix list, prefixes
of two IP versions in one rule, and more than 1,000 rules in one NSG (counting the ones the tool
derives from the load balancer rules, ``blueprint/traffic.families``). ``allow_from`` entries
become NSG sources, so they are checked the same way.

Azure accepts, but nothing would flow through, a rule of the user's own that denies the whole
traffic of a load balancer rule or of a health probe (``rules/nsg.py`` decides what covers
what); and a blueprint that says ``security: none`` or ``outbound: none`` has to say it means it.

At plan time (:func:`check_existing_nsgs`), an existing NSG the blueprint attaches is checked
against the same flows, with the live rules and Azure's default ones.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from provisioner.blueprint.model import Blueprint, NsgRule
from provisioner.blueprint.traffic import (
    ANY,
    NSG_RULES_MAX,
    Flow,
    SubnetPrefix,
    allow_from,
    families,
    fold,
    inbound_flows,
    is_network,
    must_fold,
    outbound_load_balancer,
    outbound_mode,
    sources_for,
    subnet_security,
    version_of,
)
from provisioner.errors import BlueprintPath, Finding
from provisioner.rules import codes
from provisioner.rules.index import BlueprintIndex, finding, lb_path
from provisioner.rules.nsg import (
    Endpoint,
    Space,
    Verdict,
    as_wire,
    evaluate,
    nsg_rules,
    rule_covers,
)
from provisioner.rules.service_tags import is_service_tag

PRIORITY_RANGE = (100, 4096)
#: Custom rules per NSG (subscription limits page; azure-rest-api-specs#3003).
MAX_SECURITY_RULES = NSG_RULES_MAX

RULES_PATH: BlueprintPath = ("security", "rules")


def _address_problem(value: str, path: BlueprintPath, many: bool, what: str) -> Finding | None:
    if value == ANY or (not any(ch in value for ch in "/:") and is_service_tag(value)):
        if many:
            return finding(
                codes.NSG_UNSUPPORTED_VALUE,
                f"{what}: {value!r} cannot be one of several addresses; Azure takes * and service "
                "tags only as a rule's single address",
                path,
                hint=f"give {value!r} a rule of its own, or list only prefixes",
            )
        return None
    if is_network(value):
        return None
    return finding(
        codes.NSG_ADDRESS_PREFIX,
        f"{what}: {value!r} is not an address, a CIDR prefix with its host bits zero, a known "
        "service tag or *",
        path,
        hint="write a prefix such as 203.0.113.0/24, or a service tag such as Internet, "
        "VirtualNetwork, AzureFrontDoor.Backend",
    )


def _port_problem(value: int | str, path: BlueprintPath, what: str) -> Finding | None:
    text = str(value)
    low, _, high = text.partition("-")
    ok = text == ANY or (
        low.isdigit()
        and (not high or high.isdigit())
        and int(low) <= 65535
        and int(high or low) <= 65535
        and int(low) <= int(high or low)
    )
    if ok:
        return None
    return finding(
        codes.NSG_PORT_RANGE,
        f"{what}: port {text!r} is not a port, a range low-high or *, within 0-65535",
        path,
        hint="write 22, '8000-8100' or '*' (one per list entry)",
    )


def _families_of(values: Iterable[str]) -> set[str]:
    return {v for value in values if (v := version_of(value)) is not None}


def check_explicit_rules(bp: Blueprint) -> list[Finding]:
    """Each of the user's own rules as Azure checks it, then priorities per direction."""
    out: list[Finding] = []
    seen: dict[tuple[str, int], str] = {}
    low, high = PRIORITY_RANGE
    for name, rule in bp.security.rules.items():
        here = (*RULES_PATH, name)
        what = f"security rule {name!r}"
        if not low <= rule.priority <= high:
            out.append(
                finding(
                    codes.NSG_PRIORITY,
                    f"{what} has priority {rule.priority}; Azure allows 100 to 4096",
                    (*here, "priority"),
                    hint="below 1000 comes before every rule the tool derives",
                )
            )
        else:
            first = seen.setdefault((rule.direction, rule.priority), name)
            if first != name:
                out.append(
                    finding(
                        codes.NSG_CONFLICT,
                        f"{what} has priority {rule.priority}, like rule {first!r}: rules of one "
                        f"direction ({rule.direction}) need priorities of their own",
                        (*here, "priority"),
                        hint="give each rule its own priority",
                        related=((*RULES_PATH, first, "priority"),),
                    )
                )
        for side in ("sources", "destinations"):
            values = getattr(rule, side)
            for i, value in enumerate(values):
                problem = _address_problem(value, (*here, side, i), len(values) > 1, what)
                if problem is not None:
                    out.append(problem)
        for i, port in enumerate(rule.ports):
            problem = _port_problem(port, (*here, "ports", i), what)
            if problem is not None:
                out.append(problem)
        versions = _families_of([*rule.sources, *rule.destinations])
        if len(versions) > 1:
            out.append(
                finding(
                    codes.NSG_MIXED_FAMILIES,
                    f"{what} mixes IPv4 and IPv6 prefixes; all addresses of one rule must be of "
                    "one address family",
                    here,
                    hint="split it into an IPv4 rule and an IPv6 rule",
                )
            )
    return out


def check_allow_from(ix: BlueprintIndex) -> list[Finding]:
    """``allow_from`` entries are NSG sources: addresses, prefixes or service tags; and a rule
    of one IP version needs at least one source that can reach it."""
    out: list[Finding] = []
    for lb_name, lb in ix.bp.load_balancers.items():
        if lb.allow_from is not None:
            for i, value in enumerate(lb.allow_from):
                problem = _address_problem(
                    value, lb_path(lb_name, "allow_from", i), False, f"load balancer {lb_name!r}"
                )
                if problem is not None:
                    out.append(problem)
    for info in ix.rules:
        lb = ix.bp.load_balancers[info.lb]
        if info.rule.allow_from is not None:
            for i, value in enumerate(info.rule.allow_from):
                problem = _address_problem(
                    value, (*info.path, "allow_from", i), False, f"rule {info.name!r}"
                )
                if problem is not None:
                    out.append(problem)
        if info.rule.allow_from is None and lb.allow_from is None:
            continue
        if not sources_for(allow_from(lb, info.rule), info.ip_version):
            where = info.path if info.rule.allow_from is not None else lb_path(info.lb)
            out.append(
                finding(
                    codes.IP_VERSION_MISMATCH,
                    f"rule {info.name!r} is {info.ip_version} but its allow_from holds no "
                    f"{info.ip_version} prefix or service tag: nobody could reach it",
                    (*where, "allow_from"),
                    hint=f"add {info.ip_version} prefixes (or a service tag such as Internet)",
                )
            )
    return out


def check_rule_count(bp: Blueprint) -> list[Finding]:
    """The environment's NSG holds the user's rules and the derived ones, counted as
    ``compile.security`` writes them: folded by port when one per family would not fit."""
    found = families(inbound_flows(bp))
    own = len(bp.security.rules)
    if not _has_managed(bp) or not must_fold(found, own):
        return []
    folded = len(fold(found))
    if folded + own <= MAX_SECURITY_RULES:
        return []
    return [
        finding(
            codes.NSG_RULE_LIMIT,
            f"the environment's network security group would hold {folded + own} rules "
            f"({len(found)} derived from the load balancer rules and probes, {folded} once "
            f"folded into port lists, and {own} of your own); a security group cannot have "
            f"more than {MAX_SECURITY_RULES} security rules",
            ("security",),
            hint="share backend ports, sources and backend subnets between rules (rules that "
            "differ only in their port fold into one NSG rule), use fewer allow_from sources, "
            "or split the environment",
        )
    ]


def _has_managed(bp: Blueprint) -> bool:
    return any(
        (spec.security or bp.security).mode == "managed" for spec in bp.network.subnets.values()
    )


def check_denials(bp: Blueprint) -> list[Finding]:
    """A rule of the user's own that denies all the traffic of a load balancer rule, or a health
    probe: whichever priority it has, the row (or every backend's health) is at its mercy."""
    denies = [(n, r) for n, r in bp.security.rules.items() if _is_inbound_deny(r)]
    if not denies:
        return []
    space = Space(bp)
    out: list[Finding] = []
    for flow in inbound_flows(bp):
        for name, rule in denies:
            hit = _covered(space, as_wire(name, rule), flow)
            if hit is not None:
                out.append(_denial(name, flow, *hit))
                break
    return out


def _is_inbound_deny(rule: NsgRule) -> bool:
    return rule.access == "deny" and rule.direction == "inbound"


def _covered(space: Space, rule: dict, flow: Flow) -> tuple[Endpoint, Endpoint] | None:
    for source in flow.sources:
        src = space.source(source)
        for target in flow.destinations:
            dst = space.destination(target, flow.ip_version)
            if rule_covers(space, rule, flow, src, dst):
                return src, dst
    return None


def _denial(name: str, flow: Flow, source: Endpoint, destination: Endpoint) -> Finding:
    port = "every port" if flow.port is None else f"port {flow.port}"
    protocol = "any protocol" if flow.protocol == ANY else flow.protocol.upper()
    traffic = f"{protocol} {port} from {source} to {destination}"
    if flow.kind == "probe":
        return finding(
            codes.NSG_DENIES_PROBE,
            f"security rule {name!r} denies {flow.label}'s health probes ({traffic}): every "
            "backend would look down and the load balancer would send nothing",
            (*RULES_PATH, name),
            hint="leave AzureLoadBalancer and the probe ports out of the deny rule",
            related=(flow.path,),
        )
    return finding(
        codes.NSG_DENIES_ROW,
        f"security rule {name!r} denies all the traffic of {flow.label} ({traffic})",
        (*RULES_PATH, name),
        hint="narrow the deny rule's sources or ports, or remove the load balancer rule",
        related=(flow.path,),
    )


def check_acknowledgements(bp: Blueprint) -> list[Finding]:
    """``none`` is allowed when the blueprint says it knows what it gives up."""
    out: list[Finding] = []
    places: list[tuple[BlueprintPath, object]] = [(("security",), bp.security)]
    places += [
        (("network", "subnets", name, "security"), s.security)
        for name, s in bp.network.subnets.items()
        if s.security is not None
    ]
    for path, spec in places:
        if getattr(spec, "mode", None) != "none":
            continue
        if not getattr(spec, "acknowledge_no_nsg", False):
            out.append(
                finding(
                    codes.NO_NSG_NOT_ACKNOWLEDGED,
                    "security none leaves subnets without a network security group: a public "
                    "Standard load balancer then delivers nothing to their VMs",
                    (*path, "mode"),
                    hint="write security: managed (the default), or {mode: none, "
                    "acknowledge_no_nsg: true} if that is what you want",
                )
            )
        else:
            out.append(
                finding(
                    codes.NO_NSG,
                    "security none: no network security group, so a public Standard load "
                    "balancer delivers no traffic from outside the virtual network to these VMs",
                    path,
                    hint="use security: managed, or attach your own with {existing: ID}",
                    severity="warning",
                )
            )
    if outbound_mode(bp) == "none":
        needs_guest = bp.guest.configure and bool(bp.vms)
        if needs_guest and not bp.outbound.acknowledge_no_outbound:
            out.append(
                finding(
                    codes.NO_OUTBOUND_NOT_ACKNOWLEDGED,
                    "outbound none: the VMs get no outbound connectivity, and run-command (how "
                    "up configures the guests) cannot return its results without it",
                    ("outbound", "mode"),
                    hint="use outbound: nat_gateway (the default), or acknowledge_no_outbound: "
                    "true, or guest: {configure: false}",
                )
            )
        else:
            out.append(
                finding(
                    codes.NO_OUTBOUND,
                    "outbound none: new subnets are private (defaultOutboundAccess false), so "
                    "the VMs reach nothing outside the virtual network",
                    ("outbound",),
                    hint="use outbound: nat_gateway or lb_outbound_rule",
                    severity="warning",
                )
            )
    return out


def check_outbound(bp: Blueprint) -> list[Finding]:
    mode, own_vnet = outbound_mode(bp), bp.network.existing_id is None
    here: BlueprintPath = ("outbound", "mode")
    if mode == "nat_gateway" and not own_vnet:
        return [
            finding(
                codes.NAT_GATEWAY_NEEDS_OWN_VNET,
                "outbound nat_gateway attaches a NAT gateway to the subnets, but the virtual "
                "network is an existing one (network.existing_id) the environment does not write",
                here,
                hint="use outbound: existing (the subnets' own outbound) or lb_outbound_rule",
            )
        ]
    if mode == "existing" and own_vnet:
        return [
            finding(
                codes.EXISTING_OUTBOUND_NEEDS_EXISTING_VNET,
                "outbound existing keeps the subnets' own outbound, but the environment creates "
                "its virtual network, whose new subnets have none",
                here,
                hint="use outbound: nat_gateway (the default) or lb_outbound_rule",
            )
        ]
    if mode != "lb_outbound_rule":
        return []
    named = bp.outbound.load_balancer
    public = [n for n, lb in bp.load_balancers.items() if lb.type == "public"]
    if named is not None and named not in bp.load_balancers:
        return [
            finding(
                codes.INVALID_REFERENCE,
                f"outbound load_balancer {named!r} is not a load balancer of the blueprint",
                ("outbound", "load_balancer"),
                hint=f"use one of: {', '.join(public)}" if public else "add a public one",
            )
        ]
    if outbound_load_balancer(bp) is None or (
        named is not None and bp.load_balancers[named].type != "public"
    ):
        if named is not None:
            reason = f"load balancer {named!r} is internal"
        elif public:
            reason = f"there are {len(public)} public load balancers ({', '.join(public)})"
        else:
            reason = "the blueprint has no public load balancer"
        return [
            finding(
                codes.OUTBOUND_NEEDS_PUBLIC_LB,
                f"outbound lb_outbound_rule needs one public load balancer to carry the outbound "
                f"rule, and {reason}",
                ("outbound", "load_balancer") if named is not None else here,
                hint="name the public one with load_balancer: NAME, or use outbound: nat_gateway",
            )
        ]
    return []


def check_security(ix: BlueprintIndex) -> list[Finding]:
    bp = ix.bp
    return [
        *check_explicit_rules(bp),
        *check_allow_from(ix),
        *check_rule_count(bp),
        *check_denials(bp),
        *check_acknowledgements(bp),
        *check_outbound(bp),
    ]


def check_existing_nsgs(
    bp: Blueprint,
    live_nsgs: Mapping[str, Mapping[str, Any] | None],
    addresses: Mapping[tuple[str, str], str] | None = None,
) -> list[Finding]:
    """``security: {existing: ID}``, against the live NSG: each load balancer rule and probe
    whose backends it guards, and the rule that blocks it when one does. ``live_nsgs`` maps a
    lower-case NSG id to its live body (None: it does not exist); ``addresses`` the public
    frontends' addresses already allocated."""
    space = Space(bp, addresses)
    flows = inbound_flows(bp)
    out: list[Finding] = []
    for subnet, spec in bp.network.subnets.items():
        security = subnet_security(bp, subnet)
        if security.mode != "existing" or security.existing is None:
            continue
        path: BlueprintPath = (
            ("network", "subnets", subnet, "security", "existing")
            if spec.security is not None
            else ("security", "existing")
        )
        nsg_id = security.existing
        body = live_nsgs.get(nsg_id.lower())
        if body is None:
            out.append(
                finding(
                    codes.INVALID_REFERENCE,
                    f"network security group {nsg_id} (for subnet {subnet!r}) does not exist",
                    path,
                    hint="check the id (subscription, group and name), or use security: managed",
                )
            )
            continue
        rules = nsg_rules(body)
        for flow in flows:
            if subnet in flow.backend_subnets:
                blocked = _blocked(space, rules, flow, subnet)
                if blocked is not None:
                    out.append(_blocked_finding(nsg_id, subnet, flow, path, *blocked))
    return out


def _blocked(
    space: Space, rules: list[Mapping[str, Any]], flow: Flow, subnet: str
) -> tuple[Endpoint, Endpoint, Verdict] | None:
    for source in flow.sources:
        src = space.source(source)
        for target in flow.destinations:
            if isinstance(target, SubnetPrefix) and target.subnet != subnet:
                continue
            dst = space.destination(target, flow.ip_version)
            verdict = evaluate(space, rules, flow, src, dst)
            if not verdict.allowed:
                return src, dst, verdict
    return None


def _blocked_finding(
    nsg_id: str,
    subnet: str,
    flow: Flow,
    path: BlueprintPath,
    source: Endpoint,
    destination: Endpoint,
    verdict: Verdict,
) -> Finding:
    port = "every port" if flow.port is None else f"port {flow.port}"
    protocol = "any protocol" if flow.protocol == ANY else flow.protocol.upper()
    nsg = nsg_id.rstrip("/").split("/")[-1]
    code = codes.NSG_DENIES_PROBE if flow.kind == "probe" else codes.NSG_DENIES_ROW
    return finding(
        code,
        f"network security group {nsg!r} (subnet {subnet!r}) blocks {flow.label}: {protocol} "
        f"{port} from {source} to {destination} is decided by its rule {verdict.rule!r} "
        f"(priority {verdict.priority}, Deny)",
        path,
        hint=f"add an inbound Allow rule for that traffic at a priority below {verdict.priority} "
        "to the NSG, or use security: managed",
        related=(flow.path,),
    )
