"""Side by side: the same internal load balancer built by `provision up`, by az CLI command by
command, and by Ansible (azure.azcollection, the load balancer in one task), against one served
local cloud (HTTPS), in one run.

Run: ``python bench/peers.py``. The load balancer: 10 frontends, 2 pools, 10 probes, 20 Floating
IP rules (``bench/arm_writes.py``'s blueprint). Printed per client: ARM requests, writes (PUT,
POST, PATCH, DELETE to ARM), bytes written (request bodies of those writes), wall time, and a
re-run's requests and writes. Sign-in and cloud metadata requests are counted apart.

az CLI and Ansible are measured where ``.ci/peers`` installed them (``.peers/``) or
``PROVISION_PEERS_AZ`` / ``PROVISION_PEERS_ANSIBLE`` name them. Each client builds its own
group; what each builds besides the load balancer differs and is counted: az CLI and Ansible a
group and a VNet with its subnet; ``provision up`` the whole environment of the blueprint (group,
VNet, NSG, NAT gateway and its public IP, load balancer). Ansible's wall time is mostly its own
start-up: every task is a new Python process importing azure.azcollection's SDKs.
"""

from __future__ import annotations

import json
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
from tests.peers.conftest import (  # noqa: E402
    TENANT,
    ansible_env,
    ansible_playbook_path,
    az_env,
    az_path,
)

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


def az_cli(server, az: str, workdir: Path) -> Measure:
    env = az_env(az, server.ca_path, workdir)

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


def ansible_playbook(subscription: str) -> list[dict]:
    """The same load balancer in one ``azure_rm_loadbalancer`` task, after the group and VNet."""
    subnet = (
        f"/subscriptions/{subscription}/resourceGroups/rg-ansible/providers/Microsoft.Network/"
        "virtualNetworks/vnet/subnets/backend"
    )
    az = "azure.azcollection."
    rules = [
        {
            "name": f"r{i}-{port}",
            "frontend_ip_configuration": f"fe{i}",
            "backend_address_pool": pool,
            "probe": f"p{i}",
            "protocol": "Tcp",
            "frontend_port": port,
            "backend_port": port,
            "enable_floating_ip": True,
        }
        for i in range(10)
        for port, pool in ((80, "a"), (443, "b"))
    ]
    load_balancer = {
        "resource_group": "rg-ansible",
        "name": "lb",
        "sku": "Standard",
        "frontend_ip_configurations": [
            {
                "name": f"fe{i}",
                "subnet": subnet,
                "private_ip_allocation_method": "Static",
                "private_ip_address": f"10.0.1.{100 + i}",
            }
            for i in range(10)
        ],
        "backend_address_pools": [{"name": "a"}, {"name": "b"}],
        "probes": [{"name": f"p{i}", "port": 8000 + i, "protocol": "Tcp"} for i in range(10)],
        "load_balancing_rules": rules,
    }
    tasks = [
        {az + "azure_rm_resourcegroup": {"name": "rg-ansible", "location": "westeurope"}},
        {
            az + "azure_rm_virtualnetwork": {
                "resource_group": "rg-ansible",
                "name": "vnet",
                "address_prefixes_cidr": ["10.0.0.0/16"],
            }
        },
        {
            az + "azure_rm_subnet": {
                "resource_group": "rg-ansible",
                "virtual_network_name": "vnet",
                "name": "backend",
                "address_prefix_cidr": "10.0.1.0/24",
            }
        },
        {az + "azure_rm_loadbalancer": load_balancer},
    ]
    return [{"hosts": "localhost", "connection": "local", "gather_facts": False, "tasks": tasks}]


def ansible_run(server, exe: str, workdir: Path) -> Measure:
    sub = server.cloud.DEFAULT_SUBSCRIPTION
    playbook = workdir / "lb.yml"
    playbook.write_text(json.dumps(ansible_playbook(sub), indent=1))  # JSON is YAML
    env = ansible_env(server.url, server.ca_path, sub, workdir)
    server.cloud.clear_request_log()
    started = time.monotonic()
    proc = subprocess.run([exe, str(playbook)], env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"ansible-playbook failed:\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
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
        az = az_path()
        if az:
            rows.append(
                (f"az CLI ({len(az_commands())} commands)", az_cli(server, az, workdir), None)
            )
        playbook = ansible_playbook_path()
        if playbook:
            first = ansible_run(server, playbook, workdir)
            rows.append(("Ansible (4 tasks)", first, ansible_run(server, playbook, workdir)))
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
    if not az:
        print("(az CLI not measured: run .ci/peers, or set PROVISION_PEERS_AZ)")
    if not playbook:
        print("(Ansible not measured: run .ci/peers, or set PROVISION_PEERS_ANSIBLE)")


if __name__ == "__main__":
    main()
