"""Run-command: a script run inside a VM by its agent, the one way the tool reaches a guest OS.

Azure runs one run-command per VM at a time and answers a second one with 409 ``Conflict``
"Run command extension execution is in progress" — not one of the codes ``arm.retry`` calls
transient (a 409 usually is a real conflict), so :func:`is_run_command_busy` adds it for
run-command calls only. When it answers ours, the running one is ours too (the POST whose
answer was lost): it is waited for, within the policy's seconds, and the script sent again —
its result cannot be fetched without the operation's URL, and every generated script is
idempotent. A failed status poll is polled again in place (``arm.retry.RetryReads``); 429,
5xx and dropped connections on the POST itself send it again (``arm.write_once``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from azure.core.exceptions import HttpResponseError

from provisioner.arm.retry import Retrier, describe, error_codes
from provisioner.arm.write_once import write_once

if TYPE_CHECKING:
    from provisioner.arm.target import Target

BUSY_TEXT = "run command extension execution is in progress"
BUSY_CODE = "conflict.runcommandinprogress"


def is_run_command_busy(exc: BaseException) -> bool:
    """409 while another run-command on the same VM has not finished."""
    if not isinstance(exc, HttpResponseError) or exc.status_code != 409:
        return False
    codes = {c.lower() for c in error_codes(exc)}
    if BUSY_CODE in codes:
        return True
    text = (describe(exc) + " " + str(exc)).lower()
    return BUSY_TEXT in text


def run_command(
    target: Target,
    resource_group: str,
    name: str,
    command_id: str,
    script: Sequence[str],
    *,
    retry: Retrier | None = None,
) -> Any:
    """Run ``script`` on the VM and wait; returns the SDK's ``RunCommandResult`` (its
    ``value`` holds the instance view's stdout and stderr). Without ``retry``, one attempt."""
    from azure.mgmt.compute.models import RunCommandInput

    body = RunCommandInput(command_id=command_id, script=list(script))
    vms = target.compute.virtual_machines
    return write_once(
        retry, lambda: vms.begin_run_command(resource_group, name, body), busy=is_run_command_busy
    )
