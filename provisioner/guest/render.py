"""The three script renderers, one entry point per action whatever the OS."""

from __future__ import annotations

from provisioner.guest.linux import render_linux
from provisioner.guest.markers import Action
from provisioner.guest.spec import GuestConfig, GuestScript
from provisioner.guest.windows import render_windows


def _render(cfg: GuestConfig, action: Action) -> GuestScript:
    if cfg.os == "linux":
        return render_linux(cfg, action)
    return render_windows(cfg, action)


def render_apply(cfg: GuestConfig) -> GuestScript:
    """Make the VM hold its frontend IPs and open its firewall for them; safe to repeat.

    Also prunes what an earlier apply added and ``cfg`` no longer asks for.
    """
    return _render(cfg, "apply")


def render_remove(cfg: GuestConfig) -> GuestScript:
    """Undo what apply added (addresses, persistence, firewall entries); safe to repeat."""
    return _render(cfg, "remove")


def render_check(cfg: GuestConfig) -> GuestScript:
    """Report (``PROVISIONER-CHECK``) what the VM holds, opens and listens on; changes nothing."""
    return _render(cfg, "check")
