"""Delivering a guest script to a VM through run-command, and recording the result in a tag.

The calls themselves are ``arm.run_command`` (with Azure's "one run-command at a time" quirk)
and ``arm.writes.patch_tags``; this module gives them one retry policy (each failed request is
retried as itself, see ``arm.write_once``) and parses the output. A script sent again runs
from its start; every generated script is idempotent. Whatever still fails — Azure's refusal or
a connection dropped on the last attempt — is a :class:`DeliveryError`, reported on the VM's
line, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable

from azure.core.exceptions import AzureError

from provisioner.arm.reads import get_body
from provisioner.arm.retry import (
    DEFAULT_POLICY,
    Retrier,
    RetryPolicy,
    describe,
    error_code,
    retrier,
)
from provisioner.arm.run_command import run_command
from provisioner.arm.target import Target
from provisioner.arm.writes import patch_tags
from provisioner.compile.desired import Kind
from provisioner.compile.tags import TAG_GUEST
from provisioner.errors import CloudError
from provisioner.guest.output import ScriptOutcome, parse_run_command_result
from provisioner.guest.spec import GuestScript, OsName


class DeliveryError(CloudError):
    """A run-command or tag call that failed after retries: Azure refused it, or the connection
    dropped on the last attempt."""

    def __init__(self, what: str, exc: BaseException) -> None:
        cause = exc.cause if isinstance(exc, CloudError) else exc
        super().__init__(error_code(exc), describe(exc), what=what, cause=cause)


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

    def _retry(self, vm: str) -> Retrier:
        def retried(exc: BaseException, wait: float) -> None:
            if self.on_retry is not None:
                self.on_retry(vm, exc, wait)

        return retrier(self.target, self.policy, retried)

    def run(self, resource_group: str, name: str, script: GuestScript, os: OsName) -> ScriptOutcome:
        """Run ``script`` on the VM and parse what it printed (exit status from its RESULT line)."""
        try:
            result = run_command(
                self.target,
                resource_group,
                name,
                script.command_id,
                script.lines,
                retry=self._retry(name),
            )
        except (AzureError, CloudError) as exc:
            raise DeliveryError(f"run-command on {name}", exc) from exc
        return parse_run_command_result(result, os)

    def set_tag(self, resource_group: str, name: str, value: str | None) -> None:
        """Set (or, with None, remove) the ``provisioner-guest`` tag, keeping every other tag.

        A tag-only PATCH: Azure replaces the tag set as a whole, so the live tags are read
        first. Nothing is written when the tag already has the value.
        """
        vm_kind = Kind.VIRTUAL_MACHINE
        retry = self._retry(name)
        try:
            vm = get_body(self.target, vm_kind, resource_group, name, retry)
            if vm is None:
                raise DeliveryError(f"tagging {name}", LookupError(f"VM {name} not found"))
            tags = dict(vm.get("tags") or {})
            if tags.get(TAG_GUEST) == value:
                return
            if value is None:
                tags.pop(TAG_GUEST, None)
            else:
                tags[TAG_GUEST] = value
            patch_tags(self.target, vm_kind, resource_group, name, tags, retry=retry)
        except DeliveryError:
            raise
        except (AzureError, CloudError) as exc:
            raise DeliveryError(f"tagging {name}", exc) from exc
