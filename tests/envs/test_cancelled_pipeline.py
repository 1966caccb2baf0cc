"""A cancelled pipeline: ``provision up`` killed halfway leaves tagged resources and no state
file; after the expiry, ``cleanup --expired`` removes every one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from provisioner.envs.discovery import discover_environments
from provisioner.envs.ttl import format_timestamp

from . import world

BLUEPRINT = Path(__file__).resolve().parents[2] / "blueprints" / "rule-type-2-floating-ip.yaml"


def test_up_killed_halfway_is_cleaned_up_after_its_expiry(cloud, target, state, provision):
    world.group(target, "shared")
    bystander = world.public_ip(target, "shared", "bystander")
    before = world.live_ids(target)
    # Slow enough that the VMs (30 virtual seconds each) are still being created when the
    # load balancer is reported done; the kill lands there.
    cloud.set_time_scale(0.05)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("AZURE_SUBSCRIPTION_ID", None)
    up = subprocess.Popen(
        [sys.executable, "-m", "provisioner", "up", str(BLUEPRINT), "--env", "pr-77"]
        + ["--ttl", "1h", "--yes", "--state", str(state)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    seen = []
    try:
        for line in up.stderr:  # progress lines, as a CI log shows them
            seen.append(line)
            if "created load_balancer" in line:
                break
    finally:
        up.kill()
        up.wait()
    cloud.set_time_scale(0)
    assert any("created load_balancer" in line for line in seen), "".join(seen)

    (half,) = discover_environments(target)
    assert half.name == "pr-77"
    kinds = {r.type.split("/")[-1] for r in half.resources}
    assert "loadBalancers" in kinds and "virtualMachines" not in kinds  # really halfway

    before_expiry = format_timestamp(half.expires - timedelta(minutes=1))
    assert provision("cleanup", "--expired", "--yes", "--now", before_expiry).exit_code == 0
    assert discover_environments(target), "not expired yet: kept"

    after_expiry = format_timestamp(half.expires + timedelta(minutes=1))
    result = provision("cleanup", "--expired", "--yes", "--now", after_expiry, "-o", "json")
    assert result.exit_code == 0, result.stdout
    assert result.json()["summary"]["environments_destroyed"] == 1
    assert discover_environments(target) == []
    assert world.live_ids(target) == before  # everything up created is gone, nothing else
    assert bystander.lower() in world.live_ids(target)


def test_a_finished_up_environment_keeps_its_expiry_and_cleanup_removes_all_of_it(
    target, provision
):
    assert provision("up", str(BLUEPRINT), "--env", "pr-8", "--ttl", "4h", "--yes").exit_code == 0
    (first,) = discover_environments(target)
    # group, VNet, NSG, NAT gateway, 3 public IPs (2 frontends, the NAT's), LB, 2 NICs, 2 VMs
    assert first.expires is not None and first.resource_count == 12
    # A second `up` without --ttl (the next push to the PR) must not move or drop the expiry.
    assert provision("up", str(BLUEPRINT), "--env", "pr-8", "--yes").exit_code == 0
    (second,) = discover_environments(target)
    assert second.expires == first.expires

    after = format_timestamp(first.expires + timedelta(seconds=1))
    result = provision("cleanup", "--expired", "--yes", "--now", after, "-o", "json")
    assert result.exit_code == 0, result.stdout
    assert result.json()["summary"]["resources_deleted"] == 12
    assert discover_environments(target) == []
