"""Linux guest scripts (POSIX sh, run as root by RunShellScript): apply, remove, check.

A script is a short data header rendered from a ``GuestConfig`` (every value parsed, then
single-quoted) followed by one fixed library of sh functions (``guest-lib-linux.sh``) and a call
for the action. The library never interpolates anything but those header variables, whose
characters are limited to address, protocol and port characters; ``set -f`` stops globbing on the
deliberate word splits.

State lives in ``/etc/provisioner`` (what apply added: addresses, firewall entries), so a later
apply prunes what the blueprint no longer asks for and remove undoes exactly what was added.
"""

from __future__ import annotations

from provisioner.guest.markers import Action, library, manifest_line
from provisioner.guest.quoting import sh_quote
from provisioner.guest.spec import GuestConfig, GuestScript, Listener

UNIT_NAME = "provisioner-loopback.service"
UNIT_PATH = f"/etc/systemd/system/{UNIT_NAME}"
STATE_DIR = "/etc/provisioner"
ADDR_FILE = f"{STATE_DIR}/loopback-addresses"
FW_FILE = f"{STATE_DIR}/firewall-opened"


def _prefix(cfg_address: object) -> str:
    text = str(cfg_address)
    return f"{text}/128" if ":" in text else f"{text}/32"


def _token(item: Listener) -> str:
    """``address/protocol/port``: one word, split again by the library with ``${t%%/*}``."""
    return f"{item.address}/{item.protocol}/{item.port}"


def _header(cfg: GuestConfig, action: Action) -> list[str]:
    addrs = " ".join(_prefix(a) for a in cfg.addresses)
    opens = " ".join(_token(item) for item in cfg.open)
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
        f"OPEN={sh_quote(opens)}",
        f"FIREWALL={sh_quote(cfg.firewall)}",
        f"PERSIST={sh_quote('yes' if cfg.persist else 'no')}",
    ]


_LIBRARY = library(
    "guest-lib-linux.sh",
    STATE_DIR=STATE_DIR,
    ADDR_FILE=ADDR_FILE,
    FW_FILE=FW_FILE,
    UNIT_NAME=UNIT_NAME,
    UNIT_PATH=UNIT_PATH,
)


def render_linux(cfg: GuestConfig, action: Action) -> GuestScript:
    """The sh script for ``action`` on a Linux VM (RunShellScript runs it as root)."""
    lines = [*_header(cfg, action), *_LIBRARY, f"do_{action}"]
    return GuestScript(command_id="RunShellScript", lines=lines)
