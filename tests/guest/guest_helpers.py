"""Shared values for the guest tests: the seeds' scenario as a guest configuration."""

from __future__ import annotations

from provisioner.guest.spec import GuestConfig, Listener


def seed_config(os: str = "linux", **kw: object) -> GuestConfig:
    """Seed 002's two frontends on port 80, plus UDP, IPv6 and HA ports to cover every branch.

    Documentation addresses stand in for the seed's 65.52.0.1/65.52.0.2.
    """
    listeners = (
        Listener("198.51.100.1", "tcp", 80),
        Listener("198.51.100.2", "tcp", 80),
        Listener("198.51.100.2", "udp", 53),
        Listener("203.0.113.9", "all", 0),
        Listener("2001:db8::10", "tcp", 443),
    )
    return GuestConfig(vm="vm1", os=os, listeners=listeners, **kw)  # type: ignore[arg-type]
