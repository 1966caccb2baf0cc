"""A brownfield id that names nothing, or the wrong type of resource, stops before any write.

It used to pass ``validate``, show "unchanged" in ``plan``, and let ``up`` build the group, the
public IP and the load balancer before failing at the guest step with "VM not created yet: run
provision up". Now the type is ``validate``'s (exit 2, no call) and existence ``plan``'s and
``up``'s (exit 1, reads only), each at the blueprint line of the id. The real CLI and SDK against
a local cloud.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from provisioner.cli.app import app
from tests.envs import world

WRITES = {"PUT", "POST", "PATCH", "DELETE"}

BLUEPRINT = """\
blueprint: 1
name: brown
location: westeurope
network:
  existing_id: {vnet}
  address_space: 10.9.0.0/16
  subnets:
    default: 10.9.0.0/24
vms:
  legacy:
    existing_id: {vm}
load_balancers:
  lb:
    type: public
    frontends:
      web: {{}}
    pools:
      app: [legacy]
    probes:
      health: {{protocol: tcp, port: 8080}}
    rules:
      web: {{frontend: web, protocol: tcp, port: 80, pool: app, probe: health, floating_ip: true}}
"""
VM_LINE = 11


@pytest.fixture
def cloud(tmp_path: Path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    lc.close()


@pytest.fixture
def theirs(cloud) -> dict[str, str]:
    """Another team's group and virtual network, and the id of a load balancer in it."""
    from provisioner.arm.target import open_target

    target = open_target("local", local_cloud=cloud)
    try:
        world.group(target, "theirs")
        vnet = world.vnet(target, "theirs", "their-vnet", "10.9.0.0/16")
        pip = world.public_ip(target, "theirs", "their-pip")
        lb = world.load_balancer(target, "theirs", "their-lb", pip, None)
    finally:
        target.close()
    return {
        "vnet": vnet,
        "lb": lb,
        "ghost": vnet.split("/providers/")[0] + "/providers/"
        "Microsoft.Compute/virtualMachines/ghost",
    }


def _provision(cloud, *args: str) -> Any:
    result = CliRunner().invoke(app, [*args, "--state", str(cloud.state_path)])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def _blueprint(tmp_path: Path, vnet: str, vm: str) -> Path:
    path = tmp_path / "brown.yaml"
    path.write_text(BLUEPRINT.format(vnet=vnet, vm=vm))
    return path


def _writes(cloud) -> list[Any]:
    return [r for r in cloud.request_log() if r.method.upper() in WRITES]


def test_up_with_a_missing_existing_vm_creates_nothing_and_names_the_line_and_the_id(
    cloud, theirs, tmp_path
):
    path = _blueprint(tmp_path, theirs["vnet"], theirs["ghost"])
    before = {r["id"].lower() for r in cloud.resources()}
    cloud.clear_request_log()

    up = _provision(cloud, "up", str(path), "--yes")

    assert up.exit_code == 1, up.stdout + up.stderr
    assert _writes(cloud) == []
    assert {r["id"].lower() for r in cloud.resources()} == before
    assert f"{path}:{VM_LINE}:" in up.stderr
    assert theirs["ghost"] in up.stderr and "InvalidResourceReference" in up.stderr
    assert "VM not created yet" not in up.stdout + up.stderr


def test_up_in_json_names_the_field_line_and_id(cloud, theirs, tmp_path):
    path = _blueprint(tmp_path, theirs["vnet"], theirs["ghost"])

    up = _provision(cloud, "up", str(path), "--yes", "--output", "json")

    assert up.exit_code == 1
    doc = json.loads(up.stdout)
    assert doc["ok"] is False
    (error,) = doc["errors"]
    assert (error["code"], error["field"], error["line"]) == (
        "InvalidResourceReference",
        "vms.legacy.existing_id",
        VM_LINE,
    )
    assert theirs["ghost"] in error["message"]


def test_plan_with_a_missing_existing_vm_exits_1_instead_of_showing_it_unchanged(
    cloud, theirs, tmp_path
):
    path = _blueprint(tmp_path, theirs["vnet"], theirs["ghost"])
    cloud.clear_request_log()

    plan = _provision(cloud, "plan", str(path))

    assert plan.exit_code == 1, plan.stdout + plan.stderr
    assert f"{path}:{VM_LINE}:" in plan.stderr and theirs["ghost"] in plan.stderr
    assert "unchanged" not in plan.stdout
    assert _writes(cloud) == []


def test_a_load_balancer_id_given_as_a_vm_is_refused_by_validate_and_up_without_a_call(
    cloud, theirs, tmp_path
):
    path = _blueprint(tmp_path, theirs["vnet"], theirs["lb"])

    validate = CliRunner().invoke(app, ["validate", str(path), "--output", "json"])
    assert validate.exit_code == 2, validate.stdout
    (error,) = json.loads(validate.stdout)["errors"]
    assert (error["code"], error["field"], error["line"]) == (
        "InvalidJsonReferenceWrongType",
        "vms.legacy.existing_id",
        VM_LINE,
    )
    assert "Microsoft.Network/loadBalancers" in error["message"]

    cloud.clear_request_log()
    up = _provision(cloud, "up", str(path), "--yes")
    assert up.exit_code == 2
    assert list(cloud.request_log()) == []
    assert f"{path}:{VM_LINE}:" in up.stderr
