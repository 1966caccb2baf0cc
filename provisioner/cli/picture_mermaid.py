"""The picture as Mermaid flowchart text: GitHub renders it in a step summary or a Markdown file.

Left to right: frontends → rules → pools → VMs, one subgraph per load balancer, probes as
hexagons beside their pools. A Floating IP rule is drawn with a thick arrow and its own colour,
and its label names the address the packet keeps (two rules reusing backend port 80 are two
distinct paths). With verdicts, each path's node and arrows take the verdict's colour and the
label carries the sign, the word and the reason (colour is never the only signal).

Mermaid refuses (or GitHub stops rendering) past a few hundred edges (its ``maxEdges`` default
is 500) and 50,000 characters (``maxTextSize``). A picture past :data:`MAX_EDGES` is drawn
*summarised*: per pool, one node counting the frontends and rules that send to it (and their
verdicts), every failing path still drawn on its own (up to :data:`MAX_FAILING`), and at most
:data:`MAX_VMS` VMs per pool. User text is escaped with Mermaid's entity codes, so a quote, ``<``
or ``#`` in an address or a reason cannot end a label or inject markup.
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
from provisioner.plan.picture import LoadBalancerGroup, Picture, RuleNode

#: Above this many edges the picture is summarised (Mermaid's default ``maxEdges`` is 500).
MAX_EDGES = 400
#: Failing paths still drawn one by one in a summarised picture.
MAX_FAILING = 20
#: VMs drawn per pool in a summarised picture.
MAX_VMS = 12
#: A reason longer than this is cut in a label (the table carries it whole).
MAX_REASON = 90

_ENTITY = {
    "&": "#38;",
    '"': "#34;",
    "<": "#60;",
    ">": "#62;",
    "#": "#35;",
    "`": "#96;",
    "|": "#124;",
}

_CLASSES = (
    "classDef frontend fill:#ddf4ff,stroke:#0969da,color:#1f2328",
    "classDef rule fill:#ffffff,stroke:#57606a,color:#1f2328",
    "classDef floating fill:#fbefff,stroke:#8250df,stroke-width:2px,color:#1f2328",
    "classDef pool fill:#fff8c5,stroke:#9a6700,color:#1f2328",
    "classDef probe fill:#f6f8fa,stroke:#6e7781,color:#1f2328",
    "classDef vm fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
    f"classDef pass stroke:{COLOUR['pass']},stroke-width:3px",
    f"classDef fail stroke:{COLOUR['fail']},stroke-width:3px,stroke-dasharray:6 3",
    f"classDef skipped stroke:{COLOUR['skipped']},stroke-dasharray:2 2",
)


def text(value: str) -> str:
    """User text inside a quoted Mermaid label: entity codes for what could end or mark it up."""
    flat = " ".join(str(value).split())
    return "".join(_ENTITY.get(ch, ch) for ch in flat)


def label(lines: Iterable[str]) -> str:
    return '"' + "<br/>".join(text(line) for line in lines) + '"'


def _cut(line: str) -> str:
    return line if len(line) <= MAX_REASON else line[: MAX_REASON - 1] + "…"


class _Diagram:
    """Ids, lines, and the indexes of arrows (``linkStyle`` counts arrows in order)."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ids: dict[str, str] = {}
        self.edges = 0
        self.classes: dict[str, list[str]] = {}
        self.link_styles: dict[str, list[int]] = {}
        self._count: dict[str, int] = {}

    def node(self, key: str, prefix: str) -> str:
        if key not in self.ids:
            n = self._count.get(prefix, 0)
            self._count[prefix] = n + 1
            self.ids[key] = f"{prefix}{n}"
        return self.ids[key]

    def add_class(self, node: str, cls: str) -> None:
        self.classes.setdefault(cls, []).append(node)

    def arrow(self, line: str, state: str | None = None) -> None:
        self.lines.append(line)
        if state is not None:
            self.link_styles.setdefault(state, []).append(self.edges)
        self.edges += 1

    def finish(self) -> str:
        out = list(self.lines)
        out += [f"  {c}" for c in _CLASSES]
        for cls, nodes in self.classes.items():
            out.append(f"  class {','.join(nodes)} {cls}")
        for state, indexes in self.link_styles.items():
            dash = ",stroke-dasharray:6 3" if state == "fail" else ""
            out.append(
                f"  linkStyle {','.join(map(str, indexes))} "
                f"stroke:{COLOUR[state]},stroke-width:3px{dash}"  # type: ignore[index]
            )
        return "\n".join(out) + "\n"


def render_mermaid(picture: Picture) -> str:
    """The flowchart text (summarised past :data:`MAX_EDGES`)."""
    if len(picture.edges()) > MAX_EDGES:
        return _summarised(picture)
    d = _Diagram()
    d.lines += [_title(picture), "flowchart LR"]
    for n, lb in enumerate(picture.load_balancers):
        _subgraph(d, n, lb, lb.rules)
    _vms(d, picture, {vm for lb in picture.load_balancers for p in lb.pools for vm in p.vm_ids})
    for lb in picture.load_balancers:
        for rule in lb.rules:
            _path(d, rule)
        _pool_edges(d, lb, None)
    return d.finish()


def _title(picture: Picture) -> str:
    where = f"environment {picture.env}" if picture.source == "live" else "blueprint"
    return f"%% provision graph: {' '.join(picture.title.split())} ({where})"


def _subgraph(d: _Diagram, n: int, lb: LoadBalancerGroup, rules: Iterable[RuleNode]) -> None:
    d.lines.append(f"  subgraph lb{n}[{label([f'{lb.name} · {lb.type} load balancer'])}]")
    d.lines.append("    direction LR")
    for fe in lb.frontends:
        node = d.node(fe.id, "f")
        d.lines.append(f"    {node}([{label(frontend_lines(fe))}])")
        d.add_class(node, "frontend")
    for rule in rules:
        node = d.node(rule.id, "r")
        lines = rule_lines(rule)
        state = rule.verdicts.overall
        if state is not None:
            lines.append(f"{SIGN[state]} {WORD[state]}")
            lines += [_cut(r) for r in path_reasons(rule.verdicts)]
        d.lines.append(f"    {node}[{label(lines)}]")
        d.add_class(node, "floating" if rule.floating_ip else "rule")
        if state is not None:
            d.add_class(node, state)
    for pool in lb.pools:
        node = d.node(pool.id, "p")
        d.lines.append(f"    {node}[[{label(pool_lines(pool))}]]")
        d.add_class(node, "pool")
    for probe in lb.probes:
        node = d.node(probe.id, "q")
        d.lines.append(f"    {node}{{{{{label(probe_lines(probe))}}}}}")
        d.add_class(node, "probe")
    d.lines.append("  end")


def _vms(d: _Diagram, picture: Picture, wanted: set[str]) -> None:
    for vm in picture.vms:
        if vm.id not in wanted:
            continue
        node = d.node(vm.id, "v")
        lines = vm_lines(vm)
        if vm.guest is not None:
            lines.append(f"guest {SIGN[vm.guest.state]} {WORD[vm.guest.state]}")
        d.lines.append(f"  {node}[{label(lines)}]")
        d.add_class(node, "vm")
        if vm.guest is not None:
            d.add_class(node, vm.guest.state)


def _path(d: _Diagram, rule: RuleNode) -> None:
    state = rule.verdicts.overall
    fe, node, pool = d.ids[rule.frontend_id], d.ids[rule.id], d.ids.get(rule.pool_id)
    d.arrow(f"  {fe} --> {node}", state)
    if pool is None:
        return
    if rule.floating_ip:
        d.arrow(f"  {node} ==>|{label([FLOATING])}| {pool}", state)
    else:
        d.arrow(f"  {node} --> {pool}", state)


def _pool_edges(d: _Diagram, lb: LoadBalancerGroup, max_vms: int | None) -> None:
    for pool in lb.pools:
        node = d.ids[pool.id]
        for probe in pool.probe_ids:
            if probe in d.ids:
                d.arrow(f"  {d.ids[probe]} -.-|probe| {node}")
        shown = pool.vm_ids if max_vms is None else pool.vm_ids[:max_vms]
        for vm in shown:
            d.arrow(f"  {node} --> {d.ids[vm]}")
        if len(shown) < len(pool.vm_ids):
            more = d.node(f"more:{pool.id}", "m")
            d.lines.append(f"  {more}[{label([f'… {len(pool.vm_ids) - len(shown)} more VMs'])}]")
            d.arrow(f"  {node} -.-> {more}")


def _summarised(picture: Picture) -> str:
    """Per pool, one node counting what sends to it; failing paths drawn one by one."""
    d = _Diagram()
    d.lines += [_title(picture) + " (summarised: too many paths to draw one by one)"]
    d.lines.append("flowchart LR")
    failing = [r for r in picture.rules() if r.verdicts.overall == "fail"][:MAX_FAILING]
    shown_vms: set[str] = set()
    for n, lb in enumerate(picture.load_balancers):
        bad = [r for r in failing if r.load_balancer == lb.name]
        lb_view = LoadBalancerGroup(
            lb.name,
            lb.type,
            tuple(f for f in lb.frontends if any(r.frontend_id == f.id for r in bad)),
            (),
            lb.pools,
            lb.probes,
        )
        _subgraph(d, n, lb_view, bad)
        for pool in lb.pools:
            shown_vms.update(pool.vm_ids[:MAX_VMS])
    _vms(d, picture, shown_vms)
    for lb in picture.load_balancers:
        for pool in lb.pools:
            _pool_group(d, lb, pool.id)
        for rule in failing:
            if rule.load_balancer == lb.name:
                _path(d, rule)
        _pool_edges(d, lb, MAX_VMS)
    return d.finish()


def _pool_group(d: _Diagram, lb: LoadBalancerGroup, pool_id: str) -> None:
    rules = [r for r in lb.rules if r.pool_id == pool_id]
    if not rules:
        return
    frontends = {r.frontend_id for r in rules}
    floating = sum(r.floating_ip for r in rules)
    counts: dict[str | None, int] = {}
    for r in rules:
        counts[r.verdicts.overall] = counts.get(r.verdicts.overall, 0) + 1
    lines = [f"{len(frontends)} frontends · {len(rules)} rules", f"{floating} with {FLOATING}"]
    lines += [f"{SIGN[s]} {n} {WORD[s]}" for s, n in counts.items() if s is not None]
    node = d.node(f"group:{pool_id}", "g")
    d.lines.append(f"  {node}[{label(lines)}]")
    d.add_class(node, "rule")
    state = "fail" if "fail" in counts else ("pass" if "pass" in counts else None)
    d.arrow(f"  {node} --> {d.ids[pool_id]}", state)
