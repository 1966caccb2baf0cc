"""The one error type the local cloud's rule checks raise."""

from __future__ import annotations


class RuleViolation(Exception):
    """A write Azure would refuse; the engine renders it as an ARM error body.

    ``status``/``code``/``message``/``details`` map one to one onto
    ``{"error": {"code", "message", "details"}}`` so SDK clients see what production returns.
    """

    def __init__(self, status: int, code: str, message: str, details: list[dict] | None = None):
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details or [])
