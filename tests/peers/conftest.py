"""Peers: real Azure clients (az CLI) against a served local cloud, alone on the machine.

Not part of the default CI run: ``pip install azure-cli`` took 41 min 38 s (666 MB) on the
2-core CI box (measured for issue 13), far over the 10-minute budget of the whole CI. The tests
run where an ``az`` from its own virtual environment is given:

    python3 -m venv .peers/az && .peers/az/bin/pip install azure-cli
    PROVISION_PEERS_AZ=.peers/az/bin/az python3 -m pytest -m peers tests/peers

and are skipped otherwise (``-m "not peers"`` skips them explicitly). A trap proxy
(``HTTPS_PROXY``/``HTTP_PROXY`` to a local listener that records and refuses every connection,
``NO_PROXY=127.0.0.1,localhost``) proves no request leaves the machine.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

AZ_ENV = "PROVISION_PEERS_AZ"
TENANT = "00000000-0000-0000-0000-000000000000"
ROOT = Path(__file__).resolve().parents[2]


def az_path() -> str | None:
    given = os.environ.get(AZ_ENV)
    if given:
        return given
    local = ROOT / ".peers" / "az" / "bin" / "az"
    return str(local) if local.exists() else None


def version_check(az: str) -> str:
    """A ``versionCheck.json`` az trusts: its own version, checked in the far future (az skips
    its online check only when the cached ``azure-cli`` version equals the installed one)."""
    python = Path(az).parent / "python"
    version = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('azure-cli'))"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    mine = {"local": version, "pypi": version}
    return json.dumps(
        {"versions": {"azure-cli": mine, "core": mine}, "update_time": "2100-01-01 00:00:00.000000"}
    )


@dataclass
class TrapProxy:
    """Accepts, records and closes every connection: any attempt to leave the machine."""

    sock: socket.socket
    seen: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.seen.append(conn.recv(512))
                except OSError:
                    self.seen.append(b"")


@pytest.fixture
def trap():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    proxy = TrapProxy(sock)
    threading.Thread(target=proxy.serve, daemon=True).start()
    yield proxy
    sock.close()


@pytest.fixture
def served(tmp_path):
    from provisioner.localcloud import serve

    s = serve(tmp_path / "state.sqlite", tls=True, ca_path=tmp_path / "ca.pem")
    s.cloud.set_time_scale(0)
    yield s
    s.shutdown()
    s.cloud.close()


@pytest.fixture
def az(tmp_path, served, trap):
    """``az(*args)`` → parsed JSON output; the environment the recipe in docs/local-cloud.md
    gives, plus the trap proxy."""
    exe = az_path()
    if exe is None:
        pytest.skip(f"no az CLI: set {AZ_ENV} (see tests/peers/conftest.py)")
    config = tmp_path / "azcfg"
    config.mkdir()
    # Without this, the first command asks PyPI whether a newer az exists.
    (config / "versionCheck.json").write_text(version_check(exe))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "ARM_"))},
        "AZURE_CONFIG_DIR": str(config),
        "REQUESTS_CA_BUNDLE": served.ca_path,
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
        "HTTPS_PROXY": trap.url,
        "HTTP_PROXY": trap.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }

    def run(*args: str, check: bool = True):
        proc = subprocess.run(
            [exe, *args, "--output", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and proc.returncode != 0:
            raise AssertionError(f"az {' '.join(args)} → {proc.returncode}\n{proc.stderr}")
        return json.loads(proc.stdout) if proc.stdout.strip() else None

    run.proc_env = env  # type: ignore[attr-defined]
    return run
