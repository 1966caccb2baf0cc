"""Reading what a guest script said: Azure's run-command result and the script's own lines.

Azure's Linux extension reports ``ProvisioningState/succeeded`` whatever the script's exit status,
so success is decided by the script's last ``PROVISIONER-RESULT`` line; a result without one
(truncated, killed, never ran) is a failure with an unknown exit status.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any

from provisioner.guest.markers import CHECK_PREFIX, FORMAT_VERSION, RESULT_PREFIX
from provisioner.guest.spec import GuestConfig, GuestSpecError, Listener, OsName, parse_address

#: How many trailing stderr lines a report shows.
STDERR_TAIL_LINES = 10

_LINUX_MESSAGE = re.compile(r"\A.*?\[stdout\]\n(?P<out>.*)\n\[stderr\]\n(?P<err>.*)\Z", re.S)


@dataclass(frozen=True)
class ScriptOutcome:
    ok: bool
    exit_status: int | None  # from the RESULT line; None when the line is missing
    stdout: str
    stderr: str
    stderr_tail: list[str]


@dataclass(frozen=True)
class Socket:
    """A listening socket; ``address`` may be a wildcard (``0.0.0.0``, ``::``)."""

    address: str
    protocol: str
    port: int


@dataclass(frozen=True)
class CheckReport:
    """What a check script found on the VM."""

    addresses: tuple[str, ...]
    backend: str  # ufw | firewalld | nftables | iptables | none | windows
    open: tuple[Listener, ...]
    listening: tuple[Socket, ...]


class OutputError(ValueError):
    """A run-command result or check line that does not have the expected shape."""


def _statuses(result: Any) -> list[Mapping[str, Any]]:
    """The ``value`` list as plain mappings, from a dict or an SDK ``RunCommandResult``."""
    if isinstance(result, Mapping):
        value = result.get("value")
        if value is None and "properties" in result:  # the async-operation status document
            value = (result.get("properties") or {}).get("output", {}).get("value")
    else:
        value = getattr(result, "value", None)
    if value is None:
        raise OutputError("run-command result has no 'value' list")
    out = []
    for item in value:
        if isinstance(item, Mapping):
            out.append(
                {
                    "code": item.get("code") or "",
                    "message": item.get("message") or "",
                    "level": item.get("level") or "",
                }
            )
        else:
            out.append(
                {
                    "code": getattr(item, "code", None) or "",
                    "message": getattr(item, "message", None) or "",
                    "level": str(getattr(item, "level", None) or ""),
                }
            )
    return out


def _split_linux_message(message: str) -> tuple[str, str]:
    match = _LINUX_MESSAGE.match(message)
    if not match:
        return "", message
    return match.group("out"), match.group("err")


def result_line(stdout: str) -> dict[str, Any] | None:
    """The last ``PROVISIONER-RESULT`` object in ``stdout``, or None."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith(RESULT_PREFIX):
            try:
                data = json.loads(line[len(RESULT_PREFIX) :])
            except ValueError:
                return None
            return data if isinstance(data, dict) else None
    return None


def parse_run_command_result(result: Any, os: OsName) -> ScriptOutcome:
    """One script's outcome from Azure's run-command result (a mapping or the SDK model).

    Linux: one status whose message is ``"Enable succeeded: \\n[stdout]\\n…\\n[stderr]\\n…"``.
    Windows: ``ComponentStatus/StdOut/succeeded`` and ``ComponentStatus/StdErr/succeeded``.
    ``ok`` needs the extension to have succeeded *and* the script's RESULT line to say ok.
    """
    statuses = _statuses(result)
    extension_failed = any("/failed" in s["code"].lower() for s in statuses)
    if os == "linux":
        if not statuses:
            raise OutputError("run-command result has no status")
        stdout, stderr = _split_linux_message(statuses[0]["message"])
    else:
        stdout = stderr = ""
        for s in statuses:
            code = s["code"].lower()
            if code.startswith("componentstatus/stdout"):
                stdout = s["message"]
            elif code.startswith("componentstatus/stderr"):
                stderr = s["message"]
    line = result_line(stdout)
    exit_status: int | None = None
    if (
        line is not None
        and isinstance(line.get("exit"), int)
        and not isinstance(line["exit"], bool)
    ):
        exit_status = line["exit"]
    ok = (
        not extension_failed
        and line is not None
        and line.get("status") == "ok"
        and exit_status == 0
    )
    tail = [ln for ln in stderr.splitlines() if ln.strip()][-STDERR_TAIL_LINES:]
    return ScriptOutcome(
        ok=ok, exit_status=exit_status, stdout=stdout, stderr=stderr, stderr_tail=tail
    )


def _entries(raw: Any, where: str) -> tuple[Listener, ...]:
    if not isinstance(raw, list):
        raise OutputError(f"check: {where} must be a list")
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            raise OutputError(f"check: {where} entries must be objects")
        try:
            out.append(
                Listener(
                    address=parse_address(str(item.get("address"))),
                    protocol=item.get("protocol"),  # type: ignore[arg-type]
                    port=item.get("port"),  # type: ignore[arg-type]
                )
            )
        except GuestSpecError:
            # A wildcard listener (0.0.0.0 / ::) or a socket on an odd port is information,
            # not an error; only well-formed entries are kept.
            continue
    return tuple(out)


def _listening(raw: Any) -> tuple[Socket, ...]:
    if not isinstance(raw, list):
        raise OutputError("check: listening must be a list")
    out = []
    for item in raw:
        if not isinstance(item, Mapping):
            continue
        addr, protocol, port = item.get("address"), item.get("protocol"), item.get("port")
        if protocol not in ("tcp", "udp") or isinstance(port, bool) or not isinstance(port, int):
            continue
        try:
            text = str(ip_address(str(addr)))  # wildcards (0.0.0.0, ::) are kept
        except ValueError:
            continue
        out.append(Socket(address=text, protocol=protocol, port=port))
    return tuple(out)


def parse_check(stdout: str) -> CheckReport:
    """The last ``PROVISIONER-CHECK`` line of a check script's stdout."""
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if not line.startswith(CHECK_PREFIX):
            continue
        try:
            data = json.loads(line[len(CHECK_PREFIX) :])
        except ValueError as exc:
            raise OutputError(f"check: not JSON: {exc}") from exc
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise OutputError("check: unknown format version")
        firewall = data.get("firewall")
        if not isinstance(firewall, Mapping):
            raise OutputError("check: firewall must be an object")
        addresses = data.get("addresses")
        if not isinstance(addresses, list):
            raise OutputError("check: addresses must be a list")
        parsed: list[str] = []
        for a in addresses:
            try:
                parsed.append(str(parse_address(str(a))))
            except GuestSpecError:
                continue
        return CheckReport(
            addresses=tuple(parsed),
            backend=str(firewall.get("backend", "")),
            open=_entries(firewall.get("open", []), "firewall.open"),
            listening=_listening(data.get("listening", [])),
        )
    raise OutputError("check: no PROVISIONER-CHECK line in the output")


def converged(cfg: GuestConfig, report: CheckReport) -> bool:
    """True when the VM holds every frontend IP and, if we manage the firewall, opens every entry.

    With no active host firewall (``backend == "none"``) nothing blocks the traffic, so the
    entries count as open. Listening sockets are the application's business and not required.
    """
    have = {parse_address(a) for a in report.addresses}
    if not set(cfg.addresses) <= have:
        return False
    if cfg.firewall == "off" or report.backend == "none":
        return True
    return set(cfg.open) <= set(report.open)
