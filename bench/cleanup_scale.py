"""Cleanup at scale: 50 expired environments, ``--max-parallel 10``, against one.

Builds the environments in the local cloud at time scale 0 (instant), then switches to the
default latency profile at a small time scale (a resource-group DELETE, 10 virtual seconds,
takes 10 × scale real seconds) and times the same code path ``provision cleanup --expired --yes``
runs: discovery, selection, the ownership check and the teardown of each environment.

The figure is the wall time of 50 as a ratio to the wall time of 1. Perfect scaling with ten at
a time would be 5 (five waves); the goal is at most 6.

    python bench/cleanup_scale.py [--envs 50] [--max-parallel 10] [--time-scale 0.02]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.mgmt.network import models as nm
from azure.mgmt.resource.resources.models import ResourceGroup

from provisioner.arm.target import open_target
from provisioner.envs.cleanup import run_cleanup
from provisioner.envs.destroy import destroyer_for
from provisioner.envs.discovery import discover_environments
from provisioner.envs.selection import Criteria, select
from provisioner.localcloud import LocalCloud

LOCATION = "westeurope"
NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def build_environment(t, env: str, n: int) -> int:
    """Group, VNet, public IP, load balancer with a pool, NIC in the pool: 5 items, as ``up``."""
    tags = {
        "provisioner-env": env,
        "provisioner-blueprint": "sha256:bench",
        "provisioner-managed": "true",
        "provisioner-expires": (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    rg = f"rg-{env}"
    t.resources.resource_groups.create_or_update(rg, ResourceGroup(location=LOCATION, tags=tags))
    prefix = f"10.{n // 250}.{n % 250}.0/24"
    vnet = t.network.virtual_networks.begin_create_or_update(
        rg,
        "vnet",
        nm.VirtualNetwork(
            location=LOCATION,
            address_space=nm.AddressSpace(address_prefixes=[prefix]),
            subnets=[nm.Subnet(name="default", address_prefix=prefix)],
            tags=tags,
        ),
    ).result()
    pip = t.network.public_ip_addresses.begin_create_or_update(
        rg,
        "pip",
        nm.PublicIPAddress(
            location=LOCATION,
            sku=nm.PublicIPAddressSku(name="Standard"),
            public_ip_allocation_method="Static",
            tags=tags,
        ),
    ).result()
    lb = t.network.load_balancers.begin_create_or_update(
        rg,
        "lb",
        nm.LoadBalancer(
            location=LOCATION,
            sku=nm.LoadBalancerSku(name="Standard"),
            frontend_ip_configurations=[
                nm.FrontendIPConfiguration(
                    name="fe", public_ip_address=nm.PublicIPAddress(id=pip.id)
                )
            ],
            backend_address_pools=[nm.BackendAddressPool(name="pool")],
            tags=tags,
        ),
    ).result()
    t.network.network_interfaces.begin_create_or_update(
        rg,
        "nic",
        nm.NetworkInterface(
            location=LOCATION,
            ip_configurations=[
                nm.NetworkInterfaceIPConfiguration(
                    name="ipconfig1",
                    primary=True,
                    subnet=nm.Subnet(id=vnet.subnets[0].id),
                    load_balancer_backend_address_pools=[
                        nm.BackendAddressPool(id=lb.backend_address_pools[0].id)
                    ],
                )
            ],
            tags=tags,
        ),
    ).result()
    return 5


def timed_cleanup(envs: int, max_parallel: int, scale: float, workdir: Path) -> tuple[float, int]:
    cloud = LocalCloud(state_path=workdir / f"bench-{envs}.sqlite")
    cloud.set_time_scale(0)
    target = open_target("local", None, local_cloud=cloud)
    try:
        items = sum(build_environment(target, f"pr-{i}", i) for i in range(envs))
        cloud.set_time_scale(scale)
        started = time.perf_counter()
        found = discover_environments(target)
        criteria = Criteria(expired=True)
        report = run_cleanup(
            select(found, criteria, NOW),
            destroyer_for(target),
            target=target.label,
            now=NOW,
            criteria=criteria,
            dry_run=False,
            max_parallel=max_parallel,
        )
        seconds = time.perf_counter() - started
        assert report.ok and report.environments_destroyed == envs, report.as_dict()["summary"]
        assert report.resources_deleted == items
        assert discover_environments(target) == []
        return seconds, items
    finally:
        target.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", type=int, default=50)
    parser.add_argument("--max-parallel", type=int, default=10)
    parser.add_argument("--time-scale", type=float, default=0.02)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one, _ = timed_cleanup(1, args.max_parallel, args.time_scale, Path(tmp))
        many, items = timed_cleanup(args.envs, args.max_parallel, args.time_scale, Path(tmp))
    waves = -(-args.envs // args.max_parallel)
    print(
        f"cleanup --expired --yes --max-parallel {args.max_parallel}, local cloud, "
        f"default latency profile, time scale {args.time_scale} real s per virtual s"
    )
    print(f"  1 environment:            {one:7.3f} s")
    print(f"  {args.envs} environments ({items} items): {many:7.3f} s")
    print(
        f"  ratio {args.envs}/1:               {many / one:7.2f}  "
        f"(ideal {waves} = waves of {args.max_parallel}; goal <= 6)"
    )


if __name__ == "__main__":
    main()
