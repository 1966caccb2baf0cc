"""Fixtures for the guest tests (values in ``guest_helpers``, a name no other conftest shadows)."""

from __future__ import annotations

import pytest
from guest_helpers import seed_config

from provisioner.guest.spec import GuestConfig

__all__ = ["seed_config"]


@pytest.fixture
def linux_cfg() -> GuestConfig:
    return seed_config("linux")


@pytest.fixture
def windows_cfg() -> GuestConfig:
    return seed_config("windows")
