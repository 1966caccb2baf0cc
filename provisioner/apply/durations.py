"""Durations (``--ttl 4h``) and the ISO 8601 timestamps the expiry/creation tags hold.

Pure and dependency-free, so that ``apply`` (``up --ttl``) and ``envs`` (cleanup, extend, status)
parse and write them with one implementation; ``provisioner.envs.ttl`` re-exports them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from provisioner.errors import UserInputError

_DURATION = re.compile(r"^([1-9][0-9]*)([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}

#: A hundred years: anything longer is a typo, and would overflow timestamps near year 9999.
MAX_DURATION = timedelta(days=36500)


class InvalidDuration(UserInputError):
    """A ``--ttl`` / ``--older-than`` value that is not ``<n>m``, ``<n>h`` or ``<n>d``. Exit 2."""

    def __init__(self, option: str, value: str) -> None:
        self.option, self.value = option, value
        super().__init__(
            f"{option} {value!r} is not a duration; write a whole number followed by "
            "m (minutes), h (hours) or d (days), e.g. 30m, 4h, 2d"
        )


def parse_duration(value: str, option: str = "--ttl") -> timedelta:
    """``"30m"`` → 30 minutes, ``"4h"`` → 4 hours, ``"2d"`` → 2 days; anything else raises.

    The grammar is the blueprint's ``defaults.ttl`` one, so a value that validates in a blueprint
    is accepted on the command line and vice versa.
    """
    match = _DURATION.match(value.strip())
    if not match:
        raise InvalidDuration(option, value)
    amount, unit = int(match.group(1)), match.group(2)
    try:
        delta = timedelta(**{_UNITS[unit]: amount})
    except OverflowError as exc:
        raise InvalidDuration(option, value) from exc
    if delta > MAX_DURATION:
        raise InvalidDuration(option, value)
    return delta


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 UTC to the second, ``2025-03-01T16:00:00Z``: what the expiry tag holds."""
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    utc = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return utc.isoformat(timespec="seconds") + "Z"


def parse_timestamp(value: str | None) -> datetime | None:
    """Read an expiry/creation tag back; ``None`` for a missing or unreadable value.

    Unreadable is not an error: a tag someone edited by hand must make the environment look
    *unexpired* (kept), never expired (deleted).
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:  # a naive time in a tag we wrote can only be UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
