"""Delivering a guest script to a VM through run-command, and recording the result in a tag.

Azure runs one run-command per VM at a time and answers a second one with 409 ``Conflict``
"Run command extension execution is in progress" — not one of the codes ``apply.retry`` calls
transient (a 409 usually is a real conflict), so :func:`is_run_command_busy` adds it for these
calls only. Everything else (429, 5xx, dropped connections) is retried by ``apply.retry`` itself.
A retried script runs again from its start; every generated script is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import HttpResponseError
from azure.mgmt.compute.models import RunCommandInput, VirtualMachineUpdate

from provisioner.apply.retry import (
    DEFAULT_POLICY,
    RetryPolicy,
    call_with_retry,
    describe,
    error_code,
    error_codes,
)
from provisioner.guest.output import ScriptOutcome, parse_run_command_result
from provisioner.guest.resolve import GUEST_TAG
from provisioner.guest.spec import GuestScript, OsName

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


class DeliveryError(RuntimeError):
    """A run-command or tag call that Azure refused (after retries)."""

    def __init__(self, what: str, exc: BaseException) -> None:
        super().__init__(f"{what}: {error_code(exc)}: {describe(exc)}")
        self.code = error_code(exc)


class Delivery:
    """Run-commands and tag updates on one target, retried by one policy."""

    def __init__(
        self,
        target: Any,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        on_retry: Callable[[str, BaseException, float], None] | None = None,
    ) -> None:
        self.target = target
        self.policy = policy
        self.on_retry = on_retry

    def _call(self, vm: str, fn: Callable[[], Any]) -> Any:
        def retried(exc: BaseException, wait: float) -> None:
            if self.on_retry is not None:
                self.on_retry(vm, exc, wait)

        return call_with_retry(
            fn,
            sleep=self.target.sleep,
            policy=self.policy,
            on_retry=retried,
            retry_also=is_run_command_busy,
        )

    def run(self, resource_group: str, name: str, script: GuestScript, os: OsName) -> ScriptOutcome:
        """Run ``script`` on the VM and parse what it printed (exit status from its RESULT line)."""
        body = RunCommandInput(command_id=script.command_id, script=list(script.lines))
        vms = self.target.compute.virtual_machines

        def once() -> Any:
            return vms.begin_run_command(resource_group, name, body).result()

        try:
            result = self._call(name, once)
        except HttpResponseError as exc:
            raise DeliveryError(f"run-command on {name}", exc) from exc
        return parse_run_command_result(result, os)

    def set_tag(self, resource_group: str, name: str, value: str | None) -> None:
        """Set (or, with None, remove) the ``provisioner-guest`` tag, keeping every other tag.

        A tag-only PATCH: Azure replaces the tag set as a whole, so the live tags are read
        first. Nothing is written when the tag already has the value.
        """
        vms = self.target.compute.virtual_machines
        try:
            vm = self._call(name, lambda: vms.get(resource_group, name))
            tags = dict(vm.tags or {})
            if tags.get(GUEST_TAG) == value:
                return
            if value is None:
                tags.pop(GUEST_TAG, None)
            else:
                tags[GUEST_TAG] = value
            update = VirtualMachineUpdate(tags=tags)
            self._call(name, lambda: vms.begin_update(resource_group, name, update).result())
        except HttpResponseError as exc:
            raise DeliveryError(f"tagging {name}", exc) from exc
