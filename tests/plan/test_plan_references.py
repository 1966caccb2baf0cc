"""Brownfield ids are read before anything is written (issue 16, item 9): one finding per id that
names nothing, at the field that names it. Real SDK clients against a local cloud."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError

from provisioner.arm.retry import direct
from provisioner.blueprint.loader import parse_blueprint
from provisioner.plan import references
from provisioner.plan.references import MissingReferences, missing_references, verify_existing
from tests.envs import world

BLUEPRINT = """\
blueprint: 1
name: brown
location: westeurope
resource_group_id: {group}
network:
  existing_id: {vnet}
  address_space: 10.9.0.0/16
  subnets:
    default: 10.9.0.0/24
vms:
  legacy: {{existing_id: {vm}}}
load_balancers:
  lb:
    type: public
    frontends:
      web: {{public_ip_id: {pip}}}
    pools:
      app: [legacy]
    rules:
      web: {{frontend: web, port: 80, pool: app}}
"""


@pytest.fixture
def cloud(tmp_path: Path):
    from provisioner.localcloud import LocalCloud

    lc = LocalCloud(state_path=tmp_path / "cloud.sqlite")
    lc.set_time_scale(0)
    yield lc
    lc.close()


@pytest.fixture
def target(cloud):
    from provisioner.arm.target import open_target

    t = open_target("local", local_cloud=cloud)
    yield t
    t.close()


@pytest.fixture
def theirs(target) -> dict[str, str]:
    """Someone else's group with a virtual network, a VM and a public IP."""
    group = world.group(target, "theirs")
    vnet = world.vnet(target, "theirs", "their-vnet", "10.9.0.0/16")
    nic = world.nic(target, "theirs", "legacy-nic", f"{vnet}/subnets/default", None, None)
    vm = world.vm(target, "theirs", "legacy", nic, None)
    pip = world.public_ip(target, "theirs", "their-pip")
    return {"group": group, "vnet": vnet, "vm": vm, "pip": pip}


def _loaded(ids: dict[str, str], subnets: str = "default: 10.9.0.0/24"):
    text = BLUEPRINT.format(**ids).replace("default: 10.9.0.0/24", subnets)
    return parse_blueprint(text, "brown.yaml")


def _ghost(real_id: str) -> str:
    return real_id.rsplit("/", 1)[0] + "/ghost"


def test_references_that_all_exist_pass_with_one_read_each(cloud, target, theirs):
    loaded = _loaded(theirs)
    cloud.clear_request_log()

    assert missing_references(target, loaded.blueprint, direct) == []
    assert [r.method.upper() for r in cloud.request_log()] == ["GET"] * 4


@pytest.mark.parametrize(
    ("field", "path", "noun"),
    [
        ("vm", ("vms", "legacy", "existing_id"), "virtual machine"),
        ("vnet", ("network", "existing_id"), "virtual network"),
        ("pip", ("load_balancers", "lb", "frontends", "web", "public_ip_id"), "public IP address"),
        ("group", ("resource_group_id",), "resource group"),
    ],
)
def test_a_reference_to_nothing_is_a_finding_at_its_field_naming_the_id(
    target, theirs, field, path, noun
):
    ids = {**theirs, field: _ghost(theirs[field])}

    (finding,) = missing_references(target, _loaded(ids).blueprint, direct)

    assert finding.code == "InvalidResourceReference"
    assert finding.path == path
    assert finding.message.startswith(f"{noun} 'ghost'")
    assert ids[field] in finding.message and "does not exist" in finding.message


def test_every_missing_reference_is_reported_at_once_with_its_line(target, theirs):
    ids = {**theirs, "vm": _ghost(theirs["vm"]), "pip": _ghost(theirs["pip"])}
    loaded = _loaded(ids)

    with pytest.raises(MissingReferences) as caught:
        verify_existing(target, loaded.blueprint, loaded.source)

    assert caught.value.exit_code == 1
    assert [(f.field, f.location.line) for f in caught.value.findings] == [
        ("vms.legacy.existing_id", 11),
        ("load_balancers.lb.frontends.web.public_ip_id", 16),
    ]
    assert "nothing was written" in str(caught.value)


def test_a_subnet_the_existing_network_lacks_is_reported(target, theirs):
    loaded = _loaded(theirs, subnets="default: 10.9.0.0/24\n    backend: 10.9.1.0/24")

    (finding,) = missing_references(target, loaded.blueprint, direct)

    assert finding.path == ("network", "subnets", "backend")
    assert "their-vnet" in finding.message and "it has: default" in finding.message


def test_an_id_in_another_subscription_is_reported_without_reading_it(cloud, target, theirs):
    other = theirs["vm"].replace(target.subscription_id, "11111111-1111-1111-1111-111111111111")
    loaded = _loaded({**theirs, "vm": other})
    cloud.clear_request_log()

    (finding,) = missing_references(target, loaded.blueprint, direct)

    assert finding.path == ("vms", "legacy", "existing_id")
    assert "11111111-1111-1111-1111-111111111111" in finding.message
    assert target.subscription_id in finding.message
    assert not any("ghost" in r.path or "11111111" in r.path for r in cloud.request_log())


def test_a_reference_that_cannot_be_read_is_reported_with_azures_code(
    target, theirs, monkeypatch: pytest.MonkeyPatch
):
    real = references.get_by_id

    def forbidden(t, kind, resource_id, call):
        if "virtualMachines" in resource_id:
            exc = HttpResponseError(message="no read permission")
            exc.status_code = 403
            raise exc
        return real(t, kind, resource_id, call)

    monkeypatch.setattr(references, "get_by_id", forbidden)

    (finding,) = missing_references(target, _loaded(theirs).blueprint, direct)

    assert finding.path == ("vms", "legacy", "existing_id")
    assert "could not be read" in finding.message and "HTTP403" in finding.message


def test_an_id_of_the_wrong_type_is_left_to_validate(cloud, target, theirs):
    """validate reports it (InvalidJsonReferenceWrongType); nothing is read for it here."""
    loaded = _loaded({**theirs, "vm": theirs["pip"]})
    cloud.clear_request_log()

    assert missing_references(target, loaded.blueprint, direct) == []
    assert len(cloud.request_log()) == 3
