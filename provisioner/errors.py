"""Errors a user can cause, each with a code, a place and a hint; the CLI renders them once.

Internal bugs are not in this hierarchy and may traceback; a user mistake never does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlueprintPath = tuple[str | int, ...]


@dataclass(frozen=True)
class SourceLocation:
    file: str
    line: int  # 1-based
    column: int  # 1-based

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Finding:
    """One problem in a blueprint: an error (exit 2) or a warning (shown, not fatal).

    ``code`` is Azure's own error code where Azure has one
    (``RulesUseSameBackendPortProtocolAndPool``), else a loader code (``UnknownField``,
    ``InvalidValue``…). ``path`` is where in the document;
    ``related`` are the other places involved (the second conflicting rule, say).
    """

    code: str
    message: str
    path: BlueprintPath = ()
    hint: str | None = None
    severity: Literal["error", "warning"] = "error"
    related: tuple[BlueprintPath, ...] = ()
    location: SourceLocation | None = None
    related_locations: tuple[SourceLocation, ...] = field(default=())

    @property
    def field(self) -> str:
        return ".".join(str(p) for p in self.path)


class ProvisionerError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class UserInputError(ProvisionerError):
    """Bad input: nothing was called, nothing was created. Exit 2."""

    exit_code = 2


class BlueprintInvalid(UserInputError):
    def __init__(self, file: str, findings: list[Finding]) -> None:
        self.file = file
        self.findings = findings
        errors = [f for f in findings if f.severity == "error"]
        super().__init__(f"{file}: {len(errors)} error(s)")


class CloudError(ProvisionerError):
    """Azure refused a call, or the connection to it failed, after the retries the policy allows.

    ``code`` is Azure's error code (``AuthorizationFailed``), else the HTTP status
    (``HTTP502``), else what happened to the connection (``ConnectionFailed``,
    ``ConnectionDropped``). ``cause`` is the SDK's exception, for code that needs Azure's
    details (``provisioner.arm.retry`` reads codes and statuses through it). Built by
    ``provisioner.arm.retry.cloud_error``, the one translation from the SDK's exceptions.
    """

    exit_code = 1

    def __init__(
        self, code: str, message: str, *, what: str = "", cause: BaseException | None = None
    ) -> None:
        self.code, self.message, self.what, self.cause = code, message, what, cause
        prefix = f"{what}: " if what else ""
        super().__init__(f"{prefix}{code}: {message}")


class ApplyFailed(ProvisionerError):
    """A non-transient Azure error while applying: the code Azure gave, the resource, the source."""

    exit_code = 1

    def __init__(
        self,
        code: str,
        message: str,
        resource: str,
        location: SourceLocation | None = None,
        hint: str | None = None,
    ) -> None:
        self.code, self.message, self.resource, self.location = code, message, resource, location
        #: What the user can change, when the tool knows (a policy refusal, say).
        self.hint = hint
        where = f" ({location})" if location else ""
        super().__init__(f"{resource}: {code}: {message}{where}")
