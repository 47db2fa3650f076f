"""The IOC's embedded store: one SQLite file (WAL) under the data directory.

Holds readings (one row per reading, values as JSON: a time-series point with its fields),
the case event log (append-only), the device registry (as registered; last-seen times are
derived from the readings on restart), alarms, dead letters and a little metadata for
restarts. Writes are buffered and committed once per clock step.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import orjson

from ioc.casework.cases import CaseEvent
from ioc.registry.devices import Device
from ioc.storage.reads import StoreReads
from ioc.storage.schema import ALARM_COLUMNS, EDGE_EVENT_COLUMNS, SCHEMA, placeholders


class Store(StoreReads):
    """The live store: buffered writes, committed once per clock step, and the reads."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / "ioc.sqlite3"
        self.fresh = not self.path.exists()
        # One connection, used under a lock by the ingest thread and the API.
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._readings: list[tuple[str, int, int, str]] = []
        self._events: list[tuple[int, str, int, str, str, str]] = []
        self._devices: dict[str, Device] = {}
        self._alarms: dict[str, tuple[Any, ...]] = {}
        self._dead: list[tuple[str, str, str, str, bytes]] = []
        self._meta: dict[str, str] = {}
        self._commands: dict[str, str] = {}
        self._edge_events: list[tuple[Any, ...]] = []
        self.evidence_dir = data_dir / "evidence"
        self.evidence_dir.mkdir(exist_ok=True)

    # ------------------------------------------------------------------ buffered writes
    def add_reading(self, device_id: str, ts: int, seq: int, values: dict[str, float]) -> None:
        self._readings.append((device_id, ts, seq, orjson.dumps(values).decode()))

    def add_case_event(self, ev: CaseEvent) -> None:
        self._events.append(
            (
                ev.seq,
                ev.case_id,
                ev.ts,
                ev.action,
                ev.actor,
                orjson.dumps(ev.detail, option=orjson.OPT_SORT_KEYS).decode(),
            )
        )

    def put_device(self, dev: Device) -> None:
        self._devices[dev.device_id] = dev

    def put_alarm(self, alarm: dict[str, Any]) -> None:
        self._alarms[alarm["alarm_id"]] = tuple(alarm[c] for c in ALARM_COLUMNS)

    def add_edge_event(self, row: dict[str, Any]) -> None:
        self._edge_events.append(tuple(row.get(c) for c in EDGE_EVENT_COLUMNS))

    def save_evidence(self, evidence_id: str, jpeg: bytes) -> str:
        """Write a snapshot under evidence/ (at once: it is the record); returns its name."""
        name = f"{evidence_id}.jpg"
        path = self.evidence_dir / name
        tmp = path.with_suffix(".part")
        tmp.write_bytes(jpeg)
        tmp.replace(path)
        return name

    def evidence_path(self, name: str) -> Path | None:
        path = self.evidence_dir / name
        if path.parent != self.evidence_dir or not path.is_file():
            return None
        return path

    def add_dead_letter(
        self, received_at: str, topic: str, reason: str, detail: str, payload: bytes
    ) -> None:
        self._dead.append((received_at, topic, reason, detail, payload))

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value

    def put_command(self, record: dict[str, Any]) -> None:
        self._commands[record["command_id"]] = orjson.dumps(record).decode()

    def flush(self) -> None:
        with self.lock:
            if not (
                self._readings
                or self._events
                or self._devices
                or self._alarms
                or self._dead
                or self._meta
                or self._commands
                or self._edge_events
            ):
                return
            cur = self.db.cursor()
            cur.execute("BEGIN")
            cur.executemany("INSERT INTO readings VALUES (?,?,?,?)", self._readings)
            cur.executemany("INSERT INTO case_events VALUES (?,?,?,?,?,?)", self._events)
            cur.executemany(
                "INSERT OR REPLACE INTO devices VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        d.device_id,
                        d.kind,
                        d.lon,
                        d.lat,
                        d.grid,
                        d.interval_s,
                        d.owner,
                        d.gateway,
                        d.registered_ts,
                        d.installed and str(d.installed),
                        orjson.dumps(d.attrs).decode(),
                    )
                    for d in self._devices.values()
                ],
            )
            cur.executemany(
                f"INSERT OR REPLACE INTO alarms VALUES ({placeholders(ALARM_COLUMNS)})",
                list(self._alarms.values()),
            )
            cur.executemany(
                f"INSERT OR REPLACE INTO edge_events ({','.join(EDGE_EVENT_COLUMNS)}) "
                f"VALUES ({placeholders(EDGE_EVENT_COLUMNS)})",
                self._edge_events,
            )
            cur.executemany(
                "INSERT INTO dead_letters (received_at, topic, reason, detail, "
                "payload) VALUES (?,?,?,?,?)",
                self._dead,
            )
            cur.executemany("INSERT OR REPLACE INTO meta VALUES (?,?)", list(self._meta.items()))
            cur.executemany(
                "INSERT OR REPLACE INTO commands VALUES (?,?)", list(self._commands.items())
            )
            cur.execute("COMMIT")
            self._readings, self._events, self._dead, self._edge_events = [], [], [], []
            self._devices, self._alarms, self._meta, self._commands = {}, {}, {}, {}

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def close(self) -> None:
        self.flush()
        with self.lock:
            self.db.close()
