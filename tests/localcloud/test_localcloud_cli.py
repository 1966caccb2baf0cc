"""`provision local serve|reset` from a user's point of view."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from localcloud_helpers import make_clients
from localcloud_scenario import make_group
from typer.testing import CliRunner

from provisioner.cli.app import app
from provisioner.localcloud import LocalCloud

EXAMPLE = Path(__file__).resolve().parents[2] / "blueprints" / "rule-type-2-floating-ip.yaml"


def test_reset_forgets_everything(tmp_path):
    state = tmp_path / "s.sqlite"
    cloud = LocalCloud(state)
    make_group(make_clients(cloud, "inprocess"))
    result = CliRunner().invoke(app, ["local", "reset", "--state", str(state)])
    assert result.exit_code == 0, result.output
    assert cloud.resources() == []


def test_serve_prints_url_and_ca_and_answers(tmp_path):
    state = tmp_path / "s.sqlite"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "provisioner",
            "local",
            "serve",
            "--tls",
            "--state",
            str(state),
            "--ca-path",
            str(tmp_path / "ca.pem"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = proc.stdout.readline().split()[-1]
        proc.stdout.readline()
        ca_line = proc.stdout.readline()
        assert url.startswith("https://127.0.0.1:")
        assert str(tmp_path / "ca.pem") in ca_line

        class _Srv:
            pass

        srv = _Srv()
        srv.url, srv.ca_path = url, str(tmp_path / "ca.pem")
        c = make_clients(LocalCloud(state), "https", srv)
        make_group(c)
        assert c.resource.resource_groups.check_existence("rg") is True

        recipes = [proc.stdout.readline() for _ in range(4)]
        assert recipes[0].startswith("point clients at it")
        assert f"--endpoint-resource-manager {url}/" in recipes[2]
        assert f"AZURE_CLOUD_ENVIRONMENT={url}" in recipes[3]
        # The printed provision line, as a user pastes it, brings a blueprint up there.
        exports, _, command = recipes[1].split(":", 1)[1].partition(";")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AZURE_")}
        env.update(word.split("=", 1) for word in shlex.split(exports)[1:])
        words = shlex.split(command.replace("BLUEPRINT", str(EXAMPLE)))
        up = subprocess.run(
            [sys.executable, "-m", "provisioner", *words[1:], "--yes", "--output", "json"],
            capture_output=True,
            text=True,
            env=env,
        )
        assert up.returncode == 0, up.stdout + up.stderr
        assert any(
            r["type"] == "Microsoft.Network/loadBalancers" for r in LocalCloud(state).resources()
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
