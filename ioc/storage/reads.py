"""The store's reads, shared by the live store (`Store`, the IOC's engine and API) and a
read-only view of a finished run's store file (`StoreReader`, the assessment). Nobody outside
`ioc.storage` writes SQL against the tables: they call these methods.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from ioc.casework.cases import CaseEvent
from ioc.registry.devices import Device
from ioc.storage.schema import ALARM_COLUMNS, EDGE_EVENT_COLUMNS


class StoreUnreadable(ValueError):
    """A store that cannot be read: where (`(sqlite)`, or the row and column) and why."""

    def __init__(self, where: str, message: str):
        self.where, self.message = where, message
        super().__init__(f"{where}: {message}")


class StoreReads:
    """Queries over the store's tables; subclasses provide `_query`."""

    def _query(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def case_events(self) -> list[CaseEvent]:
        rows = self._query(
            "SELECT seq, case_id, ts, action, actor, detail FROM case_events ORDER BY seq"
        )
        return [CaseEvent(s, c, t, a, actor, orjson.loads(d)) for s, c, t, a, actor, d in rows]

    def devices(self) -> list[Device]:
        """Registered devices (last-seen times come from `reading_stats`)."""
        rows = self._query("SELECT * FROM devices ORDER BY device_id")
        return [Device(*row[:10], attrs=_attrs(row[0], row[10])) for row in rows]

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

    # ------------------------------------------------------------------ for the assessment
    def reading_times(self) -> dict[str, list[int]]:
        """Device id -> event times (ms) of its stored readings, in order."""
        out: dict[str, list[int]] = {}
        for device_id, ts in self._query(
            "SELECT device_id, ts FROM readings ORDER BY device_id, ts"
        ):
            out.setdefault(device_id, []).append(ts)
        return out

    def readings_with(self, metric: str) -> Iterator[tuple[str, int, dict[str, Any]]]:
        """(device id, event time, values) of the stored readings that carry `metric`, by
        device then time."""
        rows = self._query(
            "SELECT device_id, ts, vals FROM readings WHERE vals LIKE ? ORDER BY device_id, ts",
            (f"%{orjson.dumps(metric).decode()}%",),
        )
        for device_id, ts, vals in rows:
            values = orjson.loads(vals)
            if metric in values:
                yield device_id, ts, values


def _attrs(device_id: str, text: str | None) -> dict[str, Any]:
    try:
        attrs = orjson.loads(text or "{}")
    except orjson.JSONDecodeError as err:
        raise StoreUnreadable(f"devices[{device_id}].attrs", str(err)) from None
    return attrs if isinstance(attrs, dict) else {}
