"""Kill -9 an `up` at random points mid-flight; the next `up` converges, with no duplicates."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provisioner.localcloud import LocalCloud
from tests.e2e.conftest import BLUEPRINTS, ROOT, env_resources

BLUEPRINT = next(p for p in BLUEPRINTS if "floating" in p.stem)
ENV = "killed"


def _writes(cloud: LocalCloud) -> int:
    return sum(1 for r in cloud.request_log() if r.method in ("PUT", "DELETE", "POST", "PATCH"))


def _up_subprocess(state: Path) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "provisioner",
        "up",
        str(BLUEPRINT),
        "--env",
        ENV,
        "--yes",
        "--state",
        str(state),
    ]
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_up_killed_mid_flight_converges_on_rerun(seed, tmp_path, cli, cloud):
    rng = random.Random(seed)
    state = Path(cloud.state_path)
    cloud.set_time_scale(0.02)  # a VM PUT (30 virtual s) takes 0.6 s: kills land mid-flight
    killed = 0
    for _round in range(2):
        kill_after = rng.randint(1, 8)  # writes the victim gets to make before it dies
        proc = _up_subprocess(state)
        deadline = time.monotonic() + 60
        while _writes(cloud) < kill_after and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)  # waiting for the victim, not for virtual time
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        proc.wait()
        cloud.clear_request_log()

    assert killed, "at least one up must have died mid-flight"
    cloud.set_time_scale(0)
    final = cli("up", str(BLUEPRINT), "--env", ENV, "--yes", "--output", "json")
    assert final.exit_code == 0, final.stdout + final.stderr
    plan = cli("plan", str(BLUEPRINT), "--env", ENV, "--detailed-exitcode", "--output", "json")
    assert plan.exit_code == 0, plan.json()["changes"]

    ids = [str(r["id"] if isinstance(r, dict) else r.id).lower() for r in env_resources(cloud, ENV)]
    assert len(ids) == len(set(ids)), "no resource exists twice"
    expected = {r["id"].lower() for r in final.json()["resources"]}
    assert expected <= set(ids)
