"""A finished run's store, opened read-only for the assessment (`citysim validate`).

Without a leftover write-ahead log the file is opened as immutable, so SQLite creates no
-shm/-wal files beside it (a finished run's store does not change); with one, plain read-only
mode so the log's pages are read. Every failure is a `StoreUnreadable` naming where.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from types import TracebackType
from typing import Any

from ioc.storage.reads import StoreReads, StoreUnreadable

NEEDED_TABLES = ("devices", "readings")


class StoreReader(StoreReads):
    """The store file at `path`, read-only; use as a context manager (or call `close`)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        wal = self.path.with_name(self.path.name + "-wal")
        mode = "ro" if wal.is_file() and wal.stat().st_size > 0 else "ro&immutable=1"
        try:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode={mode}", uri=True)
            tables = {
                r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
        except sqlite3.DatabaseError as err:
            raise StoreUnreadable("(sqlite)", f"not a readable SQLite file: {err}") from None
        lacking = sorted(set(NEEDED_TABLES) - tables)
        if lacking:
            self.db.close()
            raise StoreUnreadable("(sqlite)", f"not an IOC store: no table {', '.join(lacking)}")

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as err:
            raise StoreUnreadable("(sqlite)", f"cannot read the store: {err}") from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
