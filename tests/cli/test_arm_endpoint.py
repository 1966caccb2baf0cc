"""`provision up --arm-endpoint URL`: the tool pointed at any ARM endpoint, here a served local
cloud over HTTPS, reading its /metadata/endpoints and signing in at its identity provider as az
CLI does (``provisioner/arm/clouds.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from provisioner.cli.app import app
from provisioner.localcloud import serve

BLUEPRINT = Path(__file__).resolve().parents[2] / "blueprints" / "rule-type-2-floating-ip.yaml"
TENANT = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def served(tmp_path, monkeypatch):
    s = serve(tmp_path / "served.sqlite", tls=True, ca_path=tmp_path / "ca.pem")
    s.cloud.set_time_scale(0)
    monkeypatch.setenv("AZURE_TENANT_ID", TENANT)
    monkeypatch.setenv("AZURE_CLIENT_ID", "provisioner-ci")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "anything")
    for name in ("AZURE_SUBSCRIPTION_ID", "PROVISION_ARM_ENDPOINT", "PROVISION_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("provisioner.arm.target.LOCAL_POLLING_INTERVAL", 0)  # no real sleeps
    yield s
    s.shutdown()
    s.cloud.close()


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_up_and_down_against_a_served_local_cloud(served):
    result = _run(
        "up",
        str(BLUEPRINT),
        "--env",
        "ep",
        "--yes",
        "--output",
        "json",
        "--arm-endpoint",
        served.url,
        "--ca-bundle",
        served.ca_path,
    )
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["ok"] and doc["target"].startswith(f"ARM endpoint {served.url}/")
    types = {r["type"].lower() for r in served.cloud.resources()}
    assert "microsoft.network/loadbalancers" in types
    log = served.cloud.request_log()
    assert any(r.path.endswith("/oauth2/v2.0/token") for r in log)  # signed in locally
    assert any(r.path == "/metadata/endpoints" for r in log)
    again = _run(
        "plan",
        str(BLUEPRINT),
        "--env",
        "ep",
        "--output",
        "json",
        "--detailed-exitcode",
        "--arm-endpoint",
        served.url,
        "--ca-bundle",
        served.ca_path,
    )
    assert again.exit_code == 0, again.stdout + again.stderr  # nothing left to change
    down = _run(
        "down",
        str(BLUEPRINT),
        "--env",
        "ep",
        "--yes",
        "--arm-endpoint",
        served.url,
        "--ca-bundle",
        served.ca_path,
    )
    assert down.exit_code == 0, down.stderr
    assert not [r for r in served.cloud.resources() if "rg-ep" in r["id"].lower()]


def test_the_endpoint_and_ca_bundle_come_from_the_environment(served, monkeypatch):
    monkeypatch.setenv("PROVISION_ARM_ENDPOINT", served.url)
    monkeypatch.setenv("PROVISION_CA_BUNDLE", served.ca_path)
    result = _run("status", str(BLUEPRINT), "--env", "ep", "--output", "json")
    assert result.exit_code == 0, result.stderr
    assert f"ARM endpoint {served.url}" in result.stderr


def test_a_strict_identity_provider_refuses_a_wrong_secret(served, monkeypatch):
    served.cloud.set_identity([{"client_id": "provisioner-ci", "secret": "right"}], tenant=TENANT)
    result = _run(
        "up",
        str(BLUEPRINT),
        "--env",
        "ep",
        "--yes",
        "--arm-endpoint",
        served.url,
        "--ca-bundle",
        served.ca_path,
    )
    assert result.exit_code != 0
    assert "AADSTS7000215" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--arm-endpoint", "https://127.0.0.1:1"], "cannot be read"),
        (["--cloud", "MarsCloud"], "--cloud must be"),
        (["--arm-endpoint", "http://127.0.0.1:1"], "plain http"),
    ],
)
def test_bad_endpoints_are_bad_input(served, args, says):
    result = _run("up", str(BLUEPRINT), "--env", "ep", "--yes", *args)
    assert result.exit_code == 2, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_credentials_for_an_endpoint_are_named(served, monkeypatch):
    monkeypatch.delenv("AZURE_CLIENT_SECRET")
    result = _run(
        "up",
        str(BLUEPRINT),
        "--env",
        "ep",
        "--yes",
        "--arm-endpoint",
        served.url,
        "--ca-bundle",
        served.ca_path,
    )
    assert result.exit_code == 2
    assert "AZURE_CLIENT_SECRET" in result.stderr


def test_sovereign_clouds_are_named_in_the_target_line():
    from provisioner.arm.target import target_label

    sub = "11111111-1111-1111-1111-111111111111"
    assert target_label("AzureChinaCloud", sub) == f"AzureChinaCloud subscription {sub}"
    assert target_label("azureusgovernment", sub) == f"AzureUSGovernment subscription {sub}"
    assert target_label("azure", sub) == f"Azure subscription {sub}"
