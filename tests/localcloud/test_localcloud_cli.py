"""`provision local serve|reset` from a user's point of view."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from localcloud_helpers import make_clients
from localcloud_scenario import make_group
from typer.testing import CliRunner

from provisioner.cli.app import app
from provisioner.localcloud import LocalCloud


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
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
