"""Side by side: the same internal load balancer built by `provision up` and by az CLI, command by
command, against one served local cloud (HTTPS), in one run.

Run: ``python bench/peers.py``. The load balancer: 10 frontends, 2 pools, 10 probes, 20 Floating
IP rules (``bench/arm_writes.py``'s blueprint). Printed per client: ARM requests, writes (PUT,
POST, PATCH, DELETE to ARM), bytes written (request bodies of those writes), wall time, and a
re-run's requests and writes. Sign-in and cloud metadata requests are counted apart.

az CLI is measured when ``PROVISION_PEERS_AZ`` names an ``az`` from its own virtual environment
(``tests/peers/conftest.py`` says how to make one; installing it takes far longer than CI
allows, so it is not installed by ``.ci/run``). Ansible is not driven here (issue 13 left it;
shared/peer-clients.md has the hand measurement: 5 requests, 1 PUT, 3.0 s).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from arm_writes import big_lb_blueprint  # noqa: E402

from provisioner.localcloud import serve  # noqa: E402
from tests.peers.conftest import version_check  # noqa: E402

TENANT = "00000000-0000-0000-0000-000000000000"
WRITES = {"PUT", "POST", "PATCH", "DELETE"}


@dataclass
class Measure:
    requests: int
    writes: int
    lb_writes: int  # writes of the load balancer document itself
    bytes_written: int
    sign_in: int
    wall: float


def _is_arm(path: str) -> bool:
    return path.lower().startswith(("/subscriptions", "/tenants"))


def measure(cloud, started: float) -> Measure:
    log = cloud.request_log()
    arm = [r for r in log if _is_arm(r.path)]
    writes = [r for r in arm if r.method.upper() in WRITES]
    return Measure(
        requests=len(arm),
        writes=len(writes),
        lb_writes=sum(1 for r in writes if "/loadbalancers/" in r.path.lower()),
        bytes_written=sum(len((r.body or "").encode()) for r in writes),
        sign_in=len(log) - len(arm),
        wall=time.monotonic() - started,
    )


def provision_up(server, blueprint: Path, env: dict[str, str]) -> Measure:
    server.cloud.clear_request_log()
    started = time.monotonic()
    cmd = [sys.executable, "-m", "provisioner", "up", str(blueprint), "--env", "bench", "--yes"]
    cmd += ["--arm-endpoint", server.url, "--ca-bundle", server.ca_path, "--output", "json"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"provision up failed:\n{proc.stderr}")
    return measure(server.cloud, started)


def az_commands() -> list[list[str]]:
    """The internal LB, command by command, as a user of az CLI builds it."""
    lb = ["-g", "rg-az", "--lb-name", "lb"]
    cmds = [
        ["group", "create", "-n", "rg-az", "-l", "westeurope"],
        [
            "network",
            "vnet",
            "create",
            "-g",
            "rg-az",
            "-n",
            "vnet",
            "--address-prefix",
            "10.0.0.0/16",
            "--subnet-name",
            "backend",
            "--subnet-prefix",
            "10.0.1.0/24",
        ],
        [
            "network",
            "lb",
            "create",
            "-g",
            "rg-az",
            "-n",
            "lb",
            "--sku",
            "Standard",
            "--vnet-name",
            "vnet",
            "--subnet",
            "backend",
            "--frontend-ip-name",
            "fe0",
            "--private-ip-address",
            "10.0.1.100",
            "--backend-pool-name",
            "a",
        ],
    ]
    for i in range(1, 10):
        cmds.append(
            [
                "network",
                "lb",
                "frontend-ip",
                "create",
                *lb,
                "-n",
                f"fe{i}",
                "--vnet-name",
                "vnet",
                "--subnet",
                "backend",
                "--private-ip-address",
                f"10.0.1.{100 + i}",
            ]
        )
    cmds.append(["network", "lb", "address-pool", "create", *lb, "-n", "b"])
    for i in range(10):
        cmds.append(
            [
                "network",
                "lb",
                "probe",
                "create",
                *lb,
                "-n",
                f"p{i}",
                "--protocol",
                "tcp",
                "--port",
                str(8000 + i),
            ]
        )
    for i in range(10):
        for port, pool in ((80, "a"), (443, "b")):
            cmds.append(
                [
                    "network",
                    "lb",
                    "rule",
                    "create",
                    *lb,
                    "-n",
                    f"r{i}-{port}",
                    "--protocol",
                    "tcp",
                    "--frontend-port",
                    str(port),
                    "--backend-port",
                    str(port),
                    "--frontend-ip-name",
                    f"fe{i}",
                    "--backend-pool-name",
                    pool,
                    "--probe-name",
                    f"p{i}",
                    "--floating-ip",
                    "true",
                ]
            )
    return cmds


def az_env(workdir: Path, server, az: str) -> dict[str, str]:
    config = workdir / "azcfg"
    config.mkdir(exist_ok=True)
    (config / "versionCheck.json").write_text(version_check(az))
    return {
        **os.environ,
        "AZURE_CONFIG_DIR": str(config),
        "REQUESTS_CA_BUNDLE": server.ca_path,
        "AZURE_CORE_COLLECT_TELEMETRY": "false",
        "AZURE_CORE_INSTANCE_DISCOVERY": "false",
        "AZURE_CORE_SURVEY_MESSAGE": "false",
        "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
    }


def az_cli(server, az: str, workdir: Path) -> Measure:
    env = az_env(workdir, server, az)

    def run(*args: str) -> None:
        proc = subprocess.run([az, *args, "-o", "none"], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"az {' '.join(args)} failed:\n{proc.stderr}")

    run("cloud", "register", "-n", "LocalCloud", "--endpoint-resource-manager", server.url + "/")
    run("cloud", "set", "-n", "LocalCloud")
    run("login", "--service-principal", "-u", "bench", "-p", "x", "--tenant", TENANT)
    server.cloud.clear_request_log()
    started = time.monotonic()
    for cmd in az_commands():
        run(*cmd)
    return measure(server.cloud, started)


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-peers-"))
    blueprint = workdir / "bench-lb.yaml"
    blueprint.write_text(big_lb_blueprint())
    server = serve(workdir / "cloud.sqlite", tls=True, ca_path=workdir / "ca.pem")
    server.cloud.set_time_scale(0)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "AZURE_TENANT_ID": TENANT,
        "AZURE_CLIENT_ID": "bench",
        "AZURE_CLIENT_SECRET": "x",
    }
    rows: list[tuple[str, Measure, Measure | None]] = []
    try:
        first = provision_up(server, blueprint, env)
        rows.append(("provision up", first, provision_up(server, blueprint, env)))
        az = os.environ.get("PROVISION_PEERS_AZ")
        if az:
            rows.append(
                (f"az CLI ({len(az_commands())} commands)", az_cli(server, az, workdir), None)
            )
    finally:
        server.shutdown()
        server.cloud.close()
    print(
        "client | ARM requests | writes | LB writes | bytes written | sign-in/metadata | wall s |"
        " re-run requests | re-run writes"
    )
    for name, m, again in rows:
        rerun = f"{again.requests} | {again.writes}" if again else "n/a | n/a"
        print(
            f"{name} | {m.requests} | {m.writes} | {m.lb_writes} | {m.bytes_written} | "
            f"{m.sign_in} | {m.wall:.1f} | {rerun}"
        )
    if not os.environ.get("PROVISION_PEERS_AZ"):
        print("(az CLI not measured: set PROVISION_PEERS_AZ to an az executable)")


if __name__ == "__main__":
    main()
