"""The rules half of the invalid corpus: every file fails with the code its header names, and
every error code the rules know has a file. (Lines are the corpus runner's business.)"""

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from provisioner.blueprint.model import Blueprint
from provisioner.rules import codes, errors, validate

CORPUS = Path(__file__).parents[1] / "corpus" / "invalid" / "rules"
FILES = sorted(CORPUS.glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\w+) line (\d+)$", re.MULTILINE)


def _expected(path: Path) -> list[tuple[str, int]]:
    return [(code, int(line)) for code, line in EXPECT.findall(path.read_text())]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_each_corpus_file_fails_with_the_code_it_expects(path):
    expected = _expected(path)
    assert expected, f"{path.name} has no '# expect:' header"
    found = errors(validate(Blueprint.model_validate(YAML(typ="safe").load(path.read_text()))))
    assert {code for code, _ in expected} <= {f.code for f in found}


def test_every_error_code_has_a_corpus_file():
    covered = {code for path in FILES for code, _ in _expected(path)}
    every_error = (set(codes.AZURE) | set(codes.OURS)) - codes.WARNINGS
    assert every_error - covered == set()
    assert len(FILES) >= 20
