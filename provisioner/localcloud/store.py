"""The one store behind the local cloud: a single SQLite file.

Why SQLite: separate CLI runs, threads of the HTTP server and test processes must all see one
consistent cloud. WAL lets readers proceed while a writer works; every write runs in
``BEGIN IMMEDIATE`` so two writers serialise instead of losing an update. Documents are kept as
JSON text, so the hot GET path is one indexed read that returns the stored bytes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS resources (
    key TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    rg TEXT NOT NULL,
    type TEXT NOT NULL,
    parent TEXT NOT NULL DEFAULT '',
    doc TEXT NOT NULL,
    etag TEXT NOT NULL DEFAULT '',
    pending_until REAL NOT NULL DEFAULT 0,
    pending_state TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS resources_by_type ON resources(sub, type);
CREATE INDEX IF NOT EXISTS resources_by_group ON resources(sub, rg);
CREATE INDEX IF NOT EXISTS resources_by_parent ON resources(parent);
CREATE TABLE IF NOT EXISTS refs (
    src TEXT NOT NULL,
    dst TEXT NOT NULL,
    PRIMARY KEY (src, dst)
);
CREATE INDEX IF NOT EXISTS refs_by_dst ON refs(dst);
CREATE TABLE IF NOT EXISTS operations (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    sub TEXT NOT NULL,
    started REAL NOT NULL,
    done_at REAL NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    output TEXT NOT NULL DEFAULT '',
    target TEXT NOT NULL DEFAULT '',
    time_scale REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS operations_by_target ON operations(target, kind);
CREATE TABLE IF NOT EXISTS request_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT, path TEXT, api_version TEXT, status INTEGER,
    started REAL, ended REAL, client_request_id TEXT, body TEXT
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS faults (
    idx INTEGER PRIMARY KEY AUTOINCREMENT,
    rule TEXT NOT NULL,
    matched INTEGER NOT NULL DEFAULT 0,
    fired INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS run_history (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    vm_key TEXT NOT NULL, vm_id TEXT NOT NULL, command_id TEXT NOT NULL,
    script TEXT NOT NULL, parameters TEXT NOT NULL, at REAL NOT NULL, kind TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '', stdout TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS run_history_by_vm ON run_history(vm_key);
CREATE TABLE IF NOT EXISTS guest (vm_key TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS platform (key TEXT PRIMARY KEY);
"""

DEFAULT_STATE_PATH = Path(".provision") / "localcloud.sqlite"


@dataclass(slots=True)
class Row:
    """A stored resource: its document (parsed lazily by callers) and bookkeeping."""

    key: str
    sub: str
    rg: str
    type: str
    parent: str
    doc: str
    etag: str
    pending_until: float
    pending_state: str

    def parsed(self) -> dict[str, Any]:
        return json.loads(self.doc)


_ROW_COLUMNS = "key, sub, rg, type, parent, doc, etag, pending_until, pending_state"


class Store:
    """Thread- and process-safe access to the state file (one connection per thread)."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else DEFAULT_STATE_PATH
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        conn = self.conn()
        conn.executescript(SCHEMA)

    def conn(self) -> sqlite3.Connection:
        """This thread's connection (a new one after ``fork``: connections do not survive it)."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or local.pid != os.getpid():
            conn = sqlite3.connect(
                str(self.path), timeout=60.0, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=60000")
            local.conn, local.pid = conn, os.getpid()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    @contextmanager
    def write(self) -> Iterator[Txn]:
        """A serialised write transaction; rolled back if the body raises."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield Txn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def reader(self) -> Txn:
        """Autocommit reads (each statement sees the latest committed state)."""
        return Txn(self.conn())

    def setting(self, name: str) -> str | None:
        row = self.conn().execute("SELECT value FROM settings WHERE key=?", (name,)).fetchone()
        return row[0] if row else None


class Txn:
    """Typed statements over one connection, used inside or outside a write transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.c = conn

    # resources -----------------------------------------------------------------------------
    def get(self, k: str) -> Row | None:
        r = self.c.execute(f"SELECT {_ROW_COLUMNS} FROM resources WHERE key=?", (k,)).fetchone()
        return Row(*r) if r else None

    def of_type(self, sub: str, type_lower: str) -> list[Row]:
        rows = self.c.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE sub=? AND type=? ORDER BY seq",
            (sub.lower(), type_lower),
        ).fetchall()
        return [Row(*r) for r in rows]

    def count_of_type(self, sub: str, type_lower: str, except_key: str = "") -> int:
        """How many resources of a type a subscription holds (``except_key`` not counted)."""
        r = self.c.execute(
            "SELECT COUNT(*) FROM resources WHERE sub=? AND type=? AND key<>?",
            (sub.lower(), type_lower, except_key),
        ).fetchone()
        return int(r[0])

    def in_group(self, sub: str, rg: str) -> list[Row]:
        rows = self.c.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE sub=? AND rg=? ORDER BY seq",
            (sub.lower(), rg.lower()),
        ).fetchall()
        return [Row(*r) for r in rows]

    def in_subscription(self, sub: str) -> list[Row]:
        rows = self.c.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE sub=? ORDER BY seq", (sub.lower(),)
        ).fetchall()
        return [Row(*r) for r in rows]

    def children(self, parent: str) -> list[Row]:
        rows = self.c.execute(
            f"SELECT {_ROW_COLUMNS} FROM resources WHERE parent=? ORDER BY seq", (parent,)
        ).fetchall()
        return [Row(*r) for r in rows]

    def all_rows(self) -> list[Row]:
        rows = self.c.execute(f"SELECT {_ROW_COLUMNS} FROM resources ORDER BY seq").fetchall()
        return [Row(*r) for r in rows]

    def put(self, row: Row) -> None:
        self.c.execute(
            "INSERT INTO resources (key, sub, rg, type, parent, doc, etag, pending_until,"
            " pending_state, seq) VALUES (?,?,?,?,?,?,?,?,?,"
            " (SELECT COALESCE(MAX(seq), 0) + 1 FROM resources))"
            " ON CONFLICT(key) DO UPDATE SET doc=excluded.doc, etag=excluded.etag,"
            " pending_until=excluded.pending_until, pending_state=excluded.pending_state",
            (
                row.key,
                row.sub,
                row.rg,
                row.type,
                row.parent,
                row.doc,
                row.etag,
                row.pending_until,
                row.pending_state,
            ),
        )

    def update_doc(self, k: str, doc: str) -> None:
        """Rewrite a document without touching its etag (service-filled back-references)."""
        self.c.execute("UPDATE resources SET doc=? WHERE key=?", (doc, k))

    def delete(self, k: str) -> None:
        self.c.execute("DELETE FROM resources WHERE key=?", (k,))
        self.c.execute("DELETE FROM refs WHERE src=?", (k,))
        self.c.execute("DELETE FROM guest WHERE vm_key=?", (k,))
        self.c.execute("DELETE FROM platform WHERE key=?", (k,))

    # what the platform created (Network Watcher): not the user's ---------------------------
    def mark_platform(self, k: str) -> None:
        self.c.execute("INSERT OR IGNORE INTO platform VALUES (?)", (k,))

    def platform_keys(self) -> set[str]:
        return {r[0] for r in self.c.execute("SELECT key FROM platform")}

    # references between top-level resources ------------------------------------------------
    def set_refs(self, src: str, dsts: set[str]) -> None:
        self.c.execute("DELETE FROM refs WHERE src=?", (src,))
        self.c.executemany("INSERT OR IGNORE INTO refs VALUES (?, ?)", [(src, d) for d in dsts])

    def refs_from(self, src: str) -> set[str]:
        return {r[0] for r in self.c.execute("SELECT dst FROM refs WHERE src=?", (src,))}

    def refs_to(self, dst: str) -> set[str]:
        return {r[0] for r in self.c.execute("SELECT src FROM refs WHERE dst=?", (dst,))}

    # settings ------------------------------------------------------------------------------
    def set_setting(self, name: str, value: str) -> None:
        self.c.execute(
            "INSERT INTO settings VALUES (?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value=excluded.value",
            (name, value),
        )
        self.c.execute(
            "INSERT INTO settings VALUES ('version', '1') ON CONFLICT(key) DO UPDATE"
            " SET value=CAST(CAST(value AS INTEGER) + 1 AS TEXT)"
        )
