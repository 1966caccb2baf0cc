"""The pre-commit hook (.pre-commit-hooks.yaml) and the schema line of the example blueprints.

The manifest is read by pre-commit's own loader (``pre_commit.clientlib.load_manifest``, which
validates every hook against pre-commit's schema), its file selection is checked with
pre-commit's own classifier, and its entry runs the way pre-commit runs it: ``entry`` split
into words, then ``args``, then the selected file names, several at once.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from ci_helpers import ROOT

clientlib = pytest.importorskip("pre_commit.clientlib")
classifier = pytest.importorskip("pre_commit.commands.run")

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
SCHEMA = ROOT / "docs" / "schema" / "blueprint.schema.json"
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def hook() -> dict:
    (only,) = clientlib.load_manifest(str(MANIFEST))  # raises InvalidManifestError
    return only


def selected(paths: list[str]) -> list[str]:
    """The files pre-commit hands the hook, from ``paths`` (relative, as git lists them)."""
    h = hook()
    files = classifier.Classifier(paths).by_types(
        classifier.Classifier(paths).filenames, h["types"], h["types_or"], h["exclude_types"]
    )
    include, exclude = re.compile(h["files"]), re.compile(h["exclude"])
    return [f for f in files if include.search(f) and not exclude.search(f)]


def run_hook(files: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    h = hook()
    entry = shlex.split(h["entry"])
    assert entry[0] == "provision"  # the console script pre-commit's environment has
    argv = [sys.executable, "-m", "provisioner", *entry[1:], *h["args"], *map(str, files)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_manifest_is_valid_for_pre_commit():
    h = hook()
    assert h["id"] == "provision-validate"
    assert h["language"] == "python"  # pre-commit installs this repository at the rev
    assert h["pass_filenames"]


def test_the_hook_selects_blueprints_and_nothing_else(tmp_path):
    paths = [
        "blueprints/rule-type-1.yaml",
        "infra/blueprints/app.yml",
        "blueprints/README.md",
        ".github/workflows/action.yml",
        "action.yml",
    ]
    for p in paths:
        (tmp_path / p).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / p).write_text("x: 1\n")
    cwd = Path.cwd()
    os.chdir(tmp_path)  # pre-commit classifies paths relative to the repository
    try:
        assert selected(paths) == ["blueprints/rule-type-1.yaml", "infra/blueprints/app.yml"]
    finally:
        os.chdir(cwd)


def test_the_hook_passes_the_examples_and_stops_a_bad_blueprint_at_its_line(tmp_path):
    good = run_hook(BLUEPRINTS, ROOT)
    assert good.returncode == 0, good.stdout + good.stderr
    assert good.stdout.count(": valid (") == len(BLUEPRINTS)

    bad = tmp_path / "blueprints" / "bad.yaml"
    bad.parent.mkdir()
    bad.write_text("blueprint: 1\nname: bad\nlocation: westeurope\nvms: 3\n")
    result = run_hook([BLUEPRINTS[0], bad], tmp_path)
    assert result.returncode == 2
    out = result.stdout + result.stderr
    assert re.search(r"bad\.yaml:4:\d+", out), out
    assert ": valid (" in out  # the good one is still reported


def test_every_example_blueprint_names_the_schema_on_its_first_line():
    """yaml-language-server reads ``$schema`` from a comment on the first line; the path is
    relative to the blueprint, so it works from a checkout with no network."""
    assert BLUEPRINTS
    for blueprint in BLUEPRINTS:
        first = blueprint.read_text().splitlines()[0]
        match = SCHEMA_LINE.match(first)
        assert match, f"{blueprint.name}: first line is {first!r}"
        assert (blueprint.parent / match.group(1)).resolve() == SCHEMA.resolve()
