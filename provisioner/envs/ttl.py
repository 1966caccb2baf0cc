"""Expiry: ``--ttl`` durations and the ``provisioner-expires`` timestamps they become.

"now" is always a parameter: the CLI passes the wall clock, tests pass whatever instant they need,
so nothing here ever waits or reads the clock itself. The parsing and formatting live in
``provisioner.apply.durations`` (``up`` needs them too, and ``apply`` must not import ``envs``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from provisioner.apply.durations import (
    InvalidDuration,
    format_timestamp,
    parse_duration,
    parse_timestamp,
)

__all__ = [
    "InvalidDuration",
    "expiry_from",
    "format_timestamp",
    "is_expired",
    "parse_duration",
    "parse_timestamp",
    "utc_now",
]


def utc_now() -> datetime:
    """The wall clock, in UTC: the CLI's default "now"."""
    return datetime.now(UTC)


def expiry_from(now: datetime, ttl: str, option: str = "--ttl") -> str:
    """The ``provisioner-expires`` value for a TTL counted from ``now``."""
    return format_timestamp(now + parse_duration(ttl, option))


def is_expired(expires: datetime | None, now: datetime) -> bool:
    """Strictly past its expiry. No expiry means never expired."""
    return expires is not None and expires < now
