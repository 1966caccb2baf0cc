"""When the connection to Azure keeps failing, every command says so in one error and exits 1:
no traceback, and one JSON document under ``--output json`` (issue 16.6).

Every exception from the SDK or the transport leaves ``arm`` as a ``ProvisionerError``
(``arm.retry.cloud_error``); the connection is dropped by the local cloud's faults, before the
request reaches it (``ServiceRequestError``) or after (``ServiceResponseError``).
"""

from __future__ import annotations

import pytest

from provisioner.localcloud import FaultRule
from tests.e2e.conftest import BLUEPRINTS

BLUEPRINT = str(next(p for p in BLUEPRINTS if "floating" in p.stem))

COMMANDS = {
    "up": ["up", BLUEPRINT, "--env", "e", "--yes"],
    "plan": ["plan", BLUEPRINT, "--env", "e"],
    "status": ["status"],
    "status --env": ["status", "--env", "e"],
    "guest": ["guest", BLUEPRINT, "--env", "e", "--check"],
    "verify": ["verify", BLUEPRINT, "--env", "e"],
    "extend": ["extend", "--env", "e", "--ttl", "2h"],
    "cleanup": ["cleanup", "--env-prefix", "e", "--yes"],
    "down": ["down", "--env", "e", "--yes"],
}
DROPS = {"drop-before": "ConnectionFailed", "drop-after": "ConnectionDropped"}


@pytest.mark.parametrize("kind", sorted(DROPS))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_connection_that_keeps_dropping_is_one_error_with_exit_1(command, kind, cloud, cli):
    cloud.add_fault(FaultRule(kind=kind))
    run = cli(*COMMANDS[command], "--output", "json")
    assert run.exit_code == 1, run.stdout
    doc = run.json()
    assert doc["ok"] is False
    assert DROPS[kind] in str(doc["error"])


def test_in_text_the_error_is_one_line_on_stderr(cloud, cli):
    cloud.add_fault(FaultRule(kind="drop-before"))
    run = cli(*COMMANDS["up"])
    assert run.exit_code == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "ConnectionFailed" in errors[0]
    assert "Traceback" not in run.stderr + run.stdout
