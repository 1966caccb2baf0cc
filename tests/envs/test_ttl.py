"""Expiry arithmetic: what ``--ttl`` accepts and the timestamps it writes."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provisioner.envs.ttl import (
    InvalidDuration,
    expiry_from,
    format_timestamp,
    is_expired,
    parse_duration,
    parse_timestamp,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [("30m", timedelta(minutes=30)), ("4h", timedelta(hours=4)), ("2d", timedelta(days=2))],
)
def test_minutes_hours_and_days_are_accepted(text, delta):
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "4", "h", "0h", "-1h", "4 h", "4H", "1w", "1.5h", "4hours"])
def test_anything_else_is_invalid_input_with_exit_code_2(text):
    with pytest.raises(InvalidDuration) as err:
        parse_duration(text)
    assert err.value.exit_code == 2
    assert "30m, 4h, 2d" in str(err.value)


def test_expiry_is_iso_8601_utc_counted_from_the_given_now():
    assert expiry_from(NOW, "4h") == "2025-03-01T16:00:00Z"
    assert expiry_from(NOW, "2d") == "2025-03-03T12:00:00Z"


def test_a_non_utc_now_still_writes_utc():
    from datetime import timezone

    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    assert expiry_from(paris, "30m") == "2025-03-01T12:30:00Z"


@given(st.datetimes(timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0)))
def test_written_timestamps_read_back_to_the_same_instant(moment):
    assert parse_timestamp(format_timestamp(moment)) == moment


def test_unreadable_or_missing_expiry_never_counts_as_expired():
    for value in (None, "", "tomorrow", "2025-13-40"):
        assert is_expired(parse_timestamp(value), NOW) is False


def test_expired_means_strictly_before_now():
    assert is_expired(NOW - timedelta(seconds=1), NOW)
    assert not is_expired(NOW, NOW)
