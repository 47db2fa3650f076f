"""Read views of the IOC's state for the API (and the simulator's summary, through the API):
cases with their timelines and evidence, KPIs, devices, alarms, gateways, tasks (待办), the
organisation, city indicators and health. Each takes the engine's lock and returns plain,
JSON-ready data; none changes anything.
"""

from __future__ import annotations

from typing import Any

from ioc.casework.cases import ACTION_ZH, CLOSURE_ZH, Case
from ioc.casework.vocabulary import CHANNEL_ZH, LEVEL_ZH
from ioc.measures.kpis import compute_kpis, ratio
from ioc.service.engine import Engine


class Views:
    """What the API shows, read from an engine."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.lock = engine.lock

    def case_view(self, case: Case) -> dict[str, Any]:
        e = self.engine
        item = e.catalogue.item(case.category)
        unit = e.org.units.get(case.department or "")
        return {
            "case_id": case.case_id,
            "category": case.category,
            "category_zh": item.name_zh if item else None,
            "category_en": item.name_en if item else None,
            "channel": case.channel,
            "channel_zh": CHANNEL_ZH.get(case.channel),
            "stage": case.stage.value if case.stage else None,
            "stage_zh": ACTION_ZH.get(case.stage, "") if case.stage else None,
            "lon": case.lon,
            "lat": case.lat,
            "grid": case.grid,
            "street": case.street,
            "district": case.district,
            "level": case.level,
            "level_zh": LEVEL_ZH.get(case.level or ""),
            "department": case.department,
            "department_zh": unit.name_zh if unit else None,
            "crew": case.crew,
            "reports": len(case.reports),
            "report_refs": [
                {
                    "channel": r["channel"],
                    "ref": r["ref"],
                    "ts": r["ts"],
                    "lon": r["lon"],
                    "lat": r["lat"],
                }
                for r in case.reports
            ],
            "device_ids": case.device_ids,
            "alarm_ids": case.alarm_ids,
            "evidence": self._evidence_of(case),
            "reported_ts": case.reported_ts,
            "reported": e.iso(case.reported_ts),
            "deadline_ts": case.deadline_ts,
            "deadline": e.iso(case.deadline_ts),
            "handled_ts": case.handled_ts,
            "handled": e.iso(case.handled_ts),
            "closed_ts": case.closed_ts,
            "closed": e.iso(case.closed_ts),
            "closure_type": case.closure_type,
            "closure_zh": CLOSURE_ZH.get(case.closure_type or ""),
            "void_reason": case.void_reason,
            "overdue": case.overdue,
            "on_time": case.on_time,
            "rework": case.rework,
            "returned": case.returned,
            "extensions": case.extensions,
            "open_tasks": case.open_tasks,
            "timeline": [dict(ev.to_dict(), time=e.iso(ev.ts)) for ev in case.events],
        }

    def cases(self, stage: str | None = None) -> list[dict[str, Any]]:
        e = self.engine
        with self.lock:
            return [
                self.case_view(c)
                for c in e.log.cases.values()
                if stage is None or (c.stage and c.stage.value == stage)
            ]

    def _evidence_of(self, case: Case) -> list[dict[str, Any]]:
        """Snapshots behind the case's alarms (视频取证), served at /evidence/{id}.jpg."""
        e = self.engine
        out = []
        for alarm_id in case.alarm_ids:
            alarm = e.flow.alarms.get(alarm_id)
            if alarm is not None and alarm.evidence:
                out.append(
                    {
                        "evidence_id": alarm.evidence,
                        "alarm_id": alarm_id,
                        "device_id": alarm.device_id,
                        "rule_id": alarm.rule_id,
                        "confidence": alarm.value,
                        "ts": alarm.raised_ts,
                        "url": f"/evidence/{alarm.evidence}.jpg",
                    }
                )
        return out

    def case(self, case_id: str) -> dict[str, Any] | None:
        e = self.engine
        with self.lock:
            c = e.log.cases.get(case_id)
            return self.case_view(c) if c else None

    def kpis(
        self, as_of: int | None = None, from_ts: int | None = None, group_by: str | None = None
    ) -> dict[str, Any]:
        e = self.engine
        with self.lock:
            as_of = as_of if as_of is not None else (e.now or 0)
            out = compute_kpis(
                e.log.events,
                e.flow_rules,
                as_of,
                e.config.flow.composite,
                from_ts,
                group_by,
            )
            samples = [
                s
                for s in e.online_samples
                if s[0] <= as_of and (from_ts is None or s[0] >= from_ts)
            ]
            out["device_online_rate"] = (
                round(sum(o / t for _, o, t in samples) / len(samples), 6) if samples else None
            )
            out["online_samples"] = len(samples)
            out["as_of_ts"], out["as_of"] = as_of, e.iso(as_of)
            return out

    def devices(self) -> list[dict[str, Any]]:
        e = self.engine
        with self.lock:
            now = e.now or 0
            return [
                dict(d.to_dict(), online=d.online(now, e.registry.missed_intervals))
                for d in e.registry.devices.values()
            ]

    def alarms(self) -> list[dict[str, Any]]:
        e = self.engine
        with self.lock:
            return [a.to_dict() for a in e.flow.alarms.values()]

    def gateway_status(self) -> list[dict[str, Any]]:
        e = self.engine
        with self.lock:
            return [dict(g) for _, g in sorted(e.gateways.items())]

    def tasks(self) -> list[dict[str, Any]]:
        """Open tasks: who is expected to do what (待办)."""
        e = self.engine
        with self.lock:
            return [
                {
                    "task_id": tid,
                    "case_id": c.case_id,
                    **t,
                    "category": c.category,
                    "due_ts": c.pending_due_ts,
                    "due": e.iso(c.pending_due_ts),
                }
                for c in e.log.cases.values()
                for tid, t in c.open_tasks.items()
            ]

    def organisation(self) -> dict[str, Any]:
        e = self.engine
        with self.lock:
            return {
                "grids": [g.model_dump() for g in e.org.grids.values()],
                "units": [u.model_dump() for u in e.org.units.values()],
                "crews": [
                    {
                        "unit": c.unit,
                        "crew": c.crew_id,
                        "status": c.status,
                        "lon": c.lon,
                        "lat": c.lat,
                        "ts": c.ts,
                    }
                    for c in e.org.crews.values()
                ],
            }

    def health(self) -> dict[str, Any]:
        e = self.engine
        with self.lock:
            now = e.now
            online, total = e.registry.online_count(now) if now is not None else (0, 0)
            waiting = e.seq.waiting_tick()
            return {
                "status": "ok",
                "config": e.config.name,
                "clock_mode": e.clock_mode,
                "clock_ts": now,
                "clock": e.iso(now),
                "calendar_covers_clock": (
                    now is None or e.calendar.covers(e.calendar.local_date(now))
                ),
                "run_id": e.run_id,
                "ticks": e.ticks,
                "waiting_for": e.seq.sources.missing(waiting.published) if waiting else {},
                "held_events": e.seq.pending(),
                "late_events": e.seq.late,
                "devices": total,
                "devices_online": online,
                "online_rate_now": ratio(online, total),
                "units": len(e.org.units),
                "cases": len(e.log.cases),
                "open_cases": len(e.log.open_cases()),
                "counters": dict(sorted(e.counters.items())),
            }

    def indicator_view(self, as_of: int | None = None) -> dict[str, Any]:
        e = self.engine
        with self.lock:
            before = as_of if as_of is not None else (e.now or 0)
            rtts = e.commands.wall_rtts()
            online = [s for s in e.online_samples if s[0] <= before]
            return {
                "as_of_ts": before,
                "as_of": e.iso(before),
                "air_quality": e.indicators.air(before),
                "congestion": e.indicators.congestion(before),
                "lighting": e.indicators.lighting(),
                "device_online_rate": (
                    round(sum(o / t for _, o, t in online) / len(online), 6) if online else None
                ),
                "commands": {
                    "sent": len(e.commands.records),
                    "acks": len(rtts),
                    "wall_rtt_ms_p50": rtts[len(rtts) // 2] if rtts else None,
                    "wall_rtt_ms_max": rtts[-1] if rtts else None,
                },
            }
