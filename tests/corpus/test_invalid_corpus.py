"""Every file under tests/corpus/invalid/ is a blueprint that must be rejected, at the right line.

Each file starts with one or more comment lines ``# expect: <Code> line <N>`` (optionally
``related <M>``: the see-also location of the other conflicting item). ``provision validate FILE
--output json`` must exit 2 and report, among its errors, every expected code at its line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provisioner.cli.app import app

CORPUS = Path(__file__).parent / "invalid"
EXPECT = re.compile(
    r"^#\s*expect:\s*(?P<code>\w+)\s+line\s+(?P<line>\d+)(?:\s+related\s+(?P<rel>\d+))?"
)

FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml"))


def expectations(path: Path) -> list[tuple[str, int, int | None]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = EXPECT.match(line)
        if match:
            rel = int(match["rel"]) if match["rel"] else None
            out.append((match["code"], int(match["line"]), rel))
    return out


def run_validate(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def test_the_corpus_covers_every_loader_error_kind():
    codes = {code for p in FILES for code, _, _ in expectations(p)}
    loader_codes = {
        "YamlSyntax",
        "DuplicateKey",
        "NotAMapping",
        "UnknownField",
        "MissingField",
        "InvalidType",
        "InvalidValue",
        "UnsupportedFormat",
        "NestingTooDeep",
        "ValueTooLong",
        "TooManyNodes",
    }
    assert loader_codes <= codes
    assert len([p for p in FILES if "loader" in p.parts]) >= 25


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(CORPUS)))
def test_invalid_blueprint_is_rejected_at_its_line(path: Path):
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect: <Code> line <N>' header"

    result = run_validate(str(path), "--output", "json")

    assert result.exit_code == 2, result.output
    document = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert document["ok"] is False
    found = {(e["code"], e["line"]) for e in document["errors"]}
    for code, line, related in expected:
        assert (code, line) in found, f"expected {code} at line {line}, got {sorted(found)}"
        if related is not None:
            see_also = {
                r["line"]
                for e in document["errors"]
                if (e["code"], e["line"]) == (code, line)
                for r in e["related"]
            }
            assert related in see_also
    assert all(e["file"] == str(path) for e in document["errors"] if e["file"])


def test_text_report_names_file_line_and_field_without_traceback():
    path = CORPUS / "loader" / "value-port-70000.yaml"

    result = run_validate(str(path))

    assert result.exit_code == 2
    assert f"{path}:18:" in result.stdout
    assert "field: load_balancers.lb.rules.web.port" in result.stdout
    assert "70000" in result.stdout and "65535" in result.stdout
    assert "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == f"provision validate: {path} (no cloud calls)"


def test_did_you_mean_is_offered_for_a_misspelt_field():
    result = run_validate(str(CORPUS / "loader" / "unknown-vm-field.yaml"), "--output", "json")

    (error,) = json.loads(result.stdout)["errors"]
    assert error["field"] == "vms.web.sise"
    assert error["hint"] == "did you mean 'size'?"
