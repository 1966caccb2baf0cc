"""`provision graph`: every drawing is well-formed, escaped, deterministic and calls no cloud.

SVG is parsed with ``xml.etree``, HTML with ``html.parser`` (every element closed, no script, no
address that would make a browser fetch anything), DOT with the grammar checker in
``dot_syntax.py`` (no Graphviz binary). Names in a blueprint are restricted, but descriptions,
addresses and verdict reasons are not: a hostile one must come out as text in every format.
The Mermaid text is parsed by Mermaid itself in ``test_graph_browser.py``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provisioner.blueprint.loader import load_blueprint
from provisioner.cli.app import app
from provisioner.cli.ci_summary import cell
from provisioner.cli.graph import GraphFormat, render
from provisioner.cli.picture_mermaid import MAX_EDGES, render_mermaid
from provisioner.compile.mapping import mapping_rows, resolve_mapping
from provisioner.plan.picture import PathVerdicts, Verdict, blueprint_picture, with_verdicts
from tests.cli.dot_syntax import parse as parse_dot

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"
VOID = {"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr", "source"}
#: Text no drawing may let through unescaped.
HOSTILE = '<script>alert("x")</script> & "quoted" \'single\' | `tick` #35; ]]> [link](x) *em*'


def _run(*args: str):
    return CliRunner().invoke(app, ["graph", *args], catch_exceptions=False)


class _Html(HTMLParser):
    """Every non-void element closed in order; tags and attributes collected."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(text: str) -> _Html:
    parser = _Html()
    parser.feed(text)
    parser.close()
    assert parser.stack == [], f"unclosed: {parser.stack}"
    return parser


def assert_self_contained(text: str) -> None:
    """Nothing a browser would fetch: no script, no link, no external url or import."""
    page = parse_html(text)
    assert not {"script", "link", "iframe", "img", "object", "embed"} & set(page.tags)
    for name, value in page.attrs:
        if name in ("src", "href", "xlink:href", "action", "data"):
            pytest.fail(f"{name}={value!r} would fetch")
    assert "@import" not in text and "url(" not in text
    assert re.findall(r"https?://[^\s\"'<>]*", text) == ["http://www.w3.org/2000/svg"] * len(
        re.findall(r"<svg ", text)
    )


def _hostile_picture():
    bp = load_blueprint(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml").blueprint
    bp = bp.model_copy(update={"description": HOSTILE})
    rows = resolve_mapping(
        mapping_rows(bp),
        {("lb", "green"): '"><img src=x onerror=alert(1)>', ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4\x00\x1b[31m", "vm2": "10.0.1.5"},
    )
    picture = blueprint_picture(bp, rows, env="demo", source="live")
    return with_verdicts(
        picture,
        {
            ("lb", "green"): PathVerdicts(guest=Verdict("fail", HOSTILE + "\nsecond line")),
            ("lb", "purple"): PathVerdicts(datapath=Verdict("pass", HOSTILE)),
        },
        {"vm1": (Verdict("fail", HOSTILE), ("<b>", '"'))},
    )


# --- every format, every example --------------------------------------------------------------


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_every_example_draws_in_every_format_the_same_way_twice(path: Path) -> None:
    bp = load_blueprint(path).blueprint
    picture = blueprint_picture(bp)
    names = [n for lb in picture.load_balancers for n in (lb.name, *_names(lb))]
    names += [v.name for v in picture.vms]
    for fmt in GraphFormat:
        text = render(picture, fmt)
        assert text == render(blueprint_picture(bp), fmt), f"{fmt} is not deterministic"
        for name in names:
            assert name in text, f"{fmt}: {name} missing"
    svg = ET.fromstring(render(picture, GraphFormat.svg))
    assert svg.tag == f"{SVG}svg" and svg.get("role") == "img"
    assert svg.find(f"{SVG}title") is not None and svg.find(f"{SVG}desc") is not None
    html = render(picture, GraphFormat.html)
    assert_self_contained(html)
    parsed = parse_dot(render(picture, GraphFormat.dot))
    assert {f"vm:{v.name}" for v in picture.vms} <= parsed.nodes
    assert parsed.edges == len(picture.edges())


def _names(lb) -> list[str]:
    return [n.name for n in (*lb.frontends, *lb.rules, *lb.pools, *lb.probes)]


def test_rule_type_2_svg_shows_two_floating_ip_paths_into_one_pool_with_the_guest_loopback() -> (
    None
):
    """The seed's rule type 2 picture, as someone who knows the Microsoft page reads it."""
    bp = load_blueprint(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml").blueprint
    rows = resolve_mapping(
        mapping_rows(bp),
        {("lb", "green"): "65.52.0.1", ("lb", "purple"): "65.52.0.2"},
        {"vm1": "10.0.1.4", "vm2": "10.0.1.5"},
    )
    svg = ET.fromstring(render(blueprint_picture(bp, rows, source="live"), GraphFormat.svg))
    floating = svg.findall(f".//{SVG}g[@class='path floating']")
    assert len(floating) == 2
    texts = ["".join(t.itertext()) for t in svg.iter(f"{SVG}text")]
    assert "Floating IP: dst 65.52.0.1:80" in texts and "Floating IP: dst 65.52.0.2:80" in texts
    assert texts.count("loopback 65.52.0.1") == 2 and texts.count("loopback 65.52.0.2") == 2
    pools = svg.findall(f".//{SVG}g[@class='node pool']")
    assert len(pools) == 1


# --- escaping ---------------------------------------------------------------------------------


def test_hostile_text_stays_text_in_svg_and_html() -> None:
    picture = _hostile_picture()
    svg = render(picture, GraphFormat.svg)
    root = ET.fromstring(svg)  # would raise on a broken document (or a NUL byte)
    titles = "".join(t.text or "" for t in root.iter(f"{SVG}title"))
    assert HOSTILE in titles and '"><img src=x onerror=alert(1)>' in titles
    assert "<script" not in svg and "<img" not in svg and "\x00" not in svg
    html = render(picture, GraphFormat.html)
    page = parse_html(html)
    assert "script" not in page.tags and "img" not in page.tags and "b" not in page.tags
    assert HOSTILE in "".join(page.text)
    assert_self_contained(html)


def test_hostile_text_cannot_end_a_mermaid_label_or_a_dot_string() -> None:
    picture = _hostile_picture()
    mermaid = render_mermaid(picture)
    for line in mermaid.splitlines():
        assert "<script" not in line and "<img" not in line
        # A label is one "…" string: any quote inside it is an entity code.
        assert line.count('"') % 2 == 0, line
        assert "`" not in line
    dot = render(picture, GraphFormat.dot)
    parsed = parse_dot(dot)
    assert any(HOSTILE in label for label in parsed.labels)


def test_a_markdown_cell_cannot_break_the_table_or_add_markup() -> None:
    text = cell(HOSTILE + "\nnext")
    assert "|" not in text.replace("\\|", "") and "\n" not in text
    assert "<" not in text and "`" not in text.replace("\\`", "")


# --- the command ------------------------------------------------------------------------------


def test_graph_defaults_to_a_tree_and_names_no_cloud(tmp_path: Path) -> None:
    result = _run(str(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"))
    assert result.exit_code == 0
    assert "(no cloud calls)" in result.stderr
    assert "rule green  TCP 80 → 80  Floating IP: dst green IP:80" in result.stdout
    assert "rule purple  TCP 80 → 80  Floating IP: dst purple IP:80" in result.stdout


def test_out_takes_the_format_from_the_suffix(tmp_path: Path) -> None:
    out = tmp_path / "picture.svg"
    result = _run(str(ROOT / "blueprints" / "mixed-rule-types.yaml"), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert ET.parse(out).getroot().tag == f"{SVG}svg"
    html = tmp_path / "x.html"
    bp = str(ROOT / "blueprints" / "mixed-rule-types.yaml")
    assert _run(bp, "--out", str(html), "--format", "html").exit_code == 0
    assert html.read_text().startswith("<!doctype html>")


def test_an_unwritable_out_file_is_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "x.svg"
    result = _run(str(ROOT / "blueprints" / "rule-type-1.yaml"), "--out", str(out))
    assert result.exit_code == 2
    assert "cannot be written" in result.stderr and "Traceback" not in result.stderr


def test_an_invalid_blueprint_exits_2_with_its_finding(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        (ROOT / "blueprints" / "rule-type-1.yaml").read_text().replace("port: 80", "port: 99999", 1)
    )
    result = _run(str(bad))
    assert result.exit_code == 2
    assert f"{bad}:" in result.stderr and result.stdout == ""


def test_an_unknown_format_is_a_usage_error() -> None:
    result = _run(str(ROOT / "blueprints" / "rule-type-1.yaml"), "--format", "png")
    assert result.exit_code == 2


# --- Azure's limits ---------------------------------------------------------------------------


def _largest_blueprint():
    """600 frontends and 1,500 rules on one load balancer (Azure's limits), four pools."""
    from provisioner.blueprint.model import Blueprint

    frontends = {f"fe{i}": {} for i in range(600)}
    rules = {}
    for i in range(1500):
        fe = i % 600
        rules[f"r{i}"] = {
            "frontend": f"fe{fe}",
            "port": 1000 + i // 600,
            "pool": f"p{i % 4}",
            "probe": "health",
            "floating_ip": i % 2 == 0,
        }
    return Blueprint.model_validate(
        {
            "blueprint": 1,
            "name": "largest",
            "location": "westeurope",
            "network": {"address_space": "10.0.0.0/16", "subnets": {"s": "10.0.0.0/20"}},
            "vms": {"web": {"subnet": "s", "count": 100}},
            "load_balancers": {
                "lb": {
                    "type": "public",
                    "frontends": frontends,
                    "pools": {
                        f"p{i}": [f"web-{j}" for j in range(i * 25 + 1, i * 25 + 26)]
                        for i in range(4)
                    },
                    "probes": {"health": {"port": 8080}},
                    "rules": rules,
                }
            },
        }
    )


def test_at_azures_limits_the_report_is_grouped_per_frontend_and_mermaid_is_summarised() -> None:
    picture = blueprint_picture(_largest_blueprint())
    failing = {
        ("lb", f"r{i}"): PathVerdicts(guest=Verdict("fail", "no loopback")) for i in (3, 1499)
    }
    picture = with_verdicts(picture, failing)
    html = render(picture, GraphFormat.html)
    assert_self_contained(html)
    page = parse_html(html)
    assert page.tags.count("details") == 50  # groups of 12 frontends
    assert html.count("<details open>") == 2  # the groups with a failing path
    assert page.tags.count("tr") == 1 + 1500 + 1 + 100  # two tables with their header rows
    assert len(html.encode()) < 16_000_000
    mermaid = render_mermaid(picture)
    assert "summarised" in mermaid.splitlines()[0]
    arrows = sum(1 for line in mermaid.splitlines() if re.search(r"(-->|==>|-\.-)", line))
    assert arrows <= MAX_EDGES
    assert "r3<br/>" in mermaid and "r1499<br/>" in mermaid  # failing paths still drawn
