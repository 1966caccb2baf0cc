"""The picture as SVG, laid out and drawn by the tool itself (no Graphviz at run time).

The topology is a fixed four-layer graph, so the layout is four columns, not a general graph
layout: frontends, rules, pools (each with its probes beneath it), VMs; one band per load
balancer. Rules are stacked in frontend order, each frontend centred on its own rules, pools in
the order rules first use them and VMs in the order pools name them, so the lines fan out the way
the Microsoft pages draw them and the same picture always gives the same bytes. (A general
layered layout, Graphviz or ELK, would add a binary or a JavaScript engine to a pip install and
still not know that a probe belongs beside its pool.)

Text is monospace, so a line's width is known without measuring fonts: columns are as wide as
their longest line up to :data:`MAX_CHARS`, longer lines end in "…" and every box carries its
full text (and each path its verdicts' reasons) in a ``<title>``, which browsers show on hover
and screen readers read. Floating IP paths are drawn as a purple double line and failing paths
dashed as well as red, so neither depends on colour alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

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
from provisioner.plan.picture import LoadBalancerGroup, Picture, RuleNode

FONT = "ui-monospace, 'DejaVu Sans Mono', Menlo, Consolas, monospace"
FONT_SIZE = 12
#: Upper bound of a monospace glyph's advance at FONT_SIZE (DejaVu Sans Mono: 7.22px).
CHAR_W = 7.4
LINE_H = 16
PAD = 8
GAP_Y = 14
COL_GAP = 96
MARGIN = 24
BAND_HEADER = 34
#: A line in a box is cut past this many characters (its ``<title>`` keeps it whole).
MAX_CHARS = 48
FLOATING_COLOUR = "#8250df"

_FILL = {
    "frontend": "#ddf4ff",
    "rule": "#ffffff",
    "floating": "#fbefff",
    "pool": "#fff8c5",
    "probe": "#f6f8fa",
    "vm": "#dafbe1",
    "more": "#ffffff",
}
_STROKE = {
    "frontend": "#0969da",
    "rule": "#57606a",
    "floating": FLOATING_COLOUR,
    "pool": "#9a6700",
    "probe": "#6e7781",
    "vm": "#1a7f37",
    "more": "#6e7781",
}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml(value: str) -> str:
    """Text for XML content or attributes: escaped, control characters dropped."""
    return escape(_XML_BAD.sub("", str(value)), quote=True)


def _cut(line: str) -> str:
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"


@dataclass
class Box:
    id: str
    kind: str
    lines: list[str]
    title: str
    x: float = 0
    y: float = 0
    w: float = 0
    state: str | None = None  # a verdict colouring the border
    css: list[str] = field(default_factory=list)

    @property
    def h(self) -> float:
        return 2 * PAD + LINE_H * len(self.lines)

    def right(self) -> tuple[float, float]:
        return self.x + self.w, self.y + self.h / 2

    def left(self) -> tuple[float, float]:
        return self.x, self.y + self.h / 2


@dataclass
class Line:
    source: str
    target: str
    kind: str  # path | floating | member | probe
    state: str | None = None
    title: str = ""


@dataclass
class Band:
    """One load balancer's four columns, laid out from y=0."""

    title: str
    columns: list[list[Box]]
    lines: list[Line]
    height: float = 0


#: The four columns: frontends, rules, pools (with probes), VMs.
ALL_COLUMNS = (0, 1, 2, 3)


def render_svg(
    picture: Picture,
    *,
    id_prefix: str = "pic",
    max_vms: int | None = None,
    heading: bool = True,
    columns: Sequence[int] = ALL_COLUMNS,
) -> str:
    """One SVG document: a band per load balancer, a legend, title and description.

    ``heading=False`` leaves out the visible title line and the legend (a report that embeds
    several diagrams has its own); the accessible ``<title>`` and ``<desc>`` stay. ``columns``
    draws only some columns: a large report draws its paths (0, 1, 2) per group of frontends and
    the pools' members (2, 3) once."""
    bands = [_band(picture, lb, max_vms) for lb in picture.load_balancers]
    for band in bands:
        band.columns = [c if i in columns else [] for i, c in enumerate(band.columns)]
    widths = _column_widths(bands, columns)
    y = MARGIN + (28.0 if heading else 0.0)
    for band in bands:
        _place(band, widths, y + BAND_HEADER)
        y += BAND_HEADER + band.height + 2 * GAP_Y
    shown = [w for w in widths if w]
    width = 2 * MARGIN + sum(shown) + COL_GAP * (len(shown) - 1)
    height = y + (56 if heading else 0)
    return _document(picture, bands, widths, width, height, id_prefix, heading)


# --- building boxes ---------------------------------------------------------------------------


def _rule_box(rule: RuleNode) -> Box:
    lines = rule_lines(rule)
    state = rule.verdicts.overall
    if state is not None:
        lines.append(f"{SIGN[state]} {WORD[state]}")
    title = "\n".join([f"rule {rule.load_balancer}/{rule.name}", *lines[1:3]])
    reasons = path_reasons(rule.verdicts)
    if reasons:
        title += "\n" + "\n".join(reasons)
    kind = "floating" if rule.floating_ip else "rule"
    return Box(rule.id, kind, lines, title, state=state)


def _band(picture: Picture, lb: LoadBalancerGroup, max_vms: int | None) -> Band:
    fronts: list[Box] = []
    rules: list[Box] = []
    for fe in lb.frontends:
        lines = frontend_lines(fe)
        fronts.append(Box(fe.id, "frontend", lines, "frontend " + " · ".join(lines)))
        rules += [_rule_box(r) for r in lb.rules if r.frontend_id == fe.id]
    pools, vms, lines = _pools_and_vms(picture, lb, max_vms)
    for rule in lb.rules:
        state = rule.verdicts.overall
        reasons = "\n".join(path_reasons(rule.verdicts))
        title = f"{rule.load_balancer}/{rule.name}" + (f"\n{reasons}" if reasons else "")
        lines.append(Line(rule.frontend_id, rule.id, "path", state, title))
        kind = "floating" if rule.floating_ip else "path"
        lines.append(Line(rule.id, rule.pool_id, kind, state, title))
    return Band(f"{lb.name} · {lb.type} load balancer", [fronts, rules, pools, vms], lines)


def _pools_and_vms(
    picture: Picture, lb: LoadBalancerGroup, max_vms: int | None
) -> tuple[list[Box], list[Box], list[Line]]:
    """The pool column (each pool, then the probes it is the first to use) and the VM column
    (in the order pools name them; past ``max_vms`` a pool's rest is one "… more" box)."""
    column: list[Box] = []
    vms: dict[str, Box] = {}
    lines: list[Line] = []
    probes = {p.id: p for p in lb.probes}
    for pool in lb.pools:
        text = pool_lines(pool)
        column.append(Box(pool.id, "pool", text, " · ".join(text)))
        for probe_id in pool.probe_ids:
            if probe_id in probes:
                text = probe_lines(probes.pop(probe_id))
                column.append(Box(probe_id, "probe", text, " · ".join(text)))
            lines.append(Line(probe_id, pool.id, "probe", title="health probe"))
        shown = pool.vm_ids if max_vms is None else pool.vm_ids[:max_vms]
        for vm in shown:
            box = vms.get(vm) or vms.setdefault(vm, _vm_box(picture, vm, max_vms is not None))
            lines.append(Line(pool.id, vm, "member", box.state, "pool member"))
        if len(shown) < len(pool.vm_ids):
            more = f"more:{pool.id}"
            text = [f"… {len(pool.vm_ids) - len(shown)} more VMs", "listed in the table"]
            vms[more] = Box(more, "more", text, " ".join(text))
            lines.append(Line(pool.id, more, "member"))
    for probe in probes.values():  # a probe no rule uses
        text = probe_lines(probe)
        column.append(Box(probe.id, "probe", text, " · ".join(text)))
    return column, list(vms.values()), lines


def _vm_box(picture: Picture, vm_id: str, compact: bool = False) -> Box:
    """A VM: name, NIC, loopback addresses (``compact``: name and NIC; the title has all)."""
    vm = picture.vm(vm_id)
    if vm is None:
        return Box(vm_id, "vm", [vm_id], vm_id)
    lines = vm_lines(vm)
    title = " · ".join(lines)
    if compact:
        lines = lines[:2]
    state = None
    if vm.guest is not None:
        state = vm.guest.state
        lines.append(f"guest {SIGN[state]} {WORD[state]}")
        title += f"\nguest: {SIGN[state]} {WORD[state]}" + (
            f": {vm.guest.reason}" if vm.guest.reason else ""
        )
    return Box(vm.id, "vm", lines, title, state=state)


# --- layout -----------------------------------------------------------------------------------


def _column_widths(bands: Sequence[Band], columns: Sequence[int]) -> list[float]:
    """Each shown column as wide as its longest line (at least 120px); a hidden one 0."""
    widths = [0.0, 0.0, 0.0, 0.0]
    for band in bands:
        for i, column in enumerate(band.columns):
            for box in column:
                longest = max(len(_cut(line)) for line in box.lines)
                widths[i] = max(widths[i], longest * CHAR_W + 2 * PAD)
    return [max(w, 120.0) if i in columns else 0.0 for i, w in enumerate(widths)]


def _xs(widths: Sequence[float]) -> list[float]:
    """Where each column starts; a hidden column (width 0) takes no room."""
    xs, x = [], float(MARGIN)
    for w in widths:
        xs.append(x)
        if w:
            x += w + COL_GAP
    return xs


def _stack(boxes: Sequence[Box], x: float, w: float, top: float) -> float:
    y = top
    for box in boxes:
        box.x, box.y, box.w = x, y, w
        y += box.h + GAP_Y
    return y - GAP_Y - top if boxes else 0.0


def _place(band: Band, widths: Sequence[float], top: float) -> None:
    """Columns side by side; rules in frontend blocks with each frontend centred on its rules;
    every column centred on the tallest."""
    xs = _xs(widths)
    fronts, rules, pools, vms = band.columns
    rule_boxes = {b.id: b for b in rules}
    by_frontend: dict[str, list[Box]] = {}
    for line in band.lines:
        if line.kind == "path" and line.target in rule_boxes:
            by_frontend.setdefault(line.source, []).append(rule_boxes[line.target])
    y = 0.0
    for fe in fronts:
        mine = by_frontend.get(fe.id, [])
        block = max(fe.h, _stack(mine, xs[1], widths[1], y))
        fe.x, fe.w = xs[0], widths[0]
        fe.y = y + (block - fe.h) / 2
        for box in mine:
            box.y += (block - _stack_height(mine)) / 2
        y += block + GAP_Y
    left = y - GAP_Y if fronts else 0.0
    heights = [left, left, _stack(pools, xs[2], widths[2], 0), _stack(vms, xs[3], widths[3], 0)]
    band.height = max(heights)
    for i, column in enumerate(band.columns):
        shift = top + (band.height - heights[i]) / 2
        for box in column:
            box.y += shift
    if not fronts and vms:
        _beside_members(band, pools, vms)


def _beside_members(band: Band, pools: Sequence[Box], vms: Sequence[Box]) -> None:
    """Without the paths (a members diagram), each pool sits level with its VMs, its probes
    under it, nothing overlapping."""
    centre = {b.id: b.y + b.h / 2 for b in vms}
    members: dict[str, list[float]] = {}
    for line in band.lines:
        if line.kind == "member" and line.target in centre:
            members.setdefault(line.source, []).append(centre[line.target])
    floor = min(b.y for b in vms)
    for box in pools:
        wanted = members.get(box.id)
        y = sum(wanted) / len(wanted) - box.h / 2 if wanted else floor
        box.y = max(y, floor)
        floor = box.y + box.h + GAP_Y


def _stack_height(boxes: Sequence[Box]) -> float:
    return sum(b.h for b in boxes) + GAP_Y * (len(boxes) - 1) if boxes else 0.0


# --- drawing ----------------------------------------------------------------------------------


def _document(
    picture: Picture,
    bands: Sequence[Band],
    widths: Sequence[float],
    width: float,
    height: float,
    prefix: str,
    heading: bool,
) -> str:
    counts = picture.counts()
    where = f"environment {picture.env}" if picture.source == "live" else "blueprint"
    title = f"{picture.title} ({where}): load balancer topology"
    desc = (
        f"{counts['frontends']} frontends, {counts['rules']} rules, {counts['pools']} pools, "
        f"{counts['probes']} probes, {counts['vms']} VMs. Left to right: frontends, rules, "
        "pools with their probes, backend VMs."
    )
    verdicts = picture.verdict_counts()
    if verdicts["pass"] or verdicts["fail"] or verdicts["skipped"]:
        desc += (
            f" Paths: {verdicts['pass']} passed, {verdicts['fail']} failed, "
            f"{verdicts['skipped']} skipped, {verdicts['unchecked']} not checked."
        )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc" font-family="{xml(FONT)}" '
        f'font-size="{FONT_SIZE}">',
        f'<title id="{prefix}-title">{xml(title)}</title>',
        f'<desc id="{prefix}-desc">{xml(desc)}</desc>',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    if heading:
        out.append(
            f'<text x="{MARGIN}" y="{MARGIN + 8}" font-size="15" font-weight="bold" '
            f'fill="#1f2328">{xml(title)}</text>'
        )
    for band in bands:
        out += _draw_band(band, widths)
    if heading:
        out += _legend(height - 34)
    out.append("</svg>")
    return "\n".join(out) + "\n"


_HEADERS = ("frontends", "rules", "pools · probes", "backend VMs")


def _draw_band(band: Band, widths: Sequence[float]) -> list[str]:
    boxes = {b.id: b for column in band.columns for b in column}
    top = min((b.y for b in boxes.values()), default=0.0) - BAND_HEADER
    out = [
        f'<g class="band"><text x="{MARGIN}" y="{top + 12:.1f}" font-weight="bold" '
        f'fill="#1f2328">{xml(band.title)}</text>'
    ]
    for header, x, w in zip(_HEADERS, _xs(widths), widths, strict=True):
        if not w:
            continue
        out.append(
            f'<text x="{x:.1f}" y="{top + 28:.1f}" font-size="10" fill="#57606a">'
            f"{header.upper()}</text>"
        )
    for line in band.lines:
        if line.source in boxes and line.target in boxes:
            out.append(_draw_line(line, boxes[line.source], boxes[line.target]))
    for box in boxes.values():
        out.append(_draw_box(box))
    out.append("</g>")
    return out


def _draw_line(line: Line, a: Box, b: Box) -> str:
    if line.kind == "probe":
        (x1, y1), (x2, y2) = a.left(), b.left()
        d = f"M{x1:.1f},{y1:.1f} C{x1 - 28:.1f},{y1:.1f} {x2 - 28:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
        return (
            f'<path class="probe" d="{d}" fill="none" stroke="#6e7781" stroke-width="1.2" '
            f'stroke-dasharray="2 3"><title>{xml(line.title)}</title></path>'
        )
    (x1, y1), (x2, y2) = a.right(), b.left()
    mid = (x1 + x2) / 2
    d = f"M{x1:.1f},{y1:.1f} C{mid:.1f},{y1:.1f} {mid:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    colour = COLOUR[line.state] if line.state else "#8c959f"  # type: ignore[index]
    dash = ' stroke-dasharray="7 4"' if line.state == "fail" else ""
    title = f"<title>{xml(line.title)}</title>" if line.title else ""
    if line.kind == "floating":
        colour = COLOUR[line.state] if line.state else FLOATING_COLOUR  # type: ignore[index]
        return (
            f'<g class="path floating"{_state_attr(line.state)}>{title}'
            f'<path d="{d}" fill="none" stroke="{colour}" stroke-width="6"{dash}/>'
            f'<path d="{d}" fill="none" stroke="#ffffff" stroke-width="2"/>'
            f'<text x="{x1 + 8:.1f}" y="{y1 - 7:.1f}" '
            f'font-size="10" fill="{FLOATING_COLOUR}">{xml(FLOATING)}</text></g>'
        )
    width = 2.5 if line.state else 1.5
    return (
        f'<path class="{"path" if line.kind == "path" else "member"}"{_state_attr(line.state)} '
        f'd="{d}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}>{title}</path>'
    )


def _state_attr(state: str | None) -> str:
    return f' data-verdict="{state}"' if state else ""


def _draw_box(box: Box) -> str:
    stroke = COLOUR[box.state] if box.state else _STROKE[box.kind]  # type: ignore[index]
    width = 2.5 if box.state else 1.2
    dash = ' stroke-dasharray="6 3"' if box.state == "fail" else ""
    out = [
        f'<g class="node {box.kind}"{_state_attr(box.state)} data-id="{xml(box.id)}">',
        f"<title>{xml(box.title)}</title>",
        f'<rect x="{box.x:.1f}" y="{box.y:.1f}" width="{box.w:.1f}" height="{box.h:.1f}" '
        f'rx="6" fill="{_FILL[box.kind]}" stroke="{stroke}" stroke-width="{width}"{dash}/>',
    ]
    for i, line in enumerate(box.lines):
        weight = ' font-weight="bold"' if i == 0 else ""
        y = box.y + PAD + LINE_H * (i + 1) - 4
        out.append(
            f'<text x="{box.x + PAD:.1f}" y="{y:.1f}" fill="#1f2328"{weight}>'
            f"{xml(_cut(line))}</text>"
        )
    out.append("</g>")
    return "".join(out)


def _legend(y: float) -> list[str]:
    x = MARGIN
    first = f"{FLOATING} path (the destination stays the frontend IP)"
    x2 = x + 44 + len(first) * 11 / FONT_SIZE * CHAR_W + 32
    return [
        f'<g class="legend" font-size="11" fill="#1f2328">'
        f'<path d="M{x},{y} h36" stroke="{FLOATING_COLOUR}" stroke-width="6"/>'
        f'<path d="M{x},{y} h36" stroke="#ffffff" stroke-width="2"/>'
        f'<text x="{x + 44}" y="{y + 4}">{xml(first)}</text>',
        f'<path d="M{x2:.1f},{y} h36" stroke="#6e7781" stroke-dasharray="2 3"/>'
        f'<text x="{x2 + 44:.1f}" y="{y + 4}">health probe (to the NIC IP)</text>',
        f'<text x="{x}" y="{y + 22}">{SIGN["pass"]} passed (green) · {SIGN["fail"]} FAILED '
        f"(red, dashed) · {SIGN['skipped']} skipped (grey) · no sign: not checked · "
        "hover a box or line for details</text></g>",
    ]
