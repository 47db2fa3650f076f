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

SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    device_id TEXT NOT NULL, ts INTEGER NOT NULL, seq INTEGER NOT NULL, vals TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS readings_device_ts ON readings (device_id, ts);
CREATE TABLE IF NOT EXISTS case_events (
    seq INTEGER PRIMARY KEY, case_id TEXT NOT NULL, ts INTEGER NOT NULL, action TEXT NOT NULL,
    actor TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY, kind TEXT, lon REAL, lat REAL, grid TEXT, interval_s REAL,
    owner TEXT, gateway TEXT, registered_ts INTEGER, installed TEXT, attrs TEXT);
CREATE TABLE IF NOT EXISTS alarms (
    alarm_id TEXT PRIMARY KEY, rule_id TEXT, device_id TEXT, category TEXT, raised_ts INTEGER,
    value REAL, lon REAL, lat REAL, cleared_ts INTEGER, case_id TEXT, key TEXT, evidence TEXT);
CREATE TABLE IF NOT EXISTS edge_events (
    evidence_id TEXT NOT NULL, state TEXT NOT NULL, source TEXT, event_id TEXT,
    device_id TEXT, kind TEXT, scene TEXT, ts INTEGER, confidence REAL, bbox TEXT, lon REAL,
    lat REAL, rule_id TEXT, alarm_id TEXT, snapshot TEXT, PRIMARY KEY (evidence_id, state));
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT, received_at TEXT, topic TEXT, reason TEXT,
    detail TEXT, payload BLOB);
CREATE TABLE IF NOT EXISTS commands (command_id TEXT PRIMARY KEY, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
"""


ALARM_COLUMNS = (
    "alarm_id",
    "rule_id",
    "device_id",
    "category",
    "raised_ts",
    "value",
    "lon",
    "lat",
    "cleared_ts",
    "case_id",
    "key",
    "evidence",
)
EDGE_EVENT_COLUMNS = (
    "evidence_id",
    "state",
    "source",
    "event_id",
    "device_id",
    "kind",
    "scene",
    "ts",
    "confidence",
    "bbox",
    "lon",
    "lat",
    "rule_id",
    "alarm_id",
    "snapshot",
)


def _marks(cols: tuple[str, ...]) -> str:
    return ",".join("?" * len(cols))


class Store:
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
                f"INSERT OR REPLACE INTO alarms VALUES ({_marks(ALARM_COLUMNS)})",
                list(self._alarms.values()),
            )
            cur.executemany(
                f"INSERT OR REPLACE INTO edge_events ({','.join(EDGE_EVENT_COLUMNS)}) "
                f"VALUES ({_marks(EDGE_EVENT_COLUMNS)})",
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

    # ------------------------------------------------------------------ reads
    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()

    def case_events(self) -> list[CaseEvent]:
        rows = self._query(
            "SELECT seq, case_id, ts, action, actor, detail FROM case_events ORDER BY seq"
        )
        return [CaseEvent(s, c, t, a, actor, orjson.loads(d)) for s, c, t, a, actor, d in rows]

    def devices(self) -> list[Device]:
        """Registered devices (last-seen times come from `reading_stats`)."""
        rows = self._query("SELECT * FROM devices ORDER BY device_id")
        return [Device(*row[:10], attrs=orjson.loads(row[10] or "{}")) for row in rows]

    def alarms(self) -> list[dict[str, Any]]:
        return [
            dict(zip(ALARM_COLUMNS, row, strict=True))
            for row in self._query(
                f"SELECT {','.join(ALARM_COLUMNS)} FROM alarms ORDER BY alarm_id"
            )
        ]

    def edge_events(
        self, device_id: str | None = None, kind: str | None = None, limit: int = 1000
    ) -> list[dict[str, Any]]:
        """Edge events, newest first, optionally of one device and/or kind."""
        where, args = [], []
        for col, val in (("device_id", device_id), ("kind", kind)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        sql = (
            f"SELECT {','.join(EDGE_EVENT_COLUMNS)} FROM edge_events "
            f"{'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY ts DESC, "
            "evidence_id LIMIT ?"
        )
        rows = self._query(sql, (*args, limit))
        out = [dict(zip(EDGE_EVENT_COLUMNS, r, strict=True)) for r in rows]
        for e in out:
            e["bbox"] = orjson.loads(e["bbox"]) if e["bbox"] else None
        return out

    def meta(self) -> dict[str, str]:
        return dict(self._query("SELECT key, value FROM meta"))

    def reading_stats(self) -> dict[str, tuple[int, int, int]]:
        """Per device: (last event time, highest seq, number of readings) from the store."""
        rows = self._query(
            "SELECT device_id, MAX(ts), MAX(seq), COUNT(*) FROM readings GROUP BY device_id"
        )
        return {d: (ts, seq, n) for d, ts, seq, n in rows}

    def readings(self, device_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT ts, seq, vals FROM readings WHERE device_id = ? ORDER BY ts DESC LIMIT ?",
            (device_id, limit),
        )
        return [{"ts": ts, "seq": seq, "values": orjson.loads(v)} for ts, seq, v in rows]

    def commands(self) -> list[dict[str, Any]]:
        return [
            orjson.loads(r)
            for (r,) in self._query("SELECT record FROM commands ORDER BY command_id")
        ]

    def readings_of(self, device_ids: list[str]) -> list[tuple[str, int, dict[str, float]]]:
        """All stored readings of some devices, in time order (to rebuild indicators)."""
        if not device_ids:
            return []
        marks = ",".join("?" * len(device_ids))
        rows = self._query(
            f"SELECT device_id, ts, vals FROM readings WHERE device_id IN "
            f"({marks}) ORDER BY ts, device_id",
            tuple(device_ids),
        )
        return [(d, ts, orjson.loads(v)) for d, ts, v in rows]

    def reading_count(self) -> int:
        return int(self._query("SELECT COUNT(*) FROM readings")[0][0])

    def dead_letters(self, limit: int = 100) -> list[dict[str, Any]]:
        rows = self._query(
            "SELECT id, received_at, topic, reason, detail, payload FROM "
            "dead_letters ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            {
                "id": i,
                "received_at": r,
                "topic": t,
                "reason": reason,
                "detail": d,
                "payload": p.decode("utf-8", "replace"),
            }
            for i, r, t, reason, d, p in rows
        ]

    def dead_letter_counts(self) -> dict[str, int]:
        return dict(self._query("SELECT reason, COUNT(*) FROM dead_letters GROUP BY reason"))

    def close(self) -> None:
        self.flush()
        with self.lock:
            self.db.close()
