"""The picture where people look: CI job summaries, the verify report, the terminal's tree.

``up``, ``verify`` and ``down`` append a Markdown section to ``$GITHUB_STEP_SUMMARY`` (the
Mermaid diagram, the mapping table, the verdicts) and, on Azure Pipelines, write one and name it
with ``##vso[task.uploadsummary]``. Output that is not a terminal stays as it was: the tree is
shown only on an interactive terminal.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from provisioner.cli import common
from tests.e2e.conftest import ROOT

BLUEPRINT = str(ROOT / "blueprints" / "rule-type-2-floating-ip.yaml")


def test_up_verify_and_down_append_their_sections_to_the_github_step_summary(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.delenv("TF_BUILD", raising=False)
    assert cli("up", BLUEPRINT, "--yes").exit_code == 0
    text = summary.read_text()
    assert text.startswith("### provision up · rule-type-2\n")
    assert "```mermaid\n%% provision graph: rule-type-2 (environment rule-type-2)" in text
    assert re.search(r"\| lb \| green \| 203\.0\.113\.\d+ \| TCP 80 → 80 \|", text)
    assert "✓ passed: guest ready on vm1, vm2" in text

    run = cli("verify", BLUEPRINT, "--output", "json")
    assert run.exit_code == 0
    assert run.json()["ok"] is True  # stdout is still one JSON document
    text = summary.read_text()
    assert text.count("### provision") == 2 and "### provision verify · rule-type-2" in text
    assert "✓ every row passed" in text

    assert cli("down", BLUEPRINT, "--yes").exit_code == 0
    text = summary.read_text()
    assert "### provision down · rule-type-2" in text and "resource(s) deleted" in text
    assert text.count("```mermaid") == 2


def test_azure_pipelines_gets_a_summary_file_named_by_a_logging_command(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("TF_BUILD", "True")
    monkeypatch.setenv("AGENT_TEMPDIRECTORY", str(tmp_path))
    run = cli("up", BLUEPRINT, "--yes")
    assert run.exit_code == 0
    (line,) = [x for x in run.stdout.splitlines() if x.startswith("##vso[")]
    path = Path(line.removeprefix("##vso[task.uploadsummary]"))
    assert path.parent == tmp_path.resolve() and path.read_text().startswith("### provision up")
    run = cli("verify", BLUEPRINT, "--output", "json")
    assert run.json()["ok"] is True
    assert "##vso[task.uploadsummary]" in run.stderr and "##vso" not in run.stdout
    run = cli("verify", BLUEPRINT, "--format", "mermaid")
    assert run.stdout.startswith("%% provision graph") and "##vso" not in run.stdout
    assert "##vso[task.uploadsummary]" in run.stderr


def test_no_summary_outside_ci_and_an_unwritable_one_does_not_fail_the_command(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TF_BUILD", raising=False)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "missing" / "summary.md"))
    run = cli("up", BLUEPRINT, "--yes")
    assert run.exit_code == 0
    assert "CI summary not written" in run.stderr


def test_verify_report_and_mermaid_colour_every_path(cli, tmp_path: Path) -> None:
    assert cli("up", BLUEPRINT, "--yes").exit_code == 0
    report = tmp_path / "report.html"
    run = cli("verify", BLUEPRINT, "--report", str(report), "--format", "mermaid")
    assert run.exit_code == 0
    assert run.stdout.startswith("%% provision graph: rule-type-2 (environment rule-type-2)")
    assert "class r0,r1,v0,v1 pass" in run.stdout and "linkStyle" in run.stdout
    assert "guest ready on vm1, vm2" in run.stderr  # the rows still shown, on stderr
    html = report.read_text()
    assert html.count('data-verdict="pass"') >= 4 and "✓ passed" in html
    svg = html[html.index("<svg") : html.index("</svg>") + 6]
    ET.fromstring(svg)


def test_verify_refuses_mermaid_with_json_and_a_report_nowhere_before_any_cloud_call(
    cli, cloud, tmp_path: Path
) -> None:
    before = len(cloud.request_log())
    run = cli("verify", BLUEPRINT, "--format", "mermaid", "--output", "json")
    assert run.exit_code == 2 and run.json()["ok"] is False
    run = cli("verify", BLUEPRINT, "--report", str(tmp_path / "no" / "r.html"))
    assert run.exit_code == 2 and "existing directory" in run.stderr
    assert len(cloud.request_log()) == before


def test_graph_of_a_live_environment_shows_the_allocated_addresses(cli) -> None:
    assert cli("up", BLUEPRINT, "--yes").exit_code == 0
    run = cli("graph", BLUEPRINT, "--env", "rule-type-2")
    assert run.exit_code == 0
    assert run.stderr.startswith("target: local cloud")
    assert re.search(r"rule green  TCP 80 → 80  Floating IP: dst 203\.0\.113\.\d+:80", run.stdout)
    assert re.search(r"vm1 · NIC 10\.0\.1\.\d+ · loopback 203\.0\.113\.\d+, 203", run.stdout)
    other = cli("graph", BLUEPRINT, "--env", "nothing-here")
    assert other.exit_code == 0 and "has nothing in" in other.stderr


def test_the_tree_follows_the_mapping_only_on_a_terminal(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = cli("up", BLUEPRINT, "--yes")
    assert run.exit_code == 0 and "└──" not in run.stdout
    status = cli("status", "--env", "rule-type-2")
    assert "└──" not in status.stdout
    monkeypatch.setattr(common.out_console, "_force_terminal", True)
    status = cli("status", "--env", "rule-type-2")
    assert status.exit_code == 0
    assert "└──" in status.stdout and "Floating IP: dst 203.0.113." in status.stdout
    with_blueprint = cli("status", BLUEPRINT)
    assert "rule purple" in with_blueprint.stdout
    again = cli("up", BLUEPRINT, "--yes")
    assert "rule-type-2 (environment rule-type-2)" in again.stdout
