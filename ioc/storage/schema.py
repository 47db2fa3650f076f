"""The embedded store's tables: one SQLite file (WAL) under the IOC's data directory.

Readings are one row per reading with their values as JSON (a time-series point with its
fields); the case event log is append-only; the device registry is kept as registered
(last-seen times are derived from the readings on restart); alarms, edge events, dead letters,
commands and a little metadata for restarts. Only `ioc.storage` writes SQL against them.
"""

from __future__ import annotations

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


def placeholders(cols: tuple[str, ...]) -> str:
    return ",".join("?" * len(cols))
