"""The HTML report and the Mermaid text, looked at in a real headless browser.

Chromium comes from the distribution's packages (``.ci/run`` installs ``chromium-headless-shell``)
and is driven over its DevTools pipe (``browser.py``). For each example blueprint the report is
opened at 1280×900: every frontend, rule, pool and VM name must be in the DOM, laid out (a box
of non-zero size) and inside the viewport's width; no console error; no request but the file
itself; a screenshot is taken. The Mermaid text of every example (and of a coloured, a hostile
and a summarised picture) is parsed and rendered by Mermaid itself, from the npm package
``.ci/run`` installs (``PROVISION_MERMAID_JS`` names its ``mermaid.min.js``). Where either is
missing the test is skipped, saying what to install.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from provisioner.blueprint.loader import load_blueprint
from provisioner.cli.graph import GraphFormat, render
from provisioner.cli.picture_mermaid import render_mermaid
from provisioner.plan.picture import PathVerdicts, Verdict, blueprint_picture, with_verdicts
from tests.cli.browser import Browser, find_chromium
from tests.cli.test_graph import _hostile_picture, _largest_blueprint

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
MERMAID_ENV = "PROVISION_MERMAID_JS"

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium: apt-get install chromium-headless-shell (or chromium), as .ci/run does",
)

#: Per name: is an element whose own text contains it laid out inside the viewport's width?
LAYOUT = """
(() => {
  const names = %s;
  const width = window.innerWidth;
  const nodes = [...document.querySelectorAll('svg text, th, td, h2, summary')];
  const out = {};
  for (const name of names) {
    const hits = nodes.filter(n => n.textContent.split(/[\\s·,()]+/).includes(name));
    out[name] = hits.some(n => {
      const r = n.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= width + 0.5;
    });
  }
  return {found: out, scrollWidth: document.documentElement.scrollWidth, width};
})()
"""


@pytest.fixture(scope="module")
def browser():
    b = Browser(CHROMIUM)  # type: ignore[arg-type]
    yield b
    b.close()


@pytest.mark.parametrize("path", BLUEPRINTS, ids=lambda p: p.stem)
def test_the_report_lays_out_every_name_inside_the_viewport(
    browser: Browser, path: Path, tmp_path: Path
) -> None:
    picture = blueprint_picture(load_blueprint(path).blueprint)
    report = tmp_path / f"{path.stem}.html"
    report.write_text(render(picture, GraphFormat.html), encoding="utf-8")
    browser.open(report)
    names = sorted(
        {n.name for lb in picture.load_balancers for n in (*lb.frontends, *lb.rules, *lb.pools)}
        | {v.name for v in picture.vms}
    )
    layout = browser.evaluate(LAYOUT % json.dumps(names))
    missing = [name for name, ok in layout["found"].items() if not ok]
    assert missing == [], f"not laid out inside {layout['width']}px: {missing}"
    assert layout["scrollWidth"] <= layout["width"], "the page scrolls sideways"
    assert browser.console_errors() == []
    assert browser.requests() == [report.resolve().as_uri()]
    shot = browser.screenshot(tmp_path / f"{path.stem}.png")
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000


def test_the_report_reads_the_same_without_javascript(browser: Browser, tmp_path: Path) -> None:
    path = ROOT / "blueprints" / "rule-type-2-floating-ip.yaml"
    report = tmp_path / "r.html"
    report.write_text(render(blueprint_picture(load_blueprint(path).blueprint), GraphFormat.html))
    browser.page("Emulation.setScriptExecutionDisabled", value=True)
    try:
        browser.open(report)
        browser.page("Emulation.setScriptExecutionDisabled", value=False)
        text = browser.evaluate("document.body.innerText")
    finally:
        browser.page("Emulation.setScriptExecutionDisabled", value=False)
    assert "Floating IP: dst green IP:80" in text and "Floating IP: dst purple IP:80" in text


# --- Mermaid, parsed and drawn by Mermaid -----------------------------------------------------


def _mermaid_js() -> Path:
    given = os.environ.get(MERMAID_ENV)
    candidates = [Path(given)] if given else []
    candidates.append(
        Path.home() / ".cache/provisioner-ci/mermaid/node_modules/mermaid/dist/mermaid.min.js"
    )
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    pytest.skip(f"no mermaid.min.js: npm install mermaid (as .ci/run does) or set {MERMAID_ENV}")


def _mermaid_cases() -> dict[str, str]:
    cases = {
        p.stem: render_mermaid(blueprint_picture(load_blueprint(p).blueprint)) for p in BLUEPRINTS
    }
    bp = load_blueprint(ROOT / "blueprints" / "mixed-rule-types.yaml").blueprint
    coloured = with_verdicts(
        blueprint_picture(bp),
        {
            ("lb", "purple"): PathVerdicts(guest=Verdict("fail", "not on vm2")),
            ("lb", "orange"): PathVerdicts(
                guest=Verdict("pass", "ready"), datapath=Verdict("skipped")
            ),
        },
        {"vm2": (Verdict("fail", "drift"), ("203.0.113.4",))},
    )
    cases["coloured"] = render_mermaid(coloured)
    cases["hostile"] = render_mermaid(_hostile_picture())
    largest = blueprint_picture(_largest_blueprint())
    largest = with_verdicts(largest, {("lb", "r5"): PathVerdicts(guest=Verdict("fail", "x"))})
    cases["summarised"] = render_mermaid(largest)
    return cases


def test_mermaid_parses_and_draws_every_picture(browser: Browser, tmp_path: Path) -> None:
    script = _mermaid_js()
    page = tmp_path / "mermaid.html"
    page.write_text(
        f'<!doctype html><html><body><script src="{script.resolve().as_uri()}"></script>'
        "</body></html>"
    )
    browser.open(page)
    browser.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    failures = {}
    for name, text in _mermaid_cases().items():
        quoted = json.dumps(text)
        result = browser.evaluate(
            f"(async () => {{ try {{ await mermaid.parse({quoted});"
            f" const {{svg}} = await mermaid.render('m' + Date.now(), {quoted});"
            " return svg.length; } catch (e) { return 'ERROR ' + (e.message || e); } })()",
            await_promise=True,
        )
        if not isinstance(result, int) or result < 1000:
            failures[name] = result
    assert failures == {}
    assert browser.console_errors() == []
