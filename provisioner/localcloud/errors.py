"""The one error type of the local cloud: an ARM error, rendered as ARM's error body.

Every request handler raises :class:`ArmError`; the application turns it into
``{"error": {"code", "message", "details": []}}`` with the right HTTP status, so a client
sees exactly the exception it would see from Azure (``ResourceNotFoundError`` on 404 ...).
The helpers here word ARM's front door (not found, no such group); a refusal of what a write
asks for is not made here but by the rules (``rules/catalog.py``), through ``rulecheck``.
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """An error response: HTTP status, ARM error code, message, details, extra headers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        *,
        target: str | None = None,
        additional_info: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers or {}
        self.target = target
        self.additional_info = additional_info or []

    def body(self) -> dict[str, Any]:
        """The JSON document ARM sends for this error."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        error["details"] = self.details
        if self.additional_info:
            error["additionalInfo"] = self.additional_info
        return {"error": error}


def resource_not_found(type_name: str, name: str, rg: str) -> ArmError:
    """A missing top-level resource, worded as ARM's front door words it."""
    return ArmError(
        404,
        "ResourceNotFound",
        f"The Resource '{type_name}/{name}' under resource group '{rg}' was not found. "
        "For more details please go to https://aka.ms/ARMResourceNotFoundFix",
    )


def child_not_found(resource_id: str) -> ArmError:
    """A missing nested resource (served by the resource provider itself)."""
    return ArmError(404, "NotFound", f"Resource {resource_id} not found.")


def group_not_found(rg: str) -> ArmError:
    return ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")


def malformed_body(detail: str) -> ArmError:
    return ArmError(
        400,
        "InvalidRequestFormat",
        "Cannot parse the request.",
        [{"code": "InvalidJson", "message": detail}],
    )
