"""The IOC engine: ingest (validate, deduplicate, dead-letter), then, in event-time order,
organisation, registry, storage, rules and the case flow; plus the views the API serves.

Single writer: one ingest thread calls `handle` and `wall_tick`; the API reads through the
view methods. Both hold `lock`.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Literal

import orjson
from pydantic import ValidationError

from ioc.casework.calendar import WorkCalendar
from ioc.casework.cases import ACTION_ZH, CLOSURE_ZH, Case, CaseLog, FlowRules
from ioc.casework.flow import Alarm, CaseFlow
from ioc.casework.org import Org
from ioc.casework.vocabulary import CHANNEL_ZH, LEVEL_ZH
from ioc.contract import (
    ClockAck,
    ClockTick,
    Command,
    CommandAck,
    CrewStatus,
    DeviceAnnouncement,
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
    decode,
    describe_validation_error,
    encode,
    parse_topic,
)
from ioc.geo import offset_lonlat
from ioc.ingest.sequencer import (
    RANK_CREW,
    RANK_READING,
    RANK_REPORT,
    RANK_RESULT,
    RANK_SETUP,
    Pending,
    Sequencer,
    Timers,
)
from ioc.measures.indicators import Indicators
from ioc.measures.kpis import compute_kpis, ratio
from ioc.registry.devices import Registry
from ioc.rules.thresholds import RuleEngine
from ioc.service.config import IocConfig
from ioc.storage.store import Store

ClockMode = Literal["sim", "wall"]
SOURCE = "ioc"  # the IOC's own msg_seq source for tasks and commands
INDICATOR_KINDS = ("air_station", "traffic_detector", "smart_pole")
HOUR_MS = 3_600_000


class Engine:
    def __init__(
        self,
        store: Store,
        config: IocConfig,
        publish: Callable[[str, bytes], None],
        clock: ClockMode = "sim",
        wall_lateness_ms: int = 2000,
        missed_intervals: float = 3.0,
    ):
        self.store = store
        self.config = config
        self.catalogue = config.catalogue
        self.publish = publish
        self.clock_mode = clock
        self.calendar = WorkCalendar.load(config.calendar_path)
        self.tz = timezone(timedelta(hours=self.calendar.tz_offset_h))
        self.wall_lateness_ms = wall_lateness_ms
        self.lock = threading.RLock()
        self.counters: Counter[str] = Counter()
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
        self.gateways: dict[str, dict[str, Any]] = {}
        self.indicators = Indicators(self.tz)
        self.commands: dict[str, dict[str, Any]] = {}
        self._crew_rows: dict[tuple[str, str], dict[str, Any]] = {}  # latest status per crew
        self.online_samples: list[tuple[int, int, int]] = []  # (ts, online, total)
        self.run_id: str | None = None
        self.now: int | None = None
        self.ticks = 0
        self._out_seq = 0
        if not store.fresh:
            self._restore()

    # ------------------------------------------------------------------ restart
    def _restore(self) -> None:
        meta = self.store.meta()
        self.run_id = meta.get("run_id")
        self.now = int(meta["clock"]) if "clock" in meta else None
        self.ticks = int(meta.get("ticks", 0))
        self._out_seq = int(meta.get("out_seq", 0))
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
        self.commands = {c["command_id"]: c for c in self.store.commands()}
        now = self.now or 0
        for alarm in self.flow.restore(self.store.alarms(), now):
            self.rules.restore_active(alarm.rule_id, alarm.device_id, alarm.raised_ts)
        if self.now is not None:
            self.timers.schedule((self.now // HOUR_MS + 1) * HOUR_MS, "sample")
        if self.run_id:
            self.seq.watermark = self.now

    # ------------------------------------------------------------------ ingest
    def handle(self, topic: str, payload: bytes, received_at: str | None = None) -> None:
        """One MQTT message. Bad input goes to the dead-letter store; nothing raises."""
        received_at = received_at or datetime.now(UTC).isoformat(timespec="milliseconds")
        with self.lock:
            self.counters["messages"] += 1
            try:
                self._route(topic, payload, received_at)
            except PayloadError as err:
                self._dead(received_at, topic, err.reason, err.detail, payload)
                self._salvage_envelope(payload)
            except Exception as err:  # a bug must not stop ingest: keep the message and go on
                self._dead(received_at, topic, "internal_error", repr(err), payload)
            self._run_ready_ticks()

    def _route(self, topic: str, payload: bytes, received_at: str) -> None:
        ref = parse_topic(topic)
        if ref is None or ref.kind in ("task", "ack", "command"):
            raise PayloadError("unknown_topic", f"not a citysim/v1 input topic: {topic}")
        origin = (received_at, topic, payload)
        if ref.kind == "telemetry":
            batch = decode(TelemetryBatch, payload)
            self._check_source(batch.source, ref.ident)
            if self._accept(batch.source, batch.msg_seq):
                for r in batch.readings:
                    self.seq.push(
                        Pending(
                            r.ts,
                            RANK_READING,
                            (r.device_id, r.seq),
                            "reading",
                            (ref.ident, r, received_at),
                        )
                    )
        elif ref.kind == "events":
            ev = decode(EdgeEvent, payload)
            self._check_source(ev.source, ref.ident)
            self._queue(ev, RANK_REPORT, "edge_event", (origin, ev))
        elif ref.kind == "devices":
            ann = decode(DeviceAnnouncement, payload)
            self._check_source(ann.source, ref.ident)
            self._queue(ann, RANK_SETUP, "devices", (ref.ident, ann))
        elif ref.kind == "org":
            org = decode(OrgAnnouncement, payload)
            self._check_source(org.source, ref.ident)
            self._queue(org, RANK_SETUP, "org", (origin, org))
        elif ref.kind == "crew":
            crew = decode(CrewStatus, payload)
            self._check_source(crew.department, ref.ident, "department")
            self._queue(crew, RANK_CREW, "crew", (origin, crew))
        elif ref.kind == "report":
            rep = decode(PublicReport, payload)
            self._check_source(rep.channel, ref.ident, "channel")
            self._queue(rep, RANK_REPORT, "report", (origin, rep))
        elif ref.kind == "result":
            res = decode(TaskResult, payload)
            self._queue(res, RANK_RESULT, "result", (origin, ref.role, ref.ident, res))
        elif ref.kind == "cmdack":
            ack = decode(CommandAck, payload)
            self._check_source(ack.source, ref.ident)
            self._queue(ack, RANK_RESULT, "cmdack", (origin, ack))
        elif ref.kind == "status":
            status = decode(GatewayStatus, payload)
            self._check_source(status.gateway_id, ref.ident)
            known = self.gateways.get(ref.ident)
            if known and status.ts is not None and (known["ts"] or 0) > status.ts:
                return  # an older status drained from a backlog after a newer one
            self.gateways[ref.ident] = {
                "gateway_id": ref.ident,
                "status": status.status,
                "ts": status.ts,
                "received_at": received_at,
                "counters": status.counters or (known or {}).get("counters"),
            }
        elif ref.kind == "tick":
            self._on_tick(decode(ClockTick, payload))

    @staticmethod
    def _check_source(value: str, ident: str, what: str = "source") -> None:
        if value != ident:
            raise PayloadError(
                "source_mismatch", f"{what} {value!r} published on the topic of {ident!r}"
            )

    def _queue(self, msg: Any, rank: int, kind: str, item: tuple[Any, ...]) -> None:
        """Hold an accepted message until the clock passes its event time (duplicates are
        counted and dropped)."""
        if self._accept(msg.source, msg.msg_seq):
            self.seq.push(Pending(msg.ts, rank, (msg.source, msg.msg_seq), kind, item))

    def _accept(self, source: str, msg_seq: int) -> bool:
        if self.seq.accept(source, msg_seq):
            return True
        self.counters["duplicate_messages"] += 1
        return False

    def _salvage_envelope(self, payload: bytes) -> None:
        """A rejected message still counts as received, so a clock waiting for it moves on."""
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if (
            isinstance(doc, dict)
            and isinstance(doc.get("source"), str)
            and isinstance(doc.get("msg_seq"), int)
            and doc["msg_seq"] > 0
        ):
            self.seq.accept(doc["source"], doc["msg_seq"])

    def _dead(self, received_at: str, topic: str, reason: str, detail: str, payload: bytes) -> None:
        self.counters["dead_letters"] += 1
        self.counters[f"dead_letters.{reason}"] += 1
        self.store.add_dead_letter(received_at, topic, reason, detail, payload)
        self.store.flush()  # rare, and an operator looks for them at once

    # ------------------------------------------------------------------ clock
    def _on_tick(self, tick: ClockTick) -> None:
        if self.clock_mode != "sim":
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
            self.timers.schedule((first // HOUR_MS + 1) * HOUR_MS, "sample")
        for p in self.seq.release(before):
            self._fire_timers(p.ts)
            try:
                self._apply(p)
            except Exception as err:  # keep going; the event is kept as a dead letter
                self._dead(
                    datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "(internal)",
                    "internal_error",
                    f"{p.kind} at {p.ts}: {err!r}",
                    repr(p.item).encode(),
                )
        self._fire_timers(before)
        self.now = max(self.now or before, before)
        self.store.set_meta("clock", str(self.now))
        self.store.set_meta("sources", orjson.dumps(self.seq.sources.snapshot()).decode())

    def _fire_timers(self, before: int) -> None:
        for due, kind, key in self.timers.pop_due(before):
            if kind == "sample":
                online, total = self.registry.online_count(due)
                if total:
                    self.online_samples.append((due, online, total))
                    self.store.set_meta(
                        "online_samples", orjson.dumps(self.online_samples).decode()
                    )
                self.timers.schedule(due + HOUR_MS, "sample")
            else:
                try:
                    self.flow.on_timer(kind, key, due)
                except Exception as err:  # a bug in one case must not stop the clock
                    self._dead(
                        datetime.now(UTC).isoformat(timespec="milliseconds"),
                        "(timer)",
                        "internal_error",
                        f"{kind} {key} at {due}: {err!r}",
                        key.encode(),
                    )

    def _ack(self, tick: ClockTick) -> None:
        ack = ClockAck(
            run_id=tick.run_id,
            seq=tick.seq,
            ts=tick.ts,
            published={SOURCE: self._out_seq},
            stats=self._stats(),
        )
        self.publish(Topics.ACK, encode(ack))

    def _stats(self) -> dict[str, int]:
        return {
            "cases": len(self.log.cases),
            "open_cases": len(self.log.open_cases()),
            "active_alarms": len(self.flow.active),
            "readings": self.counters["readings"],
            "dead_letters": self.counters["dead_letters"],
        }

    # ------------------------------------------------------------------ apply (event time)
    def _apply(self, p: Pending) -> None:
        if p.kind == "reading":
            self._apply_reading(*p.item)
        elif p.kind == "edge_event":
            self._apply_edge_event(*p.item)
        elif p.kind == "devices":
            gateway, ann = p.item
            for info in ann.devices:
                self.store.put_device(self.registry.register(info, gateway, ann.ts))
            self.counters["devices_registered"] += len(ann.devices)
        elif p.kind == "org":
            (received_at, topic, payload), org = p.item
            for grid in org.grids:
                self.org.add_grid(grid)
            for unit in org.units:
                if self.catalogue.department(unit.type) is None:
                    self._dead(
                        received_at,
                        topic,
                        "unknown_unit_type",
                        f"unit {unit.code!r} has type {unit.type!r}, not a catalogue "
                        "department type",
                        payload,
                    )
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
        elif p.kind == "crew":
            (received_at, topic, payload), crew = p.item
            if crew.department not in self.org.units:
                self._dead(
                    received_at,
                    topic,
                    "unknown_unit",
                    f"crew {crew.crew!r} of unit {crew.department!r}, which the "
                    "organisation does not list",
                    payload,
                )
                return
            self.org.crew_status(crew)
            self._crew_rows[(crew.department, crew.crew)] = crew.model_dump()
            self.store.set_meta("crews", orjson.dumps(list(self._crew_rows.values())).decode())
        elif p.kind == "report":
            (received_at, topic, payload), rep = p.item
            reason = self.flow.public_report(rep)
            if reason:
                self._dead(received_at, topic, reason, f"category {rep.category!r}", payload)
            else:
                self.counters[f"reports.{rep.channel}"] += 1
        elif p.kind == "cmdack":
            (received_at, topic, payload), ack = p.item
            if not self._command_acked(ack, received_at):
                self._dead(
                    received_at,
                    topic,
                    "unknown_command",
                    f"command {ack.command_id}: not sent to this gateway, answered "
                    "already, or about other devices",
                    payload,
                )
        elif p.kind == "result":
            (received_at, topic, payload), role, unit, res = p.item
            rejected = self._answer(role, unit, res)
            if rejected:
                reason, why = rejected
                self._dead(
                    received_at,
                    topic,
                    reason,
                    f"case {res.case_id} task {res.task_id} ({res.kind} {res.outcome}){why}",
                    payload,
                )
            else:
                self.counters[f"results.{res.kind}"] += 1

    def _answer(self, role: str, unit: str, res: TaskResult) -> tuple[str, str] | None:
        """Apply an answer; (reason, explanation) when it is refused."""
        case = self.log.cases.get(res.case_id)
        task = case.open_tasks.get(res.task_id) if case else None
        if task is not None and (task["role"], task["unit"]) != (role, unit):
            return "source_mismatch", (
                f": the task was given to {task['role']}/{task['unit']},"
                f" the answer came from {role}/{unit}"
            )
        reason = self.flow.task_result(res)
        return (reason, "") if reason else None

    def _apply_reading(self, gateway: str, r: Reading, received_at: str) -> None:
        dev = self.registry.get(r.device_id)
        if dev is None:
            self._dead(
                received_at,
                Topics.telemetry(gateway),
                "unknown_device",
                f"device {r.device_id!r} is not registered",
                r.model_dump_json().encode(),
            )
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
                self.flow.alarm_raised(
                    change.rule.id, change.rule.category, dev, change.ts, change.value
                )
                self.counters["alarms_raised"] += 1
            else:
                self.flow.alarm_cleared(change.rule.id, change.device_id, change.ts)

    def _apply_edge_event(self, origin: tuple[str, str, bytes], ev: EdgeEvent) -> None:
        """Where a video detection becomes an alarm: keep its evidence, file it by the event
        rules (kind and scene -> catalogue item), raise or clear the alarm."""
        received_at, topic, payload = origin
        dev = self.registry.get(ev.device_id)
        if dev is None:
            self._dead(
                received_at,
                topic,
                "unknown_device",
                f"device {ev.device_id!r} is not registered",
                payload,
            )
            return
        rule = self.config.rules.event_rule(ev.kind, ev.scene)
        if rule is None:
            self._dead(
                received_at,
                topic,
                "no_event_rule",
                f"no event rule files {ev.kind!r} events (scene {ev.scene!r})",
                payload,
            )
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
        if ev.state == "cleared":
            alarm = self.flow.alarm_cleared(rule.id, key, ev.ts)
            row["alarm_id"] = alarm.alarm_id if alarm else None
        elif (ev.confidence if ev.confidence is not None else 1.0) >= rule.min_confidence:
            at = None
            lon, lat = ev.lon, ev.lat
            if lon is None and ev.bearing_deg is not None:
                # A bearing without a range (smoke seen above the skyline): put it halfway
                # out along the bearing; the crew will see the smoke from there.
                reach = ev.range_m or dev.attrs.get("radius_m", 0.0) / 2
                lon, lat = offset_lonlat(dev.lon, dev.lat, ev.bearing_deg, reach)
            if lon is not None and lat is not None:
                at = (lon, lat, self.org.grid_at(lon, lat) or dev.grid)
            alarm = self.flow.alarm_raised(
                rule.id,
                rule.category,
                dev,
                ev.ts,
                ev.confidence if ev.confidence is not None else 1.0,
                at=at,
                key=key,
                evidence=evidence_id if row.get("snapshot") else None,
            )
            row["alarm_id"] = alarm.alarm_id
            self.counters["alarms_raised"] += 1
        else:
            self.counters["edge_events.below_confidence"] += 1
        self.store.add_edge_event(row)

    # ------------------------------------------------------------------ outputs
    def _send_task(
        self, kind: str, role: str, unit: str, case: Case, fields: dict[str, Any]
    ) -> None:
        self._out_seq += 1
        self.store.set_meta("out_seq", str(self._out_seq))
        place = {"lon": case.lon, "lat": case.lat, **fields}  # a task may name another spot
        fields = {k: v for k, v in place.items() if k not in ("lon", "lat")}
        task = Task(
            source=SOURCE,
            msg_seq=self._out_seq,
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
        self.publish(Topics.task(role, unit), encode(task))
        self.counters[f"tasks.{kind}"] += 1

    def provision(self, devices: list[tuple[Any, str]]) -> int:
        """Register devices from a registry file before they report (they count as offline
        until they are heard from)."""
        with self.lock:
            for info, gateway in devices:
                dev = self.registry.register(info, gateway, 0)
                dev.provisioned = True
                self.store.put_device(dev)
            self.store.flush()
            return len(devices)

    # ------------------------------------------------------------------ commands
    def issue_command(
        self,
        action: str,
        params: dict[str, Any],
        devices: list[str] | None = None,
        kind: str | None = None,
        grid: str | None = None,
        issued_by: str = "api",
    ) -> dict[str, Any]:
        """Send a command to devices (by id, or all of a kind, optionally in one grid) through
        their gateways; raises ValueError when nothing matches."""
        with self.lock:
            if self.now is None:
                raise ValueError("the IOC's clock has not started yet (no tick or wall time)")
            if devices is not None and (kind is not None or grid is not None):
                raise ValueError("target either `devices`, or a `kind` (and `grid`), not both")
            if devices is None and kind is None:
                raise ValueError("name the target: `devices`, or a device `kind`")
            if devices is not None:
                unknown = [d for d in devices if d not in self.registry.devices]
                if unknown:
                    raise ValueError(f"unknown devices: {unknown[:5]}")
                chosen = [self.registry.devices[d] for d in devices]
            else:
                chosen = [
                    d
                    for d in self.registry.devices.values()
                    if (kind is None or d.kind == kind) and (grid is None or d.grid == grid)
                ]
            if not chosen:
                raise ValueError("no device matches the command's target")
            command_id = f"CMD{len(self.commands) + 1:06d}"
            now = self.now
            by_gateway: dict[str, list[str]] = defaultdict(list)
            for dev in sorted(chosen, key=lambda d: d.device_id):
                by_gateway[dev.gateway].append(dev.device_id)
            record = {
                "command_id": command_id,
                "action": action,
                "params": params,
                "issued_ts": now,
                "issued": self.iso(now),
                "issued_by": issued_by,
                "issued_wall_ms": _wall_ms(),
                "devices": len(chosen),
                "gateways": {
                    gw: {
                        "devices": devs,
                        "acked_ts": None,
                        "rtt_ms": None,
                        "wall_rtt_ms": None,
                        "results": None,
                    }
                    for gw, devs in sorted(by_gateway.items())
                },
            }
            try:  # validate every message before any takes a number the simulator waits for
                messages = [
                    (
                        gw,
                        Command(
                            source=SOURCE,
                            msg_seq=self._out_seq + i + 1,
                            ts=now,
                            command_id=command_id,
                            devices=devs,
                            action=action,
                            params=params,
                        ),
                    )
                    for i, (gw, devs) in enumerate(sorted(by_gateway.items()))
                ]
            except ValidationError as err:
                raise ValueError(describe_validation_error(err)) from None
            for gw, msg in messages:
                self.publish(Topics.command(gw), encode(msg))
            self._out_seq += len(messages)
            self.store.set_meta("out_seq", str(self._out_seq))
            self.commands[command_id] = record
            self.store.put_command(record)
            self.store.flush()
            self.counters["commands_sent"] += 1
            return self._command_view(record)

    def _command_acked(self, ack: CommandAck, received_at: str) -> bool:
        record = self.commands.get(ack.command_id)
        sent = record["gateways"].get(ack.source) if record else None
        if sent is None or sent["results"] is not None:
            return False  # not sent to this gateway, or answered already
        if {r.device_id for r in ack.results} - set(sent["devices"]):
            return False
        sent["acked_ts"] = ack.ts
        sent["rtt_ms"] = ack.ts - record["issued_ts"]
        sent["wall_rtt_ms"] = _wall_ms(received_at) - record["issued_wall_ms"]
        sent["results"] = [r.model_dump() for r in ack.results]
        self.store.put_command(record)
        self.counters["command_acks"] += 1
        return True

    def _command_view(self, record: dict[str, Any]) -> dict[str, Any]:
        results = [r for g in record["gateways"].values() for r in (g["results"] or [])]
        acked = [g for g in record["gateways"].values() if g["results"] is not None]
        status = (
            "acked"
            if len(acked) == len(record["gateways"])
            else ("partly_acked" if acked else "sent")
        )
        return {
            **record,
            "status": status,
            "ok": sum(1 for r in results if r["status"] == "ok"),
            "failed": sum(1 for r in results if r["status"] != "ok"),
        }

    def command_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self._command_view(r) for r in self.commands.values()]

    def indicator_view(self, as_of: int | None = None) -> dict[str, Any]:
        with self.lock:
            before = as_of if as_of is not None else (self.now or 0)
            rtts = sorted(
                g["wall_rtt_ms"]
                for c in self.commands.values()
                for g in c["gateways"].values()
                if g["wall_rtt_ms"] is not None
            )
            online = [s for s in self.online_samples if s[0] <= before]
            return {
                "as_of_ts": before,
                "as_of": self.iso(before),
                "air_quality": self.indicators.air(before),
                "congestion": self.indicators.congestion(before),
                "lighting": self.indicators.lighting(),
                "device_online_rate": (
                    round(sum(o / t for _, o, t in online) / len(online), 6) if online else None
                ),
                "commands": {
                    "sent": len(self.commands),
                    "acks": len(rtts),
                    "wall_rtt_ms_p50": rtts[len(rtts) // 2] if rtts else None,
                    "wall_rtt_ms_max": rtts[-1] if rtts else None,
                },
            }

    def _save_alarm(self, alarm: Alarm) -> None:
        self.store.put_alarm(alarm.to_dict())

    # ------------------------------------------------------------------ views (API)
    def iso(self, ts: int | None) -> str | None:
        if ts is None:
            return None
        return datetime.fromtimestamp(ts / 1000, self.tz).isoformat(timespec="seconds")

    def case_view(self, case: Case) -> dict[str, Any]:
        item = self.catalogue.item(case.category)
        unit = self.org.units.get(case.department or "")
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
            "reported": self.iso(case.reported_ts),
            "deadline_ts": case.deadline_ts,
            "deadline": self.iso(case.deadline_ts),
            "handled_ts": case.handled_ts,
            "handled": self.iso(case.handled_ts),
            "closed_ts": case.closed_ts,
            "closed": self.iso(case.closed_ts),
            "closure_type": case.closure_type,
            "closure_zh": CLOSURE_ZH.get(case.closure_type or ""),
            "void_reason": case.void_reason,
            "overdue": case.overdue,
            "on_time": case.on_time,
            "rework": case.rework,
            "returned": case.returned,
            "extensions": case.extensions,
            "open_tasks": case.open_tasks,
            "timeline": [dict(ev.to_dict(), time=self.iso(ev.ts)) for ev in case.events],
        }

    def cases(self, stage: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                self.case_view(c)
                for c in self.log.cases.values()
                if stage is None or (c.stage and c.stage.value == stage)
            ]

    def _evidence_of(self, case: Case) -> list[dict[str, Any]]:
        """Snapshots behind the case's alarms (视频取证), served at /evidence/{id}.jpg."""
        out = []
        for alarm_id in case.alarm_ids:
            alarm = self.flow.alarms.get(alarm_id)
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
        with self.lock:
            c = self.log.cases.get(case_id)
            return self.case_view(c) if c else None

    def kpis(
        self, as_of: int | None = None, from_ts: int | None = None, group_by: str | None = None
    ) -> dict[str, Any]:
        with self.lock:
            as_of = as_of if as_of is not None else (self.now or 0)
            out = compute_kpis(
                self.log.events,
                self.flow_rules,
                as_of,
                self.config.flow.composite,
                from_ts,
                group_by,
            )
            samples = [
                s
                for s in self.online_samples
                if s[0] <= as_of and (from_ts is None or s[0] >= from_ts)
            ]
            out["device_online_rate"] = (
                round(sum(o / t for _, o, t in samples) / len(samples), 6) if samples else None
            )
            out["online_samples"] = len(samples)
            out["as_of_ts"], out["as_of"] = as_of, self.iso(as_of)
            return out

    def devices(self) -> list[dict[str, Any]]:
        with self.lock:
            now = self.now or 0
            return [
                dict(d.to_dict(), online=d.online(now, self.registry.missed_intervals))
                for d in self.registry.devices.values()
            ]

    def alarms(self) -> list[dict[str, Any]]:
        with self.lock:
            return [a.to_dict() for a in self.flow.alarms.values()]

    def gateway_status(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(g) for _, g in sorted(self.gateways.items())]

    def tasks(self) -> list[dict[str, Any]]:
        """Open tasks: who is expected to do what (待办)."""
        with self.lock:
            return [
                {
                    "task_id": tid,
                    "case_id": c.case_id,
                    **t,
                    "category": c.category,
                    "due_ts": c.pending_due_ts,
                    "due": self.iso(c.pending_due_ts),
                }
                for c in self.log.cases.values()
                for tid, t in c.open_tasks.items()
            ]

    def organisation(self) -> dict[str, Any]:
        with self.lock:
            return {
                "grids": [g.model_dump() for g in self.org.grids.values()],
                "units": [u.model_dump() for u in self.org.units.values()],
                "crews": [
                    {
                        "unit": c.unit,
                        "crew": c.crew_id,
                        "status": c.status,
                        "lon": c.lon,
                        "lat": c.lat,
                        "ts": c.ts,
                    }
                    for c in self.org.crews.values()
                ],
            }

    def health(self) -> dict[str, Any]:
        with self.lock:
            now = self.now
            online, total = self.registry.online_count(now) if now is not None else (0, 0)
            waiting = self.seq.waiting_tick()
            return {
                "status": "ok",
                "config": self.config.name,
                "clock_mode": self.clock_mode,
                "clock_ts": now,
                "clock": self.iso(now),
                "calendar_covers_clock": (
                    now is None or self.calendar.covers(self.calendar.local_date(now))
                ),
                "run_id": self.run_id,
                "ticks": self.ticks,
                "waiting_for": self.seq.sources.missing(waiting.published) if waiting else {},
                "held_events": self.seq.pending(),
                "late_events": self.seq.late,
                "devices": total,
                "devices_online": online,
                "online_rate_now": ratio(online, total),
                "units": len(self.org.units),
                "cases": len(self.log.cases),
                "open_cases": len(self.log.open_cases()),
                "counters": dict(sorted(self.counters.items())),
            }


def _wall_ms(iso: str | None = None) -> int:
    """Wall-clock milliseconds, now or of an ISO timestamp (arrival times)."""
    when = datetime.fromisoformat(iso) if iso else datetime.now(UTC)
    return int(when.timestamp() * 1000)
