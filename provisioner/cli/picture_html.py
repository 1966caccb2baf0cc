"""The picture as one self-contained HTML report: ``graph --format html``, ``verify --report``.

One file that opens anywhere and fetches nothing: the style is inline, the diagrams are the
tool's own inline SVG (``cli/picture_svg.py``), there is no script at all and no web font, so it
reads the same without JavaScript, offline, in a mail attachment and on paper. Grouping uses
``<details>`` (native, no script): a load balancer with up to :data:`WHOLE_FRONTENDS` frontends
and :data:`WHOLE_RULES` rules is one diagram; a larger one (Azure allows 600 frontends and 1,500
rules) gets its pools and VMs drawn once and its paths in groups of frontends, each group folded
under a summary line that counts its rules and verdicts, failing groups unfolded. Every path is
also a row of a real table (rule, ports, destination, Floating IP, pool, probe, backends and each
verdict with its reason), so the report is complete for screen readers and in print, where
folded diagrams stay folded.
Verdicts are a sign and a word as well as a colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from provisioner.cli.picture_labels import (
    COLOUR,
    FLOATING,
    SIGN,
    WORD,
    destination,
    ports,
    verdict_text,
)
from provisioner.cli.picture_svg import render_svg
from provisioner.plan.picture import SLOTS, LoadBalancerGroup, Picture, RuleNode, subset

#: A load balancer up to this size is drawn whole; a larger one per frontend.
WHOLE_FRONTENDS = 8
WHOLE_RULES = 16
#: Frontends per folded group of a large load balancer's paths.
GROUP_FRONTENDS = 12
#: VMs drawn per pool in a large load balancer's member diagram (all are in the tables).
GROUP_VMS = 8

_CSS = (
    """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
  margin: 0 auto; padding: 1rem 1.5rem; max-width: 100rem; color: #1f2328; background: #fff; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1rem; margin: 1.25rem 0 .5rem; }
.meta { color: #57606a; margin: .2rem 0; }
figure { margin: .5rem 0; overflow-x: auto; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #57606a; font-size: .85rem; }
details { border: 1px solid #d0d7de; border-radius: 6px; margin: .4rem 0; padding: .2rem .6rem; }
summary { cursor: pointer; padding: .2rem 0; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; width: 100%; }
caption { text-align: left; color: #57606a; padding: .2rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .4rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.addr, td.num { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  white-space: nowrap; }
.v-pass { color: PASS; } .v-fail { color: FAIL; font-weight: bold; }
.v-skipped { color: SKIPPED; } .v-none { color: #57606a; }
.reason { display: block; font-weight: normal; color: #57606a; }
.fip { color: #8250df; font-weight: bold; }
.counts span { margin-right: 1rem; }
@media print {
  body { max-width: none; padding: 0; }
  h2 { break-after: avoid; } figure, tr { break-inside: avoid; }
  summary { list-style: none; }
}
""".replace("PASS", COLOUR["pass"])
    .replace("FAIL", COLOUR["fail"])
    .replace("SKIPPED", COLOUR["skipped"])
)


def render_html(picture: Picture, *, generator: str = "provision graph") -> str:
    """The report: a header with counts, per load balancer its diagram(s) and paths table, the
    backend VMs table and a legend."""
    where = f"live environment {picture.env}" if picture.source == "live" else "the blueprint alone"
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(picture.title)}: load balancer picture</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header>",
        f"<h1>{escape(picture.title)}: load balancer picture</h1>",
        f'<p class="meta">From {escape(where)}, drawn by <code>{escape(generator)}</code>.</p>',
    ]
    if picture.description:
        out.append(f'<p class="meta">{escape(picture.description)}</p>')
    out += [_counts(picture), "</header>", "<main>"]
    for n, lb in enumerate(picture.load_balancers):
        out += _load_balancer(picture, lb, n)
    out += _vm_table(picture)
    out += [_legend(), "</main></body></html>"]
    return "\n".join(out) + "\n"


def _counts(picture: Picture) -> str:
    c = picture.counts()
    v = picture.verdict_counts()
    parts = [
        f"<span>{c['load_balancers']} load balancer(s)</span>",
        f"<span>{c['frontends']} frontends</span>",
        f"<span>{c['rules']} rules</span>",
        f"<span>{c['pools']} pools</span>",
        f"<span>{c['vms']} VMs</span>",
    ]
    if v["pass"] or v["fail"] or v["skipped"]:
        parts += [
            f'<span class="v-pass">{SIGN["pass"]} {v["pass"]} passed</span>',
            f'<span class="{"v-fail" if v["fail"] else "v-none"}">'
            f"{SIGN['fail']} {v['fail']} FAILED</span>",
            f'<span class="v-skipped">{SIGN["skipped"]} {v["skipped"]} skipped</span>',
        ]
    return f'<p class="counts">{"".join(parts)}</p>'


def _load_balancer(picture: Picture, lb: LoadBalancerGroup, n: int) -> list[str]:
    anchor = f"lb-{n}"
    out = [
        f'<section aria-labelledby="{anchor}">',
        f'<h2 id="{anchor}">{escape(lb.name)} · {escape(lb.type)} load balancer</h2>',
    ]
    whole = len(lb.frontends) <= WHOLE_FRONTENDS and len(lb.rules) <= WHOLE_RULES
    if whole:
        svg = render_svg(subset(picture, lb.name), id_prefix=f"d{n}", heading=False)
        out.append(f"<figure>{svg}<figcaption>{_caption(lb)}</figcaption></figure>")
    else:
        out += _grouped(picture, lb, n)
    out += _paths_table(picture, lb)
    out.append("</section>")
    return out


def _caption(lb: LoadBalancerGroup) -> str:
    floating = sum(r.floating_ip for r in lb.rules)
    return escape(
        f"{len(lb.frontends)} frontends → {len(lb.rules)} rules ({floating} with {FLOATING}) → "
        f"{len(lb.pools)} pools → backend VMs; probes beside their pools."
    )


def _grouped(picture: Picture, lb: LoadBalancerGroup, n: int) -> list[str]:
    """A large load balancer: its pools and their VMs drawn once, then its paths in groups of
    :data:`GROUP_FRONTENDS` frontends, each folded under a line counting its verdicts."""
    members = render_svg(
        subset(picture, lb.name),
        id_prefix=f"d{n}-m",
        max_vms=GROUP_VMS,
        heading=False,
        columns=(2, 3),
    )
    out = [
        f'<p class="meta">{len(lb.frontends)} frontends and {len(lb.rules)} rules: the pools and '
        f"their VMs first, then the paths in groups of {GROUP_FRONTENDS} frontends (groups with "
        "a failing path are unfolded). Every path is a row of the table after them.</p>",
        f"<figure>{members}<figcaption>Pools, probes and backend VMs of {escape(lb.name)} "
        f"(at most {GROUP_VMS} VMs drawn per pool).</figcaption></figure>",
    ]
    for start in range(0, len(lb.frontends), GROUP_FRONTENDS):
        group = lb.frontends[start : start + GROUP_FRONTENDS]
        out.append(_frontend_group(picture, lb, [f.id for f in group], f"d{n}-{start}"))
    return out


def _frontend_group(picture: Picture, lb: LoadBalancerGroup, fe_ids: list[str], prefix: str) -> str:
    wanted = set(fe_ids)
    fronts = [f for f in lb.frontends if f.id in wanted]
    rules = [r for r in lb.rules if r.frontend_id in wanted]
    states = [r.verdicts.overall for r in rules]
    tally = " · ".join(
        f"{SIGN[s]} {states.count(s)} {WORD[s]}" for s in ("fail", "pass", "skipped") if s in states
    )
    names = fronts[0].name if len(fronts) == 1 else f"{fronts[0].name} … {fronts[-1].name}"
    summary = f"frontends {names} ({len(fronts)}) · {len(rules)} rule(s)" + (
        f" · {tally}" if tally else ""
    )
    opened = " open" if "fail" in states else ""
    svg = render_svg(
        subset(picture, lb.name, fe_ids), id_prefix=prefix, heading=False, columns=(0, 1, 2)
    )
    return f"<details{opened}><summary>{escape(summary)}</summary><figure>{svg}</figure></details>"


def _verdict_cell(rule: RuleNode, slot: str) -> str:
    verdict = getattr(rule.verdicts, slot)
    if verdict is None:
        return f'<td class="v-none">{SIGN[None]} {WORD[None]}</td>'
    reason = f'<span class="reason">{escape(verdict.reason)}</span>' if verdict.reason else ""
    return f'<td class="v-{verdict.state}">{SIGN[verdict.state]} {WORD[verdict.state]}{reason}</td>'


def _paths_table(picture: Picture, lb: LoadBalancerGroup) -> list[str]:
    """One row per path; the verdict columns once anything was checked (a picture of the
    blueprint alone has nothing to say there)."""
    checked = any(r.verdicts.items() for r in picture.rules())
    slots = SLOTS if checked else ()
    fronts = {f.id: f for f in lb.frontends}
    pools = {p.id: p for p in lb.pools}
    names = {v.id: v.name for v in picture.vms}
    head = [
        "rule",
        "frontend",
        "frontend IP",
        "ports",
        "destination on the VM",
        FLOATING,
        "pool",
        "probe",
        "backends",
        *(label for _, label in slots),
    ]
    out = [
        "<table>",
        f"<caption>Paths of {escape(lb.name)}: one row per rule, as the packet travels</caption>",
        "<thead><tr>"
        + "".join(f'<th scope="col">{escape(h)}</th>' for h in head)
        + "</tr></thead>",
        "<tbody>",
    ]
    for rule in lb.rules:
        fe = fronts.get(rule.frontend_id)
        pool = pools.get(rule.pool_id)
        members = ", ".join(names.get(v, v) for v in pool.vm_ids) if pool else ""
        cells = [
            f'<th scope="row">{escape(rule.name)}</th>',
            f"<td>{escape(fe.name if fe else rule.frontend_id)}</td>",
            f'<td class="addr">{escape(fe.address if fe else "")}</td>',
            f'<td class="num">{escape(ports(rule))}</td>',
            f"<td>{escape(destination(rule))}</td>",
            '<td class="fip">yes</td>' if rule.floating_ip else "<td>no</td>",
            f"<td>{escape(pool.name if pool else rule.pool_id)}</td>",
            f"<td>{escape(rule.probe_id.rsplit('/', 1)[-1] if rule.probe_id else '')}</td>",
            f"<td>{escape(members)}</td>",
            *(_verdict_cell(rule, slot) for slot, _ in slots),
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody></table>"]
    return out


def _vm_table(picture: Picture) -> list[str]:
    if not picture.vms:
        return []
    out = [
        '<section aria-labelledby="vms">',
        '<h2 id="vms">Backend VMs</h2>',
        "<table><caption>Each VM's addresses and, once checked, its guest</caption>",
        '<thead><tr><th scope="col">VM</th><th scope="col">OS</th><th scope="col">NIC IP</th>'
        '<th scope="col">loopback: Floating IP frontends (held, once checked)</th>'
        '<th scope="col">guest</th>'
        "</tr></thead><tbody>",
    ]
    for vm in picture.vms:
        loop = ", ".join(vm.loopback) or ("nothing" if vm.loopback_checked else "")
        guest = verdict_text(vm.guest)
        cls = f"v-{vm.guest.state}" if vm.guest else "v-none"
        nic = vm.nic_ip + (f", {vm.nic_ipv6}" if vm.nic_ipv6 else "")
        out.append(
            f'<tr><th scope="row">{escape(vm.name)}</th><td>{escape(vm.os)}</td>'
            f'<td class="addr">{escape(nic)}</td><td>{escape(loop)}</td>'
            f'<td class="{cls}">{escape(guest)}</td></tr>'
        )
    out += ["</tbody></table>", "</section>"]
    return out


def _legend() -> str:
    items: Iterable[str] = (
        f'<span class="fip">{FLOATING}</span>: the VM receives the packet still addressed to '
        "the frontend IP, which its guest holds on a loopback interface (drawn as a purple "
        "double line).",
        f'<span class="v-pass">{SIGN["pass"]} passed</span>, '
        f'<span class="v-fail">{SIGN["fail"]} FAILED</span> (also dashed in the diagrams), '
        f'<span class="v-skipped">{SIGN["skipped"]} skipped</span> (not applicable or not '
        f"possible here), {SIGN[None]} not checked.",
        "Probes are sent to each VM's NIC IP, never to a frontend IP. Hover a box or a line in a "
        "diagram for its full text and reasons.",
    )
    return (
        "<footer><h2>Legend</h2><ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul></footer>"
    )
