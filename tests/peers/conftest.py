"""Peers: real Azure clients (az CLI, Ansible's azure.azcollection) against a served local
cloud, alone on the machine.

Each client lives in its own virtual environment, installed from PyPI by ``.ci/run`` with uv
(seconds, where ``pip install azure-cli`` took 41 min on the 2-core CI box):

    .ci/peers            # makes .peers/az (azure-cli) and .peers/ansible (ansible + azcollection)
    python3 -m pytest -m peers tests/peers

``PROVISION_PEERS_AZ`` / ``PROVISION_PEERS_ANSIBLE`` point at other installs (``az`` and
``ansible-playbook``). A test whose client is missing is skipped with the reason;
``-m "not peers"`` skips them all on a developer's machine. A trap proxy
(``HTTPS_PROXY``/``HTTP_PROXY`` to a local listener that records and refuses every connection,
``NO_PROXY=127.0.0.1,localhost``) proves no request leaves the machine.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

AZ_ENV = "PROVISION_PEERS_AZ"
ANSIBLE_ENV = "PROVISION_PEERS_ANSIBLE"
TENANT = "00000000-0000-0000-0000-000000000000"
ROOT = Path(__file__).resolve().parents[2]


def az_path() -> str | None:
    given = os.environ.get(AZ_ENV)
    if given:
        return given
    local = ROOT / ".peers" / "az" / "bin" / "az"
    return str(local) if local.exists() else None


def ansible_playbook_path() -> str | None:
    given = os.environ.get(ANSIBLE_ENV)
    if given:
        return given
    local = ROOT / ".peers" / "ansible" / "bin" / "ansible-playbook"
    return str(local) if local.exists() else None


def outside_env() -> dict[str, str]:
    """The caller's environment without Azure settings that would steer a client elsewhere."""
    drop = ("AZURE_", "ARM_", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


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


def az_env(exe: str, ca_path: str, workdir: Path) -> dict[str, str]:
    """az CLI's environment for a served local cloud (docs/local-cloud.md): its own config
    directory, the local CA, no telemetry, no instance discovery, no survey."""
    config = workdir / "azcfg"
    config.mkdir(exist_ok=True)
    # Without this, the first command asks PyPI whether a newer az exists.
    (config / "versionCheck.json").write_text(version_check(exe))
    return {
        **outside_env(),
        "AZURE_CONFIG_DIR": str(config),
        "REQUESTS_CA_BUNDLE": ca_path,
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
    }


@pytest.fixture
def az(tmp_path, served, trap):
    """``az(*args)`` → parsed JSON output; the environment the recipe in docs/local-cloud.md
    gives, plus the trap proxy."""
    exe = az_path()
    if exe is None:
        pytest.skip(f"no az CLI: set {AZ_ENV} (see tests/peers/conftest.py)")
    env = {
        **az_env(exe, served.ca_path, tmp_path),
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


RECAP = re.compile(r"^localhost\s*:\s*(.*)$", re.MULTILINE)


@dataclass
class PlaybookRun:
    returncode: int
    stdout: str
    stderr: str

    @property
    def recap(self) -> dict[str, int]:
        """``ok=12 changed=0 …`` of the PLAY RECAP, as numbers."""
        found = RECAP.findall(self.stdout)
        if not found:
            return {}
        return {k: int(v) for k, v in (pair.split("=") for pair in found[-1].split())}


def ansible_env(url: str, ca_path: str, subscription: str, workdir: Path) -> dict[str, str]:
    """Ansible's environment credentials for a served local cloud (docs/local-cloud.md): a
    service principal, ``ARM_CLOUD_METADATA_URL`` (the list form of the cloud metadata, which
    azure-cli-core's cloud table is built from) and ``AZURE_CLOUD_ENVIRONMENT`` naming the
    cloud's ARM endpoint in that table."""
    home = workdir / "ansible-home"
    home.mkdir(exist_ok=True)
    return {
        **outside_env(),
        "AZURE_CLIENT_ID": "app",
        "AZURE_SECRET": "secret",
        "AZURE_TENANT": TENANT,
        "AZURE_SUBSCRIPTION_ID": subscription,
        "AZURE_CLOUD_ENVIRONMENT": url,
        "ARM_CLOUD_METADATA_URL": f"{url}/metadata/endpoints?api-version=2019-05-01",
        "AZURE_DISABLE_INSTANCE_DISCOVERY": "true",
        "AZURE_CONFIG_DIR": str(workdir / "azcfg-ansible"),
        "REQUESTS_CA_BUNDLE": ca_path,
        "SSL_CERT_FILE": ca_path,
        "ANSIBLE_HOME": str(home),
        "ANSIBLE_LOCAL_TEMP": str(home / "tmp"),
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "ANSIBLE_NOCOLOR": "1",
        "LC_ALL": "C.UTF-8",
    }


@pytest.fixture
def ansible(tmp_path, served, trap):
    """``ansible(playbook)`` → :class:`PlaybookRun`: the environment-credentials recipe of
    docs/local-cloud.md (service principal, ``ARM_CLOUD_METADATA_URL`` and
    ``AZURE_CLOUD_ENVIRONMENT`` naming the served cloud), plus the trap proxy."""
    exe = ansible_playbook_path()
    if exe is None:
        pytest.skip(f"no ansible-playbook: set {ANSIBLE_ENV} (see tests/peers/conftest.py)")
    env = {
        **ansible_env(served.url, served.ca_path, served.cloud.DEFAULT_SUBSCRIPTION, tmp_path),
        "HTTPS_PROXY": trap.url,
        "HTTP_PROXY": trap.url,
        "NO_PROXY": "127.0.0.1,localhost",
    }

    def run(playbook: Path) -> PlaybookRun:
        proc = subprocess.run(
            [exe, str(playbook)], env=env, capture_output=True, text=True, timeout=600
        )
        return PlaybookRun(proc.returncode, proc.stdout, proc.stderr)

    return run
