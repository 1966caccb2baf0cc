"""The libyaml fast path reads every document exactly as the ruamel path does."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import FULL

from provisioner.blueprint import yaml_document
from provisioner.blueprint.yaml_document import read_yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(
    [*ROOT.glob("blueprints/*.yaml"), *ROOT.glob("tests/corpus/invalid/**/*.yaml")],
    key=str,
)

TRICKY = {
    "full": FULL,
    "yaml_1_2_scalars": "a: yes\nb: 0777\nc: 0o17\nd: 1_000\ne: 1:20\nf: ~\ng: .inf\n",
    "dates_and_floats": "h: 2024-05-01\ni: 1e3\nj: -.5\nk: 0x1F\nl: Off\nm: NULL\n",
    "duplicates": "a: 1\nb: 2\na: 3\nn: {x: 1, x: 2}\n",
    "merge": "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nboth:\n  <<: [*b, {z: 4}]\n",
    "aliases": "a: &a [1, 2]\nb: [*a, *a]\nc: &c {k: *a}\n",
    "recursive": "a: &a [*a]\n",
    "empty_values": "network:\nvms: {}\nlist: []\n",
    "quoted": "a: 'x: y'\nb: \"tab\\there\"\nc: |\n  line 1\n  line 2\nd: >-\n  folded\n  text\n",
    "unicode": "name: caf\u00e9\ndescription: \u00e9\u00e8 \U0001f600 x: {a: 1}\n",
    "empty": "",
    "comment_only": "# nothing\n",
    "scalar_root": "42\n",
    "list_root": "- a\n- b\n",
    "crlf": "a: 1\r\nb:\r\n  c: 2\r\n",
    "collection_key": "? [a, b]\n: 1\n",
    "tag": "a: !!str 1\nb: !custom x\n",
    "bang_in_text": "a: 'hi!'\n# wow!\nb: ! 12\nc: ! [1]\nd: x!y\n",
    "tag_late": "a: [1, 2]\nb: {c: !!int 3}\n",
    "directive": "%YAML 1.1\n---\na: yes\n",
    "tabs": "a:\n\tb: 1\n",
    "syntax": "a: [1, 2\nb: 3\n",
    "two_documents": "a: 1\n---\nb: 2\n",
    "undefined_alias": "a: *nope\n",
}


def _both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    def snapshot() -> object:
        doc = read_yaml(text, "f.yaml")
        return (doc.data, doc.source._nodes, [dataclasses.asdict(f) for f in doc.findings])

    fast = snapshot()
    with monkeypatch.context() as m:
        m.setattr(yaml_document, "_compose_in_c", lambda _text: yaml_document._UNAVAILABLE)
        slow = snapshot()
    return fast, slow


@pytest.mark.parametrize("name", sorted(TRICKY))
def test_tricky_documents_read_the_same(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = _both(TRICKY[name], monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_files_read_the_same(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    fast, slow = _both(text, monkeypatch)
    assert fast == slow


def test_the_fast_path_is_taken_for_plain_blueprints() -> None:
    if yaml_document._CParser is None:
        pytest.skip("PyYAML without libyaml")
    text = (ROOT / "blueprints" / "rule-type-1.yaml").read_text()
    assert yaml_document._compose_in_c(text) is not yaml_document._UNAVAILABLE
    exclaimed = text + "description: 'ready!'  # a ! outside a tag keeps the fast path\n"
    assert yaml_document._compose_in_c(exclaimed) is not yaml_document._UNAVAILABLE
