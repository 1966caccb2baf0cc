"""End-to-end fixtures: the real CLI and SDK against a local cloud in a temporary state file."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provisioner.cli.app import app

ROOT = Path(__file__).resolve().parents[2]
BLUEPRINTS = sorted((ROOT / "blueprints").glob("*.yaml"))
WRITE_METHODS = {"PUT", "POST", "PATCH", "DELETE"}


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def cloud(tmp_path: Path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    close = getattr(lc, "close", None)
    if close:
        close()


@pytest.fixture
def cli(cloud) -> Callable[..., Run]:
    """Run ``provision ARGS… --state <the cloud's file>`` in-process."""
    runner = CliRunner()
    state = str(cloud.state_path)

    def run(*args: str) -> Run:
        argv = [*args, "--state", state]
        result = runner.invoke(app, argv, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


def writes(cloud) -> list[Any]:
    return [r for r in cloud.request_log() if r.method.upper() in WRITE_METHODS]


def env_resources(cloud, env: str) -> list[Any]:
    """Everything in the cloud that belongs to ``env`` (by tag or by its resource group)."""
    out = []
    for res in cloud.resources():
        tags = _get(res, "tags") or {}
        rid = str(_get(res, "id") or "")
        if tags.get("provisioner-env") == env or f"/resourcegroups/rg-{env}".lower() in (
            rid.lower() + "/"
        ):
            out.append(res)
    return out


def _get(res: Any, name: str) -> Any:
    if isinstance(res, dict):
        return res.get(name)
    return getattr(res, name, None)
