"""Linux guest scripts (POSIX sh, run as root by RunShellScript): apply, remove, check.

A script is a short data header rendered from a ``GuestConfig`` (every value parsed, then
single-quoted) followed by one fixed library of sh functions (``guest-lib-linux.sh``) and a call
for the action. The library never interpolates anything but those header variables, whose
characters are limited to address, protocol and port characters; ``set -f`` stops globbing on the
deliberate word splits.

State lives in ``/etc/provisioner`` (what apply added: addresses, firewall entries), so a later
apply prunes what the blueprint no longer asks for and remove undoes exactly what was added.
Besides the frontend IPs the scripts open the health probe ports on the NIC address (from the
probe source where there is one) and, for an appliance, turn IPv4 forwarding on and persist it.
"""

from __future__ import annotations

from collections.abc import Iterable

from provisioner.guest.markers import Action, library, manifest_line
from provisioner.guest.quoting import sh_quote
from provisioner.guest.spec import GuestConfig, GuestScript, Listener, ProbePort

UNIT_NAME = "provisioner-loopback.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT_NAME}"
STATE_DIR = "/etc/provisioner"
ADDR_FILE = f"{STATE_DIR}/loopback-addresses"
FW_FILE = f"{STATE_DIR}/firewall-opened"
FWD_FILE = f"{STATE_DIR}/ip-forward-before"
#: Persists IPv4 forwarding (``ip_forwarding: true``) across reboots: read by systemd-sysctl and
#: procps at boot.
SYSCTL_FILE = "/etc/sysctl.d/60-provisioner-forwarding.conf"


def _prefix(cfg_address: object) -> str:
    text = str(cfg_address)
    return f"{text}/128" if ":" in text else f"{text}/32"


def _words(items: Iterable[Listener | ProbePort]) -> str:
    """Tokens (``Listener.token``, ``ProbePort.token``), one word each, split again by the
    library's ``split``."""
    return " ".join(item.token for item in items)


def _header(cfg: GuestConfig, action: Action) -> list[str]:
    addrs = " ".join(_prefix(a) for a in cfg.addresses)
    return [
        "#!/bin/sh",
        manifest_line(cfg, action),
        f"# provisioner: Floating IP guest setup ({action}) for VM {cfg.vm}."
        " Generated; safe to run again.",
        "set -u -f",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "export PATH",
        f"VM={sh_quote(cfg.vm)}",
        f"ADDRS={sh_quote(addrs)}",
        f"LISTENERS={sh_quote(_words(cfg.listeners))}",
        f"OPEN={sh_quote(_words(cfg.open))}",
        f"PROBES={sh_quote(_words(cfg.probes))}",
        f"FIREWALL={sh_quote(cfg.firewall)}",
        f"PERSIST={sh_quote('yes' if cfg.persist else 'no')}",
        f"FORWARD={sh_quote('yes' if cfg.forwarding else 'no')}",
    ]


_LIBRARY = library(
    "guest-lib-linux.sh",
    STATE_DIR=STATE_DIR,
    ADDR_FILE=ADDR_FILE,
    FW_FILE=FW_FILE,
    UNIT_NAME=UNIT_NAME,
    UNIT_PATH=UNIT_PATH,
    SYSCTL_FILE=SYSCTL_FILE,
    FWD_FILE=FWD_FILE,
)


def render_linux(cfg: GuestConfig, action: Action) -> GuestScript:
    """The sh script for ``action`` on a Linux VM (RunShellScript runs it as root)."""
    lines = [*_header(cfg, action), *_LIBRARY, f"do_{action}"]
    return GuestScript(command_id="RunShellScript", lines=lines)
