"""Commands that call no cloud start without the Azure SDK.

``provision --help``, ``version``, ``schema`` and ``validate`` are what people run most often
and what editors and CI run on every change; the Azure SDK's model modules take several times
as long to import as Python, typer and pydantic together. Each command runs in a fresh
interpreter here, the way a shell starts it, and names every ``azure.mgmt`` module it loaded.
(How long it takes is ``bench/startup.py``'s business, not a test's.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: Run the CLI as the console script does, then report the exit code and the SDK modules loaded.
PROBE = """
import json, sys
sys.argv = ["provision", *json.loads(sys.argv[1])]
from provisioner.cli.app import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sdk = sorted(m for m in sys.modules if m.startswith("azure.mgmt"))
print("\\n" + json.dumps({"code": code, "sdk": sdk}), file=sys.stderr)
"""


def _run(*args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("AZURE_SUBSCRIPTION_ID", None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stderr.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("version",),
        ("schema",),
        ("validate", "blueprints/rule-type-1.yaml"),
        ("validate", "blueprints/mixed-rule-types.yaml", "--output", "json"),
        ("validate", "--help"),
        ("graph", "blueprints/rule-type-2-floating-ip.yaml"),
        ("graph", "blueprints/mixed-rule-types.yaml", "--format", "svg"),
        ("graph", "blueprints/internal-ha-ports.yaml", "--format", "html"),
        ("up", "--help"),
    ],
    ids=" ".join,
)
def test_commands_that_call_no_cloud_import_no_azure_sdk(args: tuple[str, ...]) -> None:
    result = _run(*args)
    assert result == {"code": 0, "sdk": []}


def test_an_invalid_blueprint_is_reported_without_the_sdk_too(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (ROOT / "blueprints" / "rule-type-1.yaml").read_text()
    bad.write_text(text.replace("port: 80", "port: 99999", 1))
    assert bad.read_text() != text
    result = _run("validate", str(bad))
    assert result == {"code": 2, "sdk": []}
