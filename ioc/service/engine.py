"""The IOC engine: its state, and the one writer of it.

Every MQTT message goes through the route table (`routes`: one line per message kind,
`ioc.ingest.routing`), which checks it and holds it until the clock passes its event time;
then its handler applies it: organisation, registry, storage, rules and the case flow. The
clock advances on the simulator's ticks (each acknowledged once everything before it is
done) or on the wall clock, and fires the IOC's own timers in the same event-time order.

Single writer: one ingest thread calls `handle` and `wall_tick`; the API reads through
`ioc.service.views` and sends commands through `commands`. All of them hold `lock`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from ioc.casework.alarms import Alarm
from ioc.casework.answers import Answers
from ioc.casework.calendar import WorkCalendar
from ioc.casework.cases import Case, CaseLog, FlowRules
from ioc.casework.flow import CaseFlow
from ioc.casework.intake import Intake
from ioc.casework.org import Org
from ioc.contract import (
    ClockAck,
    ClockTick,
    CommandAck,
    CrewStatus,
    DeviceAnnouncement,
    DeviceInfo,
    EdgeEvent,
    GatewayStatus,
    GridInfo,
    OrgAnnouncement,
    PayloadError,
    PublicReport,
    Reading,
    SeqTracker,
    Task,
    TaskResult,
    TelemetryBatch,
    Topics,
    UnitInfo,
    encode,
)
from ioc.geo import offset_lonlat
from ioc.ingest.deadletters import DeadLetters, wall_iso
from ioc.ingest.routing import AT_ONCE, Arrival, Route, Router, TopicKind, readings_of
from ioc.ingest.sequencer import (
    RANK_CREW,
    RANK_READING,
    RANK_REPORT,
    RANK_RESULT,
    RANK_SETUP,
    Sequencer,
    Timers,
)
from ioc.measures.indicators import Indicators
from ioc.registry.devices import Registry
from ioc.rules.thresholds import RuleEngine
from ioc.service.commands import Commands
from ioc.service.config import ClockMode, IocConfig
from ioc.service.outbox import SOURCE, Outbox
from ioc.storage.store import Store

INDICATOR_KINDS = ("air_station", "traffic_detector", "smart_pole")
HOUR_MS = 3_600_000
SAMPLE = "sample"  # the hourly online-rate timer (the case flow's timers are its own)


class Engine:
    def __init__(
        self,
        store: Store,
        config: IocConfig,
        publish: Callable[[str, bytes], None],
        clock: ClockMode | str = ClockMode.SIM,
        wall_lateness_ms: int = 2000,
        missed_intervals: float = 3.0,
    ):
        self.store = store
        self.config = config
        self.catalogue = config.catalogue
        self.clock_mode = ClockMode(clock)
        self.calendar = WorkCalendar.load(config.calendar_path)
        self.tz = timezone(timedelta(hours=self.calendar.tz_offset_h))
        self.wall_lateness_ms = wall_lateness_ms
        self.lock = threading.RLock()
        self.counters: Counter[str] = Counter()
        self.dead = DeadLetters(store, self.counters)
        self.publish = publish  # unnumbered messages (clock acknowledgements)
        self.outbox = Outbox(publish, store)  # tasks and commands, numbered
        self.registry = Registry(missed_intervals)
        self.rules = RuleEngine(config.rules.rules, self.calendar.tz_offset_h)
        self.seq = Sequencer()
        self.timers = Timers()
        self.seen_readings = SeqTracker(window=256)
        self.org = Org()
        self.flow_rules = FlowRules(config.flow.stages)
        self.log = CaseLog.replay(
            store.case_events(), self.flow_rules, on_append=store.add_case_event
        )
        self.flow = CaseFlow(
            self.log,
            config.flow,
            self.catalogue,
            self.calendar,
            self.org,
            self._send_task,
            self.timers.schedule,
            self._save_alarm,
        )
        self.intake = Intake(self.flow)  # reports (alarms, patrol, hotline) into cases
        self.answers = Answers(self.flow)  # people's answers to their tasks
        self.commands = Commands(
            self.lock,
            lambda: self.now,
            self.iso,
            self.registry,
            store,
            self.outbox,
            self.dead,
            self.counters,
        )
        self.gateways: dict[str, dict[str, Any]] = {}
        self.indicators = Indicators(self.tz)
        self._crew_rows: dict[tuple[str, str], dict[str, Any]] = {}  # latest status per crew
        self.online_samples: list[tuple[int, int, int]] = []  # (ts, online, total)
        self.run_id: str | None = None
        self.now: int | None = None
        self.ticks = 0
        self.router = Router(self.routes(), self.seq, self.dead, self.counters)
        if not store.fresh:
            self._restore()

    def routes(self) -> list[Route[Any]]:
        """One line per message kind: topic kind, contract model, handler, event-time rank
        (AT_ONCE: applied on arrival) and the payload field that must name the topic."""
        return [
            Route(TopicKind.DEVICES, DeviceAnnouncement, self.on_devices, RANK_SETUP),
            Route(TopicKind.ORG, OrgAnnouncement, self.on_org, RANK_SETUP),
            Route(TopicKind.CREW, CrewStatus, self.on_crew, RANK_CREW, "department"),
            Route(TopicKind.RESULT, TaskResult, self.on_result, RANK_RESULT, None),
            Route(TopicKind.CMDACK, CommandAck, self.commands.on_ack, RANK_RESULT),
            Route(TopicKind.REPORT, PublicReport, self.on_report, RANK_REPORT, "channel"),
            Route(TopicKind.EVENTS, EdgeEvent, self.on_edge_event, RANK_REPORT),
            Route(
                TopicKind.TELEMETRY,
                TelemetryBatch,
                self.on_reading,
                RANK_READING,
                split=readings_of,
            ),
            Route(TopicKind.STATUS, GatewayStatus, self.on_status, AT_ONCE, "gateway_id"),
            Route(TopicKind.TICK, ClockTick, self.on_tick, AT_ONCE, None),
        ]

    # ------------------------------------------------------------------ restart
    def _restore(self) -> None:
        meta = self.store.meta()
        self.run_id = meta.get("run_id")
        self.now = int(meta["clock"]) if "clock" in meta else None
        self.ticks = int(meta.get("ticks", 0))
        self.outbox.restore(int(meta.get("out_seq", 0)))
        self.online_samples = [tuple(s) for s in orjson.loads(meta.get("online_samples", "[]"))]
        for source, n in orjson.loads(meta.get("sources", "{}")).items():
            self.seq.sources.restore(source, n)
        org = orjson.loads(meta.get("org", "{}"))
        for g in org.get("grids", []):
            self.org.add_grid(GridInfo.model_validate(g))
        for u in org.get("units", []):
            self.org.add_unit(UnitInfo.model_validate(u))
        for c in orjson.loads(meta.get("crews", "[]")):
            self._crew_rows[(c["department"], c["crew"])] = c
            self.org.crew_status(CrewStatus.model_validate(c))
        for dev in self.store.devices():
            self.registry.devices[dev.device_id] = dev
        for device_id, (last_ts, last_seq, count) in self.store.reading_stats().items():
            self.seen_readings.restore(device_id, last_seq)
            dev = self.registry.get(device_id)
            if dev is not None:
                dev.last_seen_ts, dev.readings = last_ts, count
        feeding = [d for d in self.registry.devices.values() if d.kind in INDICATOR_KINDS]
        for device_id, ts, values in self.store.readings_of([d.device_id for d in feeding]):
            self.indicators.observe(self.registry.devices[device_id], ts, values)
        self.commands.restore()
        now = self.now or 0
        for alarm in self.flow.restore(self.store.alarms(), now):
            self.rules.restore_active(alarm.rule_id, alarm.device_id, alarm.raised_ts)
        if self.now is not None:
            self.timers.schedule((self.now // HOUR_MS + 1) * HOUR_MS, SAMPLE)
        if self.run_id:
            self.seq.watermark = self.now

    def provision(self, devices: list[tuple[DeviceInfo, str]]) -> int:
        """Register devices from a registry file before they report (they count as offline
        until they are heard from)."""
        with self.lock:
            for info, gateway in devices:
                dev = self.registry.register(info, gateway, 0)
                dev.provisioned = True
                self.store.put_device(dev)
            self.store.flush()
            return len(devices)

    # ------------------------------------------------------------------ ingest
    def handle(self, topic: str, payload: bytes, received_at: str | None = None) -> None:
        """One MQTT message. Bad input goes to the dead-letter store; nothing raises."""
        with self.lock:
            self.router.take(topic, payload, received_at or wall_iso())
            self._run_ready_ticks()

    def _refuse(
        self, a: Arrival[Any], reason: str, detail: str, payload: bytes | None = None
    ) -> None:
        self.dead.add(
            a.received_at, a.topic, reason, detail, a.payload if payload is None else payload
        )

    # ------------------------------------------------------------------ clock
    def on_tick(self, a: Arrival[ClockTick]) -> None:
        tick = a.msg
        if self.clock_mode != ClockMode.SIM:
            raise PayloadError("clock_mode", "this IOC runs on the wall clock; ticks ignored")
        if self.run_id is None:
            self.run_id = tick.run_id
            self.store.set_meta("run_id", tick.run_id)
        elif tick.run_id != self.run_id:
            raise PayloadError(
                "foreign_run",
                f"tick of run {tick.run_id!r}; this IOC holds "
                f"run {self.run_id!r} (start it with a fresh --data)",
            )
        if tick.seq <= self.ticks:  # redelivered: acknowledge again, change nothing
            self._ack(tick)
            return
        waiting = self.seq.last_offered()
        if waiting is not None and tick.seq <= waiting:
            return  # redelivered while still waiting for its messages: already queued
        self.seq.offer_tick(tick)

    def _run_ready_ticks(self) -> None:
        """Advance through every tick whose messages have all arrived, acknowledging each."""
        for ready in self.seq.ready_ticks():
            self.advance(ready.ts)
            self.ticks = ready.seq
            self.store.set_meta("ticks", str(self.ticks))
            self.store.flush()
            self._ack(ready)

    def wall_tick(self, now_ms: int) -> None:
        """Wall-clock mode: advance to now minus the allowed lateness."""
        with self.lock:
            self.advance(now_ms - self.wall_lateness_ms)
            self.store.flush()

    def advance(self, before: int) -> None:
        """Process every held event with ts < before, with the timers due among them."""
        if self.now is None:  # first step: sample online devices from the first full hour on
            first = min(before, self.seq.next_ts() or before)
            self.timers.schedule((first // HOUR_MS + 1) * HOUR_MS, SAMPLE)
        for ts, item in self.seq.release(before):
            self._fire_timers(ts)
            try:
                self.router.apply(item)
            except Exception as err:  # keep going; the event is kept as a dead letter
                detail = f"{item.kind} at {ts}: {err!r}"
                self.dead.internal("(internal)", detail, repr(item.msg).encode())
        self._fire_timers(before)
        self.now = max(self.now or before, before)
        self.store.set_meta("clock", str(self.now))
        self.store.set_meta("sources", orjson.dumps(self.seq.sources.snapshot()).decode())

    def _fire_timers(self, before: int) -> None:
        for due, kind, key in self.timers.pop_due(before):
            if kind == SAMPLE:
                self._sample_online(due)
                continue
            try:
                self.flow.on_timer(kind, key, due)
            except Exception as err:  # a bug in one case must not stop the clock
                self.dead.internal("(timer)", f"{kind} {key} at {due}: {err!r}", key.encode())

    def _sample_online(self, due: int) -> None:
        online, total = self.registry.online_count(due)
        if total:
            self.online_samples.append((due, online, total))
            self.store.set_meta("online_samples", orjson.dumps(self.online_samples).decode())
        self.timers.schedule(due + HOUR_MS, SAMPLE)

    def _ack(self, tick: ClockTick) -> None:
        ack = ClockAck(
            run_id=tick.run_id,
            seq=tick.seq,
            ts=tick.ts,
            published={SOURCE: self.outbox.last_seq},
            stats={
                "cases": len(self.log.cases),
                "open_cases": len(self.log.open_cases()),
                "active_alarms": len(self.flow.active),
                "readings": self.counters["readings"],
                "dead_letters": self.counters["dead_letters"],
            },
        )
        self.publish(Topics.ACK, encode(ack))

    # ------------------------------------------------------------------ handlers: devices
    def on_devices(self, a: Arrival[DeviceAnnouncement]) -> None:
        """A gateway announces its devices: registered (or updated) under it."""
        for info in a.msg.devices:
            self.store.put_device(self.registry.register(info, a.ref.ident, a.msg.ts))
        self.counters["devices_registered"] += len(a.msg.devices)

    def on_status(self, a: Arrival[GatewayStatus]) -> None:
        """A gateway's status (retained; `offline` is its last will), kept as last reported."""
        status, gateway = a.msg, a.ref.ident
        known = self.gateways.get(gateway)
        if known and status.ts is not None and (known["ts"] or 0) > status.ts:
            return  # an older status drained from a backlog after a newer one
        self.gateways[gateway] = {
            "gateway_id": gateway,
            "status": status.status,
            "ts": status.ts,
            "received_at": a.received_at,
            "counters": status.counters or (known or {}).get("counters"),
        }

    def on_reading(self, a: Arrival[Reading]) -> None:
        """Where a reading is stored, feeds the city indicators and the threshold rules; an
        alarm raised becomes a report of the case flow (智能发现)."""
        r = a.msg
        dev = self.registry.get(r.device_id)
        if dev is None:
            detail = f"device {r.device_id!r} is not registered"
            self._refuse(a, "unknown_device", detail, r.model_dump_json().encode())
            return
        if not self.seen_readings.add(r.device_id, r.seq):
            self.counters["duplicate_readings"] += 1
            return
        self.counters["readings"] += 1
        self.registry.seen(dev, r.ts)
        self.store.add_reading(r.device_id, r.ts, r.seq, r.values)
        if dev.kind in INDICATOR_KINDS:
            self.indicators.observe(dev, r.ts, r.values)
        for change in self.rules.evaluate(dev.kind, dev.device_id, r.ts, r.values):
            if change.change == "raised":
                self.intake.alarm_raised(
                    change.rule.id, change.rule.category, dev, change.ts, change.value
                )
                self.counters["alarms_raised"] += 1
            else:
                self.intake.alarm_cleared(change.rule.id, change.device_id, change.ts)

    def on_edge_event(self, a: Arrival[EdgeEvent]) -> None:
        """Where a video detection becomes an alarm: keep its evidence, file it by the event
        rules (kind and scene -> catalogue item), raise or clear the alarm."""
        ev = a.msg
        dev = self.registry.get(ev.device_id)
        if dev is None:
            self._refuse(a, "unknown_device", f"device {ev.device_id!r} is not registered")
            return
        rule = self.config.rules.event_rule(ev.kind, ev.scene)
        if rule is None:
            detail = f"no event rule files {ev.kind!r} events (scene {ev.scene!r})"
            self._refuse(a, "no_event_rule", detail)
            return
        evidence_id = f"{ev.source}.{ev.event_id}"
        key = f"{ev.device_id}/{ev.event_id}"
        if ev.state == "raised" and (rule.id, key) in self.flow.active:
            # raised again while open (a gateway that restarted and lost its view state):
            # the alarm and its first snapshot stand
            self.counters["edge_events.repeated"] += 1
            return
        row: dict[str, Any] = {
            "evidence_id": evidence_id,
            "state": ev.state,
            "source": ev.source,
            "event_id": ev.event_id,
            "device_id": ev.device_id,
            "kind": ev.kind,
            "scene": ev.scene,
            "ts": ev.ts,
            "confidence": ev.confidence,
            "bbox": orjson.dumps(ev.bbox).decode() if ev.bbox else None,
            "lon": ev.lon,
            "lat": ev.lat,
            "rule_id": rule.id,
        }
        if ev.snapshot_jpeg:
            row["snapshot"] = self.store.save_evidence(evidence_id, ev.snapshot_jpeg)
        self.counters[f"edge_events.{ev.state}"] += 1
        confidence = ev.confidence if ev.confidence is not None else 1.0
        if ev.state == "cleared":
            alarm = self.intake.alarm_cleared(rule.id, key, ev.ts)
            row["alarm_id"] = alarm.alarm_id if alarm else None
        elif confidence >= rule.min_confidence:
            at = None
            lon, lat = ev.lon, ev.lat
            if lon is None and ev.bearing_deg is not None:
                # A bearing without a range (smoke seen above the skyline): put it halfway
                # out along the bearing; the crew will see the smoke from there.
                reach = ev.range_m or dev.attrs.get("radius_m", 0.0) / 2
                lon, lat = offset_lonlat(dev.lon, dev.lat, ev.bearing_deg, reach)
            if lon is not None and lat is not None:
                at = (lon, lat, self.org.grid_at(lon, lat) or dev.grid)
            alarm = self.intake.alarm_raised(
                rule.id,
                rule.category,
                dev,
                ev.ts,
                confidence,
                at=at,
                key=key,
                evidence=evidence_id if row.get("snapshot") else None,
            )
            row["alarm_id"] = alarm.alarm_id
            self.counters["alarms_raised"] += 1
        else:
            self.counters["edge_events.below_confidence"] += 1
        self.store.add_edge_event(row)

    # ------------------------------------------------------------------ handlers: the city
    def on_org(self, a: Arrival[OrgAnnouncement]) -> None:
        """The city's grid cells and handling units (a unit of a type the catalogue does not
        know is refused)."""
        for grid in a.msg.grids:
            self.org.add_grid(grid)
        for unit in a.msg.units:
            if self.catalogue.department(unit.type) is None:
                detail = (
                    f"unit {unit.code!r} has type {unit.type!r}, not a catalogue department type"
                )
                self._refuse(a, "unknown_unit_type", detail)
                continue
            self.org.add_unit(unit)
        self.store.set_meta(
            "org",
            orjson.dumps(
                {
                    "grids": [g.model_dump() for g in self.org.grids.values()],
                    "units": [u.model_dump() for u in self.org.units.values()],
                }
            ).decode(),
        )

    def on_crew(self, a: Arrival[CrewStatus]) -> None:
        """Where a crew is and whether it is free (就近调度 picks from these)."""
        crew = a.msg
        if crew.department not in self.org.units:
            detail = (
                f"crew {crew.crew!r} of unit {crew.department!r}, which the "
                "organisation does not list"
            )
            self._refuse(a, "unknown_unit", detail)
            return
        self.org.crew_status(crew)
        self._crew_rows[(crew.department, crew.crew)] = crew.model_dump()
        self.store.set_meta("crews", orjson.dumps(list(self._crew_rows.values())).decode())

    # ------------------------------------------------------------------ handlers: case work
    def on_report(self, a: Arrival[PublicReport]) -> None:
        """A patrol or hotline report (主动发现, 被动发现) into the case flow."""
        rep = a.msg
        reason = self.intake.public_report(rep)
        if reason:
            self._refuse(a, reason, f"category {rep.category!r}")
        else:
            self.counters[f"reports.{rep.channel}"] += 1

    def on_result(self, a: Arrival[TaskResult]) -> None:
        """A person's answer to a task: only from whom the task was given to."""
        res, role, unit = a.msg, a.ref.role, a.ref.ident
        case = self.log.cases.get(res.case_id)
        task = case.open_tasks.get(res.task_id) if case else None
        if task is not None and (task["role"], task["unit"]) != (role, unit):
            reason: str | None = "source_mismatch"
            why = (
                f": the task was given to {task['role']}/{task['unit']},"
                f" the answer came from {role}/{unit}"
            )
        else:
            reason, why = self.answers.task_result(res), ""
        if reason:
            detail = f"case {res.case_id} task {res.task_id} ({res.kind} {res.outcome}){why}"
            self._refuse(a, reason, detail)
        else:
            self.counters[f"results.{res.kind}"] += 1

    # ------------------------------------------------------------------ outputs
    def _send_task(
        self, kind: str, role: str, unit: str, case: Case, fields: dict[str, Any]
    ) -> None:
        place = {"lon": case.lon, "lat": case.lat, **fields}  # a task may name another spot
        fields = {k: v for k, v in place.items() if k not in ("lon", "lat")}
        (msg_seq,) = self.outbox.next_seqs(1)
        task = Task(
            source=SOURCE,
            msg_seq=msg_seq,
            kind=kind,
            role=role,
            unit=unit,
            case_id=case.case_id,
            category=case.category,
            channel=case.channel,
            lon=place["lon"],
            lat=place["lat"],
            grid=case.grid or None,
            reports=max(1, len(case.reports)),
            ref=case.reports[0]["ref"] if case.reports else None,
            **fields,
        )
        self.outbox.send([(Topics.task(role, unit), task)])
        self.counters[f"tasks.{kind}"] += 1

    def _save_alarm(self, alarm: Alarm) -> None:
        self.store.put_alarm(alarm.to_dict())

    def iso(self, ts: int | None) -> str | None:
        """An event time as local ISO time (the calendar's UTC offset)."""
        if ts is None:
            return None
        return datetime.fromtimestamp(ts / 1000, self.tz).isoformat(timespec="seconds")
