"""Job summaries for CI: what ``up``, ``verify`` and ``down`` did, as Markdown a pipeline shows.

GitHub Actions sets ``GITHUB_STEP_SUMMARY`` to a file per step; whatever a step appends there is
rendered on the run's page, Mermaid code blocks included. Azure Pipelines (``TF_BUILD`` set) shows
a Markdown file a step names with the ``##vso[task.uploadsummary]`` logging command; the file is
written to ``AGENT_TEMPDIRECTORY``. Each command appends one section: a heading, the outcome, the
Mermaid picture (coloured by verdict), the mapping table with a column per verdict, and what was
left. A summary is a courtesy: when the file cannot be written the command says so on stderr and
goes on, with its own exit code.
"""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path

from provisioner.cli.picture_labels import (
    FLOATING,
    SIGN,
    WORD,
    destination,
    ports,
)
from provisioner.cli.picture_mermaid import render_mermaid
from provisioner.plan.picture import SLOTS, Picture

#: GitHub Actions: the file a step appends its summary to.
GITHUB_STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
#: Azure Pipelines sets it to "True" in every job.
AZURE_PIPELINES = "TF_BUILD"
#: Azure Pipelines' per-job temporary directory (the summary file goes there).
AZURE_TEMP = "AGENT_TEMPDIRECTORY"
#: GitHub refuses a step summary over 1 MiB; the table is cut well before.
MAX_BYTES = 900_000
#: A table longer than this is folded under ``<details>``.
FOLD_ROWS = 30


def cell(value: object) -> str:
    """Text for a Markdown table cell: no HTML, no pipes, no emphasis, one line."""
    text = escape(" ".join(str(value).split()), quote=False)
    for ch in "\\|*_[]`":
        text = text.replace(ch, "\\" + ch)
    return text


def picture_section(picture: Picture, *, with_verdicts: bool) -> str:
    """The Mermaid diagram and the mapping table (one row per path)."""
    parts = ["```mermaid", render_mermaid(picture).rstrip("\n"), "```", ""]
    table = _table(picture, with_verdicts)
    rows = len(table) - 2
    if rows > FOLD_ROWS:
        parts += [
            f"<details><summary>mapping: {rows} rules</summary>",
            "",
            *table,
            "",
            "</details>",
        ]
    else:
        parts += table
    return "\n".join(parts) + "\n"


def _table(picture: Picture, with_verdicts: bool) -> list[str]:
    head = ["load balancer", "rule", "frontend IP", "ports", "destination", FLOATING, "backends"]
    if with_verdicts:
        head += [label for _, label in SLOTS]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    names = {v.id: (v.name, v.nic_ip) for v in picture.vms}
    for lb in picture.load_balancers:
        fronts = {f.id: f for f in lb.frontends}
        pools = {p.id: p for p in lb.pools}
        for rule in lb.rules:
            fe = fronts.get(rule.frontend_id)
            pool = pools.get(rule.pool_id)
            backends = ", ".join(
                f"{names[v][0]} ({names[v][1]})" if v in names else v
                for v in (pool.vm_ids if pool else ())
            )
            cells = [
                lb.name,
                rule.name,
                fe.address if fe else "",
                ports(rule),
                destination(rule),
                "yes" if rule.floating_ip else "no",
                backends,
            ]
            if with_verdicts:
                for slot, _ in SLOTS:
                    v = getattr(rule.verdicts, slot)
                    state = v.state if v else None
                    reason = f": {v.reason}" if v and v.reason else ""
                    cells.append(f"{SIGN[state]} {WORD[state]}{reason}")
            lines.append("| " + " | ".join(cell(c) for c in cells) + " |")
    return lines


def section(heading: str, outcome: str, body: Iterable[str] = ()) -> str:
    """One command's section: ``### heading``, the outcome line, then ``body`` blocks."""
    text = "\n".join([f"### {cell(heading)}", "", cell(outcome), "", *body]).rstrip("\n") + "\n\n"
    if len(text.encode()) > MAX_BYTES:
        cut = text.encode()[:MAX_BYTES].decode(errors="ignore")
        text = cut.rsplit("\n", 1)[0] + "\n\n(summary cut: over the size a CI summary may have)\n\n"
    return text


def left_table(left: Sequence[tuple[str, str]]) -> str:
    if not left:
        return ""
    lines = ["| left | reason |", "| --- | --- |"]
    lines += [f"| {cell(rid)} | {cell(reason)} |" for rid, reason in left]
    return "\n".join(lines) + "\n"


def publish(markdown: str, name: str, *, json_output: bool = False) -> list[str]:
    """Append ``markdown`` where the CI shows it; returns where it went (nothing outside CI).

    ``name`` names the Azure Pipelines file (one per command and content, so a job's steps do not
    overwrite each other's summaries). The ``##vso`` command goes to stdout, where Azure
    Pipelines documents it, except under ``--output json`` (stdout is one JSON document): then to
    stderr, whose lines the agent reads for logging commands too."""
    written = []
    github = os.environ.get(GITHUB_STEP_SUMMARY)
    if github and _append(Path(github), markdown):
        written.append(github)
    if os.environ.get(AZURE_PIPELINES, "").lower() == "true":
        folder = Path(os.environ.get(AZURE_TEMP) or os.environ.get("TMPDIR") or "/tmp")
        digest = hashlib.sha256(markdown.encode()).hexdigest()[:12]
        path = folder / f"provision-{name}-{digest}.md"
        if _append(path, markdown):
            stream = sys.stderr if json_output else sys.stdout
            stream.write(f"##vso[task.uploadsummary]{path.resolve()}\n")
            stream.flush()
            written.append(str(path))
    return written


def _append(path: Path, markdown: str) -> bool:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(markdown)
    except OSError as exc:
        sys.stderr.write(f"CI summary not written to {path}: {exc.strerror or exc}\n")
        return False
    return True


def wanted() -> bool:
    """Whether any CI summary is asked for (so commands skip building one otherwise)."""
    return bool(os.environ.get(GITHUB_STEP_SUMMARY)) or (
        os.environ.get(AZURE_PIPELINES, "").lower() == "true"
    )
