"""The published JSON Schema is the model's, is checked in, and accepts what the loader accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provisioner.blueprint.loader import load_blueprint
from provisioner.blueprint.schema import SCHEMA_ID, blueprint_schema, blueprint_schema_json
from provisioner.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
CHECKED_IN = ROOT / "docs" / "schema" / "blueprint.schema.json"


def test_checked_in_schema_is_up_to_date():
    assert CHECKED_IN.read_text(encoding="utf-8") == blueprint_schema_json(), (
        "regenerate with: provision schema > docs/schema/blueprint.schema.json"
    )


def test_schema_command_prints_the_checked_in_schema():
    result = CliRunner().invoke(app, ["schema"])

    assert result.exit_code == 0
    assert result.stdout == CHECKED_IN.read_text(encoding="utf-8")
    assert result.stderr.startswith("provision schema:")
    document = json.loads(result.stdout)
    assert document["$id"] == SCHEMA_ID
    assert document["$schema"].startswith("https://json-schema.org/")
    assert document["title"]


@pytest.fixture
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    return jsonschema.Draft202012Validator(blueprint_schema())


def as_plain_data(text: str):
    from provisioner.blueprint.yaml_document import read_yaml

    return read_yaml(text, "x.yaml").data


def test_schema_accepts_the_short_forms(validator, full_text):
    errors = list(validator.iter_errors(as_plain_data(full_text)))

    assert errors == []


def test_schema_accepts_every_example_blueprint(validator):
    for path in sorted((ROOT / "blueprints").glob("*.yaml")):
        load_blueprint(path)  # the loader accepts it…
        errors = [e.message for e in validator.iter_errors(as_plain_data(path.read_text()))]
        assert errors == [], path.name  # …so an editor must not flag it


def test_schema_rejects_unknown_fields_and_bad_names(validator):
    doc = {
        "blueprint": 1,
        "name": "x",
        "location": "y",
        "network": {"address_space": "10.0.0.0/16", "subnets": {"bad_name": "10.0.0.0/24"}},
        "netwrok": {},
    }

    messages = " ".join(e.message for e in validator.iter_errors(doc))

    assert "netwrok" in messages and "bad_name" in messages
