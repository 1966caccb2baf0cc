"""Reading what a guest script said: Azure's run-command result and the script's own lines.

Azure's Linux extension reports ``ProvisioningState/succeeded`` whatever the script's exit status,
so success is decided by the script's last ``PROVISIONER-RESULT`` line; a result without one
(truncated, killed, never ran) is a failure with an unknown exit status. The check report is
read and judged in ``report.py``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from provisioner.guest.markers import RESULT_PREFIX
from provisioner.guest.report import (  # the check report, read here with the result
    CheckReport,
    OutputError,
    Socket,
    converged,
    parse_check,
)
from provisioner.guest.spec import OsName

__all__ = [
    "CheckReport",
    "OutputError",
    "ScriptOutcome",
    "Socket",
    "converged",
    "parse_check",
    "parse_run_command_result",
    "result_line",
]

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
