"""Delivering a guest script to a VM through run-command, and recording the result in a tag.

The calls themselves are ``arm.run_command`` (with Azure's "one run-command at a time" quirk)
and ``arm.writes.patch_tags``; this module retries them under one policy and parses the output.
A retried script runs again from its start; every generated script is idempotent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from azure.core.exceptions import HttpResponseError

from provisioner.arm.reads import get_body
from provisioner.arm.retry import DEFAULT_POLICY, RetryPolicy, call_with_retry, describe, error_code
from provisioner.arm.run_command import is_run_command_busy, run_command
from provisioner.arm.target import Target
from provisioner.arm.writes import patch_tags
from provisioner.compile.desired import Kind
from provisioner.compile.tags import TAG_GUEST
from provisioner.guest.output import ScriptOutcome, parse_run_command_result
from provisioner.guest.spec import GuestScript, OsName


class DeliveryError(RuntimeError):
    """A run-command or tag call that Azure refused (after retries)."""

    def __init__(self, what: str, exc: BaseException) -> None:
        super().__init__(f"{what}: {error_code(exc)}: {describe(exc)}")
        self.code = error_code(exc)


class Delivery:
    """Run-commands and tag updates on one target, retried by one policy."""

    def __init__(
        self,
        target: Target,
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

        def once() -> Any:
            return run_command(self.target, resource_group, name, script.command_id, script.lines)

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
        vm_kind = Kind.VIRTUAL_MACHINE
        try:
            vm = self._call(name, lambda: get_body(self.target, vm_kind, resource_group, name))
            if vm is None:
                raise DeliveryError(f"tagging {name}", LookupError(f"VM {name} not found"))
            tags = dict(vm.get("tags") or {})
            if tags.get(TAG_GUEST) == value:
                return
            if value is None:
                tags.pop(TAG_GUEST, None)
            else:
                tags[TAG_GUEST] = value
            self._call(name, lambda: patch_tags(self.target, vm_kind, resource_group, name, tags))
        except HttpResponseError as exc:
            raise DeliveryError(f"tagging {name}", exc) from exc
