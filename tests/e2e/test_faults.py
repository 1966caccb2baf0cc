"""With a fifth of requests failing transiently, `up` still converges to the same environment."""

from __future__ import annotations

import pytest

from provisioner.localcloud import FaultRule
from tests.e2e.conftest import BLUEPRINTS, env_resources

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)

#: Together about 20 % of requests: throttling, server errors, busy, dropped connections.
TRANSIENT = [
    FaultRule(kind="429", probability=0.05, retry_after=2),
    FaultRule(kind="503", probability=0.04),
    FaultRule(kind="409", method="PUT", probability=0.04),
    FaultRule(kind="drop-before", probability=0.03),
    FaultRule(kind="drop-after", method="PUT", probability=0.02),
    FaultRule(kind="canceled", method="PUT", probability=0.02),
]


def _shape(cloud, env: str) -> list[tuple[str, str]]:
    out = []
    for res in env_resources(cloud, env):
        rid = res["id"] if isinstance(res, dict) else res.id
        rtype = res["type"] if isinstance(res, dict) else res.type
        out.append((str(rtype).lower(), str(rid).lower()))
    return sorted(out)


def _clean_shape(tmp_path, env: str) -> list[tuple[str, str]]:
    from typer.testing import CliRunner

    from provisioner.cli.app import app
    from provisioner.localcloud import LocalCloud

    clean = LocalCloud(state_path=tmp_path / "clean.sqlite")
    clean.set_time_scale(0)
    args = ["up", str(BLUEPRINT), "--env", env, "--yes", "--state", str(tmp_path / "clean.sqlite")]
    assert CliRunner().invoke(app, args).exit_code == 0
    return _shape(clean, env)


@pytest.mark.parametrize("seed", [11, 22, 33])
def test_up_converges_through_transient_faults(seed, cloud, cli, tmp_path):
    env = "faulty"
    cloud.set_seed(seed)
    for rule in TRANSIENT:
        cloud.add_fault(rule)
    run = cli("up", str(BLUEPRINT), "--env", env, "--yes", "--output", "json")
    assert run.exit_code == 0, run.stdout + run.stderr
    cloud.clear_faults()
    faulted = [r for r in cloud.request_log() if r.status >= 400]
    assert faulted, "the fault profile must actually have fired"

    plan = cli("plan", str(BLUEPRINT), "--env", env, "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.json()["changes"]
    assert _shape(cloud, env) == _clean_shape(tmp_path, env)


def test_a_validation_error_from_azure_stops_the_run_with_its_code_and_line(cloud, cli):
    cloud.add_fault(
        FaultRule(
            kind="failed",
            resource_type="Microsoft.Network/loadBalancers",
            method="PUT",
            code="RulesUseSameBackendPortProtocolAndPool",
            message="rules share a backend port",
        )
    )
    run = cli("up", str(BLUEPRINT), "--env", "broken", "--yes", "--output", "json")
    assert run.exit_code == 1
    err = run.json()["error"]
    assert err["code"] == "RulesUseSameBackendPortProtocolAndPool"
    assert err["resource"].startswith("load_balancer/")
    assert err["location"] and err["location"].startswith(str(BLUEPRINT))
