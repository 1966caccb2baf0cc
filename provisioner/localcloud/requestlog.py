"""The request log: every request the cloud answered, so tests can count writes.

GETs are buffered in memory and flushed in batches (keeps the hot read path free of a write
transaction); anything else is written before its response leaves, so a reader in another
process always sees every write.
"""

from __future__ import annotations

import atexit
import threading
import weakref
from dataclasses import dataclass

from provisioner.localcloud.store import Store


@dataclass(frozen=True, slots=True)
class RequestRecord:
    method: str
    path: str
    api_version: str
    status: int
    started: float
    ended: float
    body: str | None = None
    client_request_id: str | None = None


_INSERT = (
    "INSERT INTO request_log (method, path, api_version, status, started, ended,"
    " client_request_id, body) VALUES (?,?,?,?,?,?,?,?)"
)


class RequestLog:
    def __init__(self, store: Store, buffered: bool = True, batch: int = 256) -> None:
        self.store = store
        self.buffered = buffered
        self.batch = batch
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        ref = weakref.ref(self)
        atexit.register(lambda: (r := ref()) is not None and r.flush())

    def record(self, rec: RequestRecord, sync: bool) -> None:
        row = (
            rec.method,
            rec.path,
            rec.api_version,
            rec.status,
            rec.started,
            rec.ended,
            rec.client_request_id,
            rec.body,
        )
        with self._lock:
            self._pending.append(row)
            if self.buffered and not sync and len(self._pending) < self.batch:
                return
            rows, self._pending = self._pending, []
        self._write(rows)

    def flush(self) -> None:
        with self._lock:
            rows, self._pending = self._pending, []
        if rows:
            self._write(rows)

    def _write(self, rows: list[tuple]) -> None:
        with self.store.write() as tx:
            tx.c.executemany(_INSERT, rows)

    def records(self) -> list[RequestRecord]:
        self.flush()
        rows = self.store.conn().execute(
            "SELECT method, path, api_version, status, started, ended, body, client_request_id"
            " FROM request_log ORDER BY seq"
        )
        return [RequestRecord(*r) for r in rows]

    def clear(self) -> None:
        with self._lock:
            self._pending = []
        with self.store.write() as tx:
            tx.c.execute("DELETE FROM request_log")
