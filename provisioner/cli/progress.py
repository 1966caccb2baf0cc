"""Progress of an apply on stderr: a live table on a terminal, one line per step otherwise.

Standard output stays free for ``--output json``. Messages carry Azure error codes and timings,
never request bodies (a VM body holds a generated password while it is being created). The
executor only emits :class:`~provisioner.apply.events.Event` values; this is their one renderer.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.table import Table

from provisioner.apply.events import Event, State

_STYLE = {
    State.RUNNING: "cyan",
    State.RETRYING: "yellow",
    State.DONE: "green",
    State.UNCHANGED: "dim",
    State.FAILED: "red",
    State.SKIPPED: "dim",
}
_VERB = {"create": "created", "update": "updated", "delete": "deleted", "noop": "unchanged"}


class Progress:
    """An event sink; use as a context manager around the apply."""

    def __init__(self, console: Console, *, show_unchanged: bool = False) -> None:
        self.console = console
        self.show_unchanged = show_unchanged
        self.rows: dict[str, tuple[str, State, float, str]] = {}
        self.started: dict[str, float] = {}
        self.lock = threading.Lock()
        self.live: Live | None = None

    def __enter__(self) -> Progress:
        if self.console.is_terminal:
            self.live = Live(
                self._table(), console=self.console, refresh_per_second=8, transient=False
            )
            self.live.__enter__()
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.__exit__(et, ev, tb)

    def __call__(self, event: Event) -> None:
        with self.lock:
            if event.state is State.RUNNING:
                self.started[event.key] = time.monotonic()
            if event.state is State.UNCHANGED and not self.show_unchanged:
                return
            self.rows[event.key] = (event.action, event.state, event.seconds, event.message)
            if self.live is not None:
                self.live.update(self._table())
            elif event.state in (State.DONE, State.FAILED):
                verb = _VERB.get(event.action, event.action)
                style = _STYLE[event.state]
                word = verb if event.state is State.DONE else f"{event.action} failed"
                extra = f" {event.message}" if event.message else ""
                self.console.print(
                    f"[{style}]{word}[/{style}] {event.key} ({event.seconds:.1f}s){extra}"
                )
            elif event.state is State.RETRYING:
                self.console.print(f"[yellow]retrying[/yellow] {event.key}: {event.message}")

    def _table(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False)
        now = time.monotonic()
        for key, (action, state, seconds, message) in self.rows.items():
            if state in (State.RUNNING, State.RETRYING):
                seconds = now - self.started.get(key, now)
            style = _STYLE.get(state, "")
            table.add_row(f"[{style}]{state}[/{style}]", action, key, f"{seconds:5.1f}s", message)
        return table
