"""The words of every drawing: one place says how a frontend, rule, pool, probe or VM reads.

The tree, Mermaid, DOT, SVG, HTML and the CI summary all draw the same
:class:`~provisioner.plan.picture.Picture`; they take their lines of text from here, so a rule
reads ``TCP 80 → 80`` and ``Floating IP: dst 20.0.0.4:80`` everywhere, and a verdict is a word
and a sign as well as a colour (colour is never the only signal). Plain strings, no markup: each
renderer escapes them for its own format.
"""

from __future__ import annotations

from provisioner.compile.mapping import ALLOCATED_AT_APPLY
from provisioner.plan.picture import (
    NIC_IP_AT_APPLY,
    FrontendNode,
    PathVerdicts,
    PoolNode,
    ProbeNode,
    RuleNode,
    State,
    Verdict,
    VmNode,
)

#: A verdict as a sign and a word (colour-blind readers and printouts get both).
SIGN: dict[State | None, str] = {"pass": "✓", "fail": "✗", "skipped": "–", None: "·"}
WORD: dict[State | None, str] = {
    "pass": "passed",
    "fail": "FAILED",
    "skipped": "skipped",
    None: "not checked",
}
#: Colours (GitHub's palette, readable on white and in print).
COLOUR: dict[State | None, str] = {
    "pass": "#1a7f37",
    "fail": "#cf222e",
    "skipped": "#6e7781",
    None: "#57606a",
}
#: The Floating IP mark, drawn on the rule and on the path it sends.
FLOATING = "Floating IP"


def frontend_lines(fe: FrontendNode) -> list[str]:
    version = "IPv6" if fe.ip_version == "ipv6" else "IPv4"
    return [fe.name, fe.address, f"{'public' if fe.public else 'internal'} {version}"]


def ports(rule: RuleNode) -> str:
    if rule.ha_ports:
        return "HA ports: all protocols, all ports"
    return f"{rule.protocol.upper()} {rule.frontend_port} → {rule.backend_port}"


def destination(rule: RuleNode) -> str:
    """Where the packet lands on the VM: with Floating IP the frontend IP itself."""
    port = "every port" if rule.ha_ports else str(rule.backend_port)
    if rule.floating_ip:
        ip = rule.destination_ip
        if ip == ALLOCATED_AT_APPLY:
            ip = f"{rule.frontend_id.rsplit('/', 1)[-1]} IP"
        return f"{FLOATING}: dst {ip}{' ' if rule.ha_ports else ':'}{port}"
    return f"dst NIC IP{' ' if rule.ha_ports else ':'}{port}"


def rule_lines(rule: RuleNode) -> list[str]:
    return [rule.name, ports(rule), destination(rule)]


def pool_lines(pool: PoolNode) -> list[str]:
    n = len(pool.vm_ids)
    return [f"pool {pool.name}", f"{n} VM{'' if n == 1 else 's'}"]


def probe_lines(probe: ProbeNode) -> list[str]:
    where = f":{probe.port}{probe.path or ''}"
    return [f"probe {probe.name}", f"{probe.protocol.upper()} {where} on the NIC IP"]


#: Loopback addresses named in a VM's label; the rest are counted (the tables list them all).
MAX_LOOPBACK = 6


def vm_lines(vm: VmNode, *, one_per_line: bool = True) -> list[str]:
    """Name, NIC address(es), then the loopback addresses: one line each for boxes, or one
    line for all (``one_per_line=False``, the tree); past :data:`MAX_LOOPBACK` counted."""
    nic = f"NIC {vm.nic_ip}" + (f", {vm.nic_ipv6}" if vm.nic_ipv6 else "")
    if vm.nic_ip == NIC_IP_AT_APPLY:
        nic = f"NIC IP {NIC_IP_AT_APPLY}"
    lines = [vm.name if vm.os == "linux" else f"{vm.name} ({vm.os})", nic]
    word = "holds" if vm.loopback_checked else "loopback"
    named = vm.loopback[:MAX_LOOPBACK]
    more = len(vm.loopback) - len(named)
    if vm.loopback_checked and not vm.loopback:
        lines.append(f"{word} nothing")
    elif vm.loopback and one_per_line:
        lines += [f"{word} {address}" for address in named]
        if more:
            lines.append(f"{word} … {more} more")
    elif vm.loopback:
        lines.append(f"{word} {', '.join(named)}" + (f" … {more} more" if more else ""))
    return lines


def verdict_text(verdict: Verdict | None) -> str:
    """``✓ passed: reason``: sign, word and reason."""
    state = verdict.state if verdict is not None else None
    reason = f": {verdict.reason}" if verdict is not None and verdict.reason else ""
    return f"{SIGN[state]} {WORD[state]}{reason}"


def path_summary(verdicts: PathVerdicts) -> str:
    """One line for a path: each checked slot as ``label ✓``, or "not checked"."""
    items = verdicts.items()
    if not items:
        return WORD[None]
    return ", ".join(f"{label} {SIGN[v.state]}" for _, label, v in items)


def path_reasons(verdicts: PathVerdicts) -> list[str]:
    """Per checked slot: ``label: ✓ passed: reason`` (hover text, table cells)."""
    return [f"{label}: {verdict_text(v)}" for _, label, v in verdicts.items()]
