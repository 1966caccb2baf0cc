"""`provision validate`: exit codes, the JSON document, findings located in the file."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from provisioner.apply import validation
from provisioner.cli.app import app
from provisioner.errors import Finding

VALID = """\
blueprint: 1
name: demo
location: westeurope
network:
  address_space: 10.0.0.0/16
  subnets: {backend: 10.0.1.0/24}
vms:
  vm1: {subnet: backend}
  vm2: {subnet: backend}
load_balancers:
  lb:
    type: public
    frontends: {green: {}, purple: {}}
    pools: {app: [vm1, vm2]}
    probes: {health: {port: 8080}}
    rules:
      green: {frontend: green, port: 80, pool: app, probe: health, floating_ip: true}
      purple: {frontend: purple, port: 80, pool: app, probe: health, floating_ip: true}
"""


def validate(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


def test_valid_blueprint_exits_0_with_one_json_document(write):
    path = write(VALID)

    result = validate(str(path), "--output", "json")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert list(doc) == [
        "ok", "file", "digest", "errors", "warnings", "resources", "mapping",
    ]  # fmt: skip
    assert doc["ok"] is True and doc["errors"] == []
    assert doc["file"] == str(path) and len(doc["digest"]) == 16
    for resource in doc["resources"]:
        assert set(resource) == {"type", "name", "depends_on"}
    for row in doc["mapping"]:
        assert {"rule", "frontend_ip", "destination_ip", "floating_ip", "backends"} <= set(row)
    assert result.stderr.splitlines()[0] == f"provision validate: {path} (no cloud calls)"


def test_text_report_of_a_valid_blueprint_says_valid(write):
    result = validate(str(write(VALID)))

    assert result.exit_code == 0
    assert "valid (digest" in result.stdout


def test_warnings_do_not_fail_validation_and_are_located(write, monkeypatch):
    warning = Finding(
        "ProbePortOnlyOnFloatingIp",
        "probe goes to the NIC IP",
        path=("load_balancers", "lb", "probes", "health", "port"),
        severity="warning",
    )
    monkeypatch.setattr(validation, "check_rules", lambda bp: [warning])

    result = validate(str(write(VALID)), "--output", "json")

    assert result.exit_code == 0
    (w,) = json.loads(result.stdout)["warnings"]
    assert (w["code"], w["line"], w["field"]) == (
        "ProbePortOnlyOnFloatingIp",
        15,
        "load_balancers.lb.probes.health.port",
    )


def test_rule_errors_exit_2_with_the_other_item_as_see_also(write, monkeypatch):
    error = Finding(
        "RulesUseSameBackendPortProtocolAndPool",
        "both rules deliver to port 80 on the NIC IP",
        path=("load_balancers", "lb", "rules", "purple"),
        related=(("load_balancers", "lb", "rules", "green"),),
        hint="turn on floating_ip",
    )
    monkeypatch.setattr(validation, "check_rules", lambda bp: [error])
    path = write(VALID)

    result = validate(str(path))

    assert result.exit_code == 2
    assert f"{path}:18:7: RulesUseSameBackendPortProtocolAndPool" in result.stdout
    assert f"see also: {path}:17:7" in result.stdout
    assert "hint: turn on floating_ip" in result.stdout
    assert "Traceback" not in result.output


def test_a_missing_file_exits_2_in_json_too(tmp_path):
    result = validate(str(tmp_path / "absent.yaml"), "--output", "json")

    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert doc["ok"] is False and doc["errors"][0]["code"] == "FileUnreadable"


def test_messages_with_brackets_are_printed_verbatim(write):
    # The resource-id hint holds "[/providers/…]", which a markup renderer would eat (or crash on).
    path = write(VALID.replace("{subnet: backend}\n  vm2", "{existing_id: my-vm}\n  vm2"))

    result = validate(str(path))

    assert result.exit_code == 2
    assert "resourceGroups/<group>[/providers/<namespace>/<type>/<name>]" in result.stdout


def test_several_blueprints_at_once_as_pre_commit_passes_them(tmp_path):
    """pre-commit hands the hook every changed blueprint in one call: each is reported, the
    exit code is 2 when any is invalid, and --output json is still one document."""
    good = tmp_path / "good.yaml"
    good.write_text(VALID)
    bad = tmp_path / "bad.yaml"
    bad.write_text(VALID.replace("port: 8080", "port: 99999"))

    result = validate(str(good), str(bad), "--output", "json")

    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is False
    assert [(d["file"], d["ok"]) for d in doc["blueprints"]] == [
        (str(good), True),
        (str(bad), False),
    ]
    text = validate(str(good), str(good))
    assert text.exit_code == 0 and text.stdout.count(": valid (") == 2
