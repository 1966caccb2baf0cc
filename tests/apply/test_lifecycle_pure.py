"""--ttl and the expiry tag: a new TTL replaces it, a re-run without one keeps it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from provisioner.apply.lifecycle import parse_ttl, resolve_expiry
from provisioner.apply.secrets import fill_placeholders, generate_password
from provisioner.compile.secrets import GENERATED_PASSWORD, GENERATED_SSH_KEY
from provisioner.errors import UserInputError

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def test_ttl_units():
    assert parse_ttl("30m").total_seconds() == 1800
    assert parse_ttl("4h").total_seconds() == 4 * 3600
    assert parse_ttl("2d").days == 2


@pytest.mark.parametrize("bad", ["4", "h", "0h", "4w", "-1h", "1.5h"])
def test_bad_ttl_is_a_user_error(bad):
    with pytest.raises(UserInputError):
        parse_ttl(bad)


def test_ttl_sets_expiry_and_rerun_keeps_it():
    assert resolve_expiry("4h", None, "2024-12-31T00:00:00Z", NOW) == "2025-01-01T16:00:00Z"
    assert resolve_expiry(None, "1d", "2024-12-31T00:00:00Z", NOW) == "2024-12-31T00:00:00Z"
    assert resolve_expiry(None, "1d", None, NOW) == "2025-01-02T12:00:00Z"
    assert resolve_expiry(None, None, None, NOW) is None


def test_ttl_never_moves_the_expiry_earlier():
    """A re-run of the same CI job (``up --ttl 4h``) neither shortens the environment's life
    nor churns it (issue 12.3); an unreadable live expiry is replaced."""
    later = "2025-01-02T00:00:00Z"
    assert resolve_expiry("4h", None, later, NOW) == later
    assert resolve_expiry("1d", None, later, NOW) == "2025-01-02T12:00:00Z"
    assert resolve_expiry("4h", None, "next tuesday", NOW) == "2025-01-01T16:00:00Z"


def test_placeholders_become_fresh_secrets_only_in_the_create_body():
    body = {
        "osProfile": {
            "adminPassword": GENERATED_PASSWORD,
            "linuxConfiguration": {"ssh": {"publicKeys": [{"keyData": GENERATED_SSH_KEY}]}},
        }
    }
    filled = fill_placeholders(body)
    assert body["osProfile"]["adminPassword"] == GENERATED_PASSWORD  # the input is untouched
    assert filled["osProfile"]["adminPassword"] != GENERATED_PASSWORD
    key = filled["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"]
    assert key.startswith("ssh-rsa ")


def test_generated_passwords_meet_azure_complexity():
    pw = generate_password()
    assert len(pw) >= 12
    assert any(c.islower() for c in pw) and any(c.isupper() for c in pw)
    assert any(c.isdigit() for c in pw) and any(not c.isalnum() for c in pw)


def test_created_is_kept_from_live_else_now():
    from provisioner.apply.lifecycle import resolve_created

    assert resolve_created("2024-12-31T00:00:00Z", NOW) == "2024-12-31T00:00:00Z"
    assert resolve_created(None, NOW) == "2025-01-01T12:00:00Z"


def test_ttl_errors_name_the_option_and_use_one_grammar():
    from provisioner.envs.ttl import InvalidDuration

    with pytest.raises(InvalidDuration, match="--ttl"):
        parse_ttl("4w")
    with pytest.raises(InvalidDuration, match="defaults.ttl"):
        resolve_expiry(None, "soon", None, NOW)
