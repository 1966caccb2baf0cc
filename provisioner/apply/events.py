"""Progress events the executor emits; the CLI renders them (rich table or plain lines)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    RETRYING = "retrying"
    DONE = "done"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Event:
    key: str
    action: str  # create | update | delete | noop
    state: State
    seconds: float = 0.0
    message: str = ""  # never a body: bodies may hold secrets


EventSink = Callable[[Event], None]


def ignore(_: Event) -> None:
    """The sink for callers that do not show progress."""
