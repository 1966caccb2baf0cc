"""The picture as Graphviz DOT text, for people who lay out with Graphviz themselves.

The tool never runs Graphviz (its SVG is its own, ``cli/picture_svg.py``); this is the same
picture for ``dot -Tpng``, editors and wikis that take DOT. One cluster per load balancer, ranks
left to right (frontends → rules → pools → VMs), probes dotted beside their pools, Floating IP
paths bold and labelled. Every id and label is a quoted DOT string with ``\\`` and ``"``
escaped and line breaks as ``\\n``, so no user text can end a string.
"""

from __future__ import annotations

from collections.abc import Iterable

from provisioner.cli.picture_labels import (
    COLOUR,
    FLOATING,
    SIGN,
    WORD,
    frontend_lines,
    path_reasons,
    pool_lines,
    probe_lines,
    rule_lines,
    vm_lines,
)
from provisioner.plan.picture import Picture


def quote(value: str) -> str:
    """A DOT quoted string: backslashes and quotes escaped, whitespace runs made one space."""
    flat = " ".join(str(value).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def label(lines: Iterable[str]) -> str:
    """Lines joined by DOT's centred line break ``\\n``, each escaped."""
    return "\\n".join(quote(line)[1:-1] for line in lines).join('""')


def render_dot(picture: Picture) -> str:
    where = f"environment {picture.env}" if picture.source == "live" else "blueprint"
    out = [
        f"digraph {quote(picture.title)} {{",
        f"  label={quote(f'{picture.title} ({where})')};",
        "  labelloc=t;",
        "  rankdir=LR;",
        "  newrank=true;",
        '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="sans-serif"];',
        '  edge [fontname="sans-serif", fontsize=10];',
    ]
    for n, lb in enumerate(picture.load_balancers):
        out.append(f"  subgraph {quote(f'cluster_{n}')} {{")
        out.append(f"    label={quote(f'{lb.name} · {lb.type} load balancer')};")
        for fe in lb.frontends:
            out.append(
                f"    {quote(fe.id)} [label={label(frontend_lines(fe))}, shape=oval, "
                'fillcolor="#ddf4ff"];'
            )
        for rule in lb.rules:
            state = rule.verdicts.overall
            lines = rule_lines(rule)
            if state is not None:
                lines += [f"{SIGN[state]} {WORD[state]}", *path_reasons(rule.verdicts)]
            fill = "#fbefff" if rule.floating_ip else "#ffffff"
            extra = f", color={quote(COLOUR[state])}, penwidth=2" if state else ""
            out.append(
                f"    {quote(rule.id)} [label={label(lines)}, fillcolor={quote(fill)}{extra}];"
            )
        for pool in lb.pools:
            out.append(
                f"    {quote(pool.id)} [label={label(pool_lines(pool))}, shape=box3d, "
                'fillcolor="#fff8c5"];'
            )
        for probe in lb.probes:
            out.append(
                f"    {quote(probe.id)} [label={label(probe_lines(probe))}, shape=hexagon, "
                'fillcolor="#f6f8fa"];'
            )
        out.append("  }")
    for vm in picture.vms:
        lines = vm_lines(vm)
        if vm.guest is not None:
            lines.append(f"guest {SIGN[vm.guest.state]} {WORD[vm.guest.state]}")
        out.append(f'  {quote(vm.id)} [label={label(lines)}, fillcolor="#dafbe1"];')
    out += _edges(picture)
    out.append("}")
    return "\n".join(out) + "\n"


def _edges(picture: Picture) -> list[str]:
    states = {r.id: r.verdicts.overall for r in picture.rules()}
    floating = {r.id for r in picture.rules() if r.floating_ip}
    out = []
    for edge in picture.edges():
        attrs, styles = [], []
        state = states.get(edge.rule_id or "")
        if state is not None:
            attrs.append(f"color={quote(COLOUR[state])}, penwidth=2")
            if state == "fail":
                styles.append("dashed")
        if edge.kind == "rule-pool" and edge.rule_id in floating:
            attrs.append(f"label={quote(FLOATING)}")
            styles.append("bold")
        if edge.kind == "probe-pool":
            attrs.append("arrowhead=none, constraint=false")
            styles.append("dotted")
        if styles:
            attrs.append(f"style={quote(','.join(styles))}")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"  {quote(edge.source)} -> {quote(edge.target)}{suffix};")
    return out
