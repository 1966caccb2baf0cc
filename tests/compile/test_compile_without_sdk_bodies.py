"""``sdk_bodies=False`` (``validate``'s trial compile): the same state, bodies left as wire JSON.

``validate`` shows the resources, their dependencies and the mapping, and must refuse what a
real compile refuses, without paying for the Azure SDK. So the compile runs every step and only
skips turning wire JSON into SDK models: these tests hold it to exactly that.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from compile_helpers import BLUEPRINTS, context, load

from provisioner.compile import wire
from provisioner.compile.compiler import compile_blueprint
from provisioner.compile.machines import InvalidImage

PATHS = sorted(BLUEPRINTS.glob("*.yaml"))
ROOT = Path(__file__).resolve().parents[2]


def _without_bodies(**kwargs: object):
    return dataclasses.replace(context(**kwargs), sdk_bodies=False)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_same_resources_graph_mapping_and_guest_needs_as_a_real_compile(path: Path) -> None:
    bp = load(path)
    real = compile_blueprint(bp, context())
    light = compile_blueprint(bp, _without_bodies())

    assert list(light.resources) == list(real.resources)
    for key, resource in real.resources.items():
        other = light.resources[key]
        assert dataclasses.replace(other, body=None) == dataclasses.replace(resource, body=None)
    assert light.mapping == real.mapping
    assert light.guest == real.guest
    assert light.warnings == real.warnings
    assert light.tags == real.tags


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.name)
def test_each_body_is_the_wire_json_of_the_sdk_model(path: Path) -> None:
    bp = load(path)
    real = compile_blueprint(bp, context())
    light = compile_blueprint(bp, _without_bodies())

    for key, resource in real.resources.items():
        body, raw = resource.body, light.resources[key].body
        if hasattr(body, "as_dict"):
            assert isinstance(raw, dict), key
            assert wire.model(type(body), raw) == body, key
        else:  # none (referenced), or an adopted NIC's pool ids
            assert raw == body, key


def test_an_image_it_cannot_parse_is_refused_all_the_same() -> None:
    bp = load(BLUEPRINTS / "rule-type-1.yaml")
    vm = next(iter(bp.vms))
    broken = bp.model_copy(
        update={"vms": {**bp.vms, vm: bp.vms[vm].model_copy(update={"image": "not-an-image"})}}
    )
    with pytest.raises(InvalidImage) as real:
        compile_blueprint(broken, context())
    with pytest.raises(InvalidImage) as light:
        compile_blueprint(broken, _without_bodies())
    assert str(light.value) == str(real.value)


def test_a_compile_without_bodies_imports_no_azure_sdk() -> None:
    code = (
        "import json, sys\n"
        "sys.path.insert(0, 'tests/compile')\n"
        "import dataclasses\n"
        "from compile_helpers import BLUEPRINTS, context, load\n"
        "from provisioner.compile.compiler import compile_blueprint\n"
        "ctx = dataclasses.replace(context(), sdk_bodies=False)\n"
        "for path in sorted(BLUEPRINTS.glob('*.yaml')):\n"
        "    compile_blueprint(load(path), ctx)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('azure'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout) == []
