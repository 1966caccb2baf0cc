"""A fresh local cloud per test (time scale 0: long-running operations finish at once), the
target the CLI would build for it, and a way to run ``provision`` in-process on the same state."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "cloud.sqlite"


@pytest.fixture
def cloud(state: Path):
    from provisioner.localcloud import LocalCloud

    c = LocalCloud(state_path=state)
    c.set_time_scale(0)
    yield c
    if hasattr(c, "close"):
        c.close()


@pytest.fixture
def target(cloud):
    from provisioner.arm.target import open_target

    t = open_target("local", None, local_cloud=cloud)
    yield t
    t.close()


@pytest.fixture
def provision(state: Path, monkeypatch):
    """Run ``provision ARGS --state <the test's cloud>`` in-process; stdout and stderr apart."""
    from provisioner.cli.app import app

    monkeypatch.delenv("AZURE_SUBSCRIPTION_ID", raising=False)
    runner = CliRunner()

    def run(*args: str) -> CliResult:
        result = runner.invoke(app, [*args, "--state", str(state)], catch_exceptions=False)
        return CliResult(result.exit_code, result.stdout, result.stderr)

    return run
