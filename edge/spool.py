"""Store-and-forward (断点续传): the outbox every device-side MQTT link publishes through.

A message is written to the outbox before it is handed to the MQTT client and deleted only
when the broker acknowledges it (PUBACK, QoS 1). While the broker is unreachable messages stay
in the outbox; on (re)connection the backlog drains in event-time order. With a file path the
outbox is a SQLite database (WAL), so it also survives a gateway restart; without one it
lives in memory (links whose process keeps no state across restarts, e.g. the sim clock).

The outbox also keeps each source's last message sequence number, so a restarted gateway
continues its numbering and the IOC can tell a resend (dropped as a duplicate) from news.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- arrival order, the tie-break after event time
    ts INTEGER NOT NULL,                   -- event time (ms) used to order the drain
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    retain INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_order ON outbox (ts, id);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sequences (source TEXT PRIMARY KEY, last INTEGER NOT NULL);
"""
COUNTERS = ("queued", "sent", "retried", "dropped")


@dataclass(frozen=True)
class Spooled:
    row: int
    ts: int
    topic: str
    payload: bytes
    retain: bool


class Outbox:
    """Messages waiting for the broker's acknowledgement; thread-safe.

    `capacity` bounds the backlog: beyond it the oldest message is dropped (counted), as a
    gateway with a full disk would.
    """

    def __init__(self, path: Path | None = None, capacity: int = 1_000_000):
        self.path = path
        self.capacity = capacity
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a power cut may lose the last commits, never corrupt the file.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        row = self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()
        self._size = int(row[0])
        saved = dict(self._db.execute("SELECT name, value FROM counters").fetchall())
        # Counted in memory (a write per message would double the cost), saved on close.
        self._counts = {k: int(saved.get(k, 0)) for k in COUNTERS}

    def put(self, ts: int, topic: str, payload: bytes, retain: bool = False) -> int:
        """Keep a message until it is acknowledged; returns its row id."""
        with self._lock:
            if self._size >= self.capacity:
                self._db.execute(
                    "DELETE FROM outbox WHERE id = (SELECT id FROM outbox ORDER BY ts, id LIMIT 1)"
                )
                self._size -= 1
                self._bump("dropped")
            cur = self._db.execute(
                "INSERT INTO outbox (ts, topic, payload, retain) VALUES (?, ?, ?, ?)",
                (ts, topic, payload, int(retain)),
            )
            self._size += 1
            self._bump("queued")
            return int(cur.lastrowid or 0)

    def done(self, rows: list[int]) -> None:
        """The broker acknowledged these messages."""
        if not rows:
            return
        with self._lock:
            deleted = 0
            for i in range(0, len(rows), 500):
                chunk = rows[i : i + 500]
                cur = self._db.execute(
                    f"DELETE FROM outbox WHERE id IN ({','.join('?' * len(chunk))})", chunk
                )
                deleted += cur.rowcount
            self._size -= deleted
            self._bump("sent", deleted)

    def backlog(self, exclude: set[int] | frozenset[int] = frozenset()) -> list[Spooled]:
        """Unacknowledged messages in event-time order, less those in `exclude`."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, ts, topic, payload, retain FROM outbox ORDER BY ts, id"
            ).fetchall()
        return [
            Spooled(r[0], r[1], r[2], bytes(r[3]), bool(r[4])) for r in rows if r[0] not in exclude
        ]

    def retried(self, n: int) -> None:
        with self._lock:
            self._bump("retried", n)

    def __len__(self) -> int:
        return self._size

    def counters(self) -> dict[str, int]:
        """queued (ever written), sent (acknowledged), retried (resent after a reconnection),
        dropped (lost to the capacity limit) and pending (waiting now)."""
        with self._lock:
            return {**self._counts, "pending": self._size}

    def last_seq(self, source: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT last FROM sequences WHERE source = ?", (source,)
            ).fetchone()
        return int(row[0]) if row else 0

    def save_seq(self, source: str, seq: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO sequences (source, last) VALUES (?, ?) "
                "ON CONFLICT (source) DO UPDATE SET last = excluded.last",
                (source, seq),
            )

    def close(self) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", self._counts.items()
            )
            self._db.close()

    def _bump(self, name: str, n: int = 1) -> None:
        self._counts[name] += n
