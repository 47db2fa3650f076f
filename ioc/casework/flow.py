"""The 一网统管 workflow: turns reports, people's answers and timers into case events.

Reports come from three channels (智能发现 iot alarms, 主动发现 grid supervisors' patrol
reports, 被动发现 12345/12319 hotline work orders). A report of the same item close in space
and time to an open case is merged into it; otherwise it opens a case, which then moves
through the pilot's stages. At each stage either the IOC acts itself (IoT/AI items that may
be filed automatically; 智能受理/智能派单 when the flow says `auto`; IoT re-checks; 结案) or it
gives a person a task and waits for the answer:

    受理, 立案, 派遣, 延期/挂账 approval  -> the desk (受理员/派遣员/值班长)
    核实 (public reports), 核查          -> the grid's supervisors (网格员/监督员)
    处置                                  -> the handling unit, nearest available crew first

Every stage has a due time (the flow's limits; 处置 from the catalogue, on the working
calendar where the limit is in working time). A red-light warning (红灯预警) is noted at
`warning_fraction` of the way, and when a stage runs overdue the case is noted overdue (超期)
and escalated (督办) to the level above.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ioc.casework.calendar import WorkCalendar
from ioc.casework.cases import CLOSURE_ZH, Case, CaseLog, Note, Stage
from ioc.casework.catalogue import Catalogue, CatalogueItem
from ioc.casework.flowconfig import FlowConfig
from ioc.casework.org import Org
from ioc.casework.vocabulary import TimeLimit
from ioc.contract import PublicReport, TaskResult
from ioc.geo import ground_distance_m
from ioc.registry.devices import Device

DESK = "ioc"  # the desk's unit id in task topics
ESCALATE_TO = {"community": "street", "street": "district", "district": "city"}


@dataclass
class Alarm:
    """An alarm (告警): a reading rule or an edge event (video analytic) that fired.
    `key` tells apart alarms of one rule on one device (a tower camera may see two fires);
    `evidence` names the edge event whose snapshot backs it."""

    alarm_id: str
    rule_id: str
    device_id: str
    category: str
    raised_ts: int
    value: float
    lon: float = 0.0
    lat: float = 0.0
    cleared_ts: int | None = None
    case_id: str | None = None
    key: str = ""
    evidence: str | None = None

    @property
    def active_key(self) -> tuple[str, str]:
        return (self.rule_id, self.key or self.device_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Intake:
    """A report reaching the IOC, whatever its channel."""

    channel: str  # iot, patrol, hotline
    category: str
    lon: float
    lat: float
    grid: str | None
    ts: int
    actor: str
    ref: str  # alarm id or report id
    device_id: str | None = None
    alarm_id: str | None = None
    merge_by_device: bool = True  # False: the device saw it from afar (a tower camera)

    def detail(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in asdict(self).items()
            if k not in ("ts", "actor", "merge_by_device") and v is not None
        }


# Publishes a task: (kind, role, unit, case, task fields) -> None
SendTask = Callable[[str, str, str, Case, dict[str, Any]], None]


class CaseFlow:
    def __init__(
        self,
        log: CaseLog,
        flow: FlowConfig,
        catalogue: Catalogue,
        calendar: WorkCalendar,
        org: Org,
        send_task: SendTask,
        schedule: Callable[[int, str, str], None],
        save_alarm: Callable[[Alarm], None],
    ):
        self.log = log
        self.cfg = flow
        self.catalogue = catalogue
        self.calendar = calendar
        self.org = org
        self.send_task = send_task
        self.schedule = schedule
        self.save_alarm = save_alarm
        self.alarms: dict[str, Alarm] = {}
        self.active: dict[tuple[str, str], str] = {}  # (rule, device) -> active alarm id

    def item(self, case_or_code: Case | str) -> CatalogueItem:
        code = case_or_code if isinstance(case_or_code, str) else case_or_code.category
        item = self.catalogue.item(code)
        if item is None:  # categories are checked on the way in; this is a bug
            raise KeyError(f"no catalogue item {code!r}")
        return item

    # ================================================================== intake
    def alarm_raised(
        self,
        rule_id: str,
        category: str,
        dev: Device,
        ts: int,
        value: float,
        at: tuple[float, float, str | None] | None = None,
        key: str = "",
        evidence: str | None = None,
    ) -> Alarm:
        """An alarm becomes a report (智能发现). `at` (lon, lat, grid) places a target away
        from the device (what a tower camera saw, kilometres off); such a report merges by
        place, not by device."""
        lon, lat, grid = at if at is not None else (dev.lon, dev.lat, dev.grid)
        alarm = Alarm(
            f"A{len(self.alarms) + 1:06d}",
            rule_id,
            dev.device_id,
            category,
            ts,
            value,
            lon,
            lat,
            key=key,
            evidence=evidence,
        )
        self.alarms[alarm.alarm_id] = alarm
        self.active[alarm.active_key] = alarm.alarm_id
        case = self._intake(
            Intake(
                "iot",
                category,
                lon,
                lat,
                grid,
                ts,
                f"iot:{rule_id}",
                alarm.alarm_id,
                dev.device_id,
                alarm.alarm_id,
                merge_by_device=at is None,
            )
        )
        alarm.case_id = case.case_id
        self.save_alarm(alarm)
        return alarm

    def alarm_cleared(self, rule_id: str, key: str, ts: int) -> Alarm | None:
        """The alarm of `rule_id` on `key` (a device id, or an edge event's key) cleared."""
        alarm_id = self.active.pop((rule_id, key), None)
        if alarm_id is None:
            return None
        alarm = self.alarms[alarm_id]
        alarm.cleared_ts = ts
        self.save_alarm(alarm)
        return alarm

    def public_report(self, rep: PublicReport) -> str | None:
        """A patrol or hotline report; returns a rejection reason or None."""
        if self.catalogue.item(rep.category) is None:
            return "unknown_category"
        self._intake(
            Intake(
                rep.channel,
                rep.category,
                rep.lon,
                rep.lat,
                rep.grid,
                rep.ts,
                f"{rep.channel}:{rep.reporter or rep.source}",
                rep.report_id,
            )
        )
        return None

    def _intake(self, x: Intake) -> Case:
        target = self._merge_target(
            x.category, x.lon, x.lat, x.ts, x.device_id if x.merge_by_device else None
        )
        if target is not None:
            self.log.append(target.case_id, Note.MERGED, x.ts, x.actor, **x.detail())
            return target
        case_id = self.log.new_case_id()
        areas = self.org.areas_of(x.grid)
        self._stage_new(case_id, x, areas)
        case = self.log.cases[case_id]
        self._proceed(case, x.ts)
        return case

    def _merge_target(
        self,
        category: str,
        lon: float,
        lat: float,
        ts: int,
        device_id: str | None,
        exclude: str | None = None,
    ) -> Case | None:
        """The open case this report duplicates: same item, same device or within the item's
        merge radius, reported within its merge window."""
        item = self.item(category)
        best, best_d = None, item.merge_radius_m
        for case in self.log.open_cases():
            if case.category != category or case.case_id == exclude or case.stage == Stage.PARKED:
                continue
            if ts - (case.reported_ts or ts) > item.merge_window_h * 3_600_000:
                continue
            if device_id and device_id in case.device_ids:
                return case
            d = ground_distance_m(lon, lat, case.lon, case.lat)
            if d <= best_d:
                best, best_d = case, d
        return best

    # ================================================================== progress
    def _needs_verify(self, case: Case) -> bool:
        return self.cfg.has("verified") and case.channel in self.cfg.verify_channels

    def _expected_after(self, case: Case, stage: Stage) -> Stage | None:
        """The stage a case at `stage` should reach next (for its due time)."""
        if stage == Stage.REPORTED and self.cfg.has("accepted"):
            return Stage.ACCEPTED
        if stage in (Stage.REPORTED, Stage.ACCEPTED):
            return Stage.VERIFIED if self._needs_verify(case) else Stage.FILED
        if stage == Stage.VERIFIED:
            return Stage.FILED
        if stage == Stage.FILED:
            return Stage.DISPATCHED
        if stage == Stage.DISPATCHED:
            return Stage.HANDLED
        for later in (Stage.HANDLED, Stage.FEEDBACK, Stage.CHECKED):
            if stage == later:
                rest = [
                    s
                    for s in (Stage.FEEDBACK, Stage.CHECKED, Stage.CLOSED)
                    if self.cfg.has(s) and list(Stage).index(s) > list(Stage).index(stage)
                ]
                return rest[0]
        return None

    def _due(self, stage: Stage | None, ts: int) -> int | None:
        if stage is None or stage not in self.cfg.limits:
            return None
        return self.calendar.add(ts, self.cfg.limits[stage])

    def _stage(
        self,
        case: Case,
        stage: Stage,
        ts: int,
        actor: str,
        next_due_ts: int | None = None,
        **detail: Any,
    ) -> None:
        """Append a stage event with the due time of the stage expected next, and arm the
        warning and overdue timers for it."""
        if next_due_ts is None:
            next_due_ts = self._due(self._expected_after(case, stage), ts)
        self.log.append(case.case_id, stage, ts, actor, next_due_ts=next_due_ts, **detail)
        self._arm(case, ts)

    def _stage_new(self, case_id: str, x: Intake, areas: dict[str, str | None]) -> None:
        probe = Case(case_id, channel=x.channel)
        next_due = self._due(self._expected_after(probe, Stage.REPORTED), x.ts)
        self.log.append(
            case_id,
            Stage.REPORTED,
            x.ts,
            x.actor,
            next_due_ts=next_due,
            street=areas["street"],
            district=areas["district"],
            **x.detail(),
        )
        self._arm(self.log.cases[case_id], x.ts)

    def _arm(self, case: Case, ts: int) -> None:
        due = case.pending_due_ts
        if due is None or not case.is_open:
            return
        key = f"{case.case_id}:{case.stage_seq}:{due}"
        warn_at = ts + int((due - ts) * self.cfg.warning_fraction)
        if ts < warn_at < due:
            self.schedule(warn_at, "warning", key)
        self.schedule(max(due, ts), "overdue", key)  # already past (返工 keeps the deadline)

    def _auto(self, case: Case, action: str) -> bool:
        """Whether the IOC takes a desk action itself for this case."""
        item = self.item(case)
        if action in ("accept", "file") and case.channel == "iot" and item.auto_file:
            return True
        if action == "dispatch" and item.urgency in self.cfg.auto_dispatch_urgency:
            return True
        return self.cfg.desk_mode(action) == "auto"

    def _proceed(self, case: Case, ts: int, desk_dispatch: bool = False) -> None:
        """Take every automatic step from the case's stage; stop at a person's task."""
        while case.is_open:
            stage = case.stage
            nxt = self._expected_after(case, stage) if stage else None
            if stage in (Stage.REPORTED, Stage.ACCEPTED, Stage.VERIFIED):
                if nxt == Stage.VERIFIED:
                    return self._assign(case, "verify", "grid", case.grid or DESK, ts)
                action = "accept" if nxt == Stage.ACCEPTED else "file"
                if not self._auto(case, action):
                    return self._assign(case, action, "desk", DESK, ts)
                assert nxt is not None
                self._stage(case, nxt, ts, "ioc:auto", level=self.item(case).level)
            elif stage == Stage.FILED:
                if desk_dispatch or not self._auto(case, "dispatch"):
                    return self._assign(case, "dispatch", "desk", DESK, ts)
                return self._dispatch(case, ts, "ioc:auto")
            elif stage in (Stage.HANDLED, Stage.FEEDBACK) and nxt == Stage.CHECKED:
                return self._start_check(case, ts)
            elif stage in (Stage.HANDLED, Stage.FEEDBACK, Stage.CHECKED) and nxt == Stage.CLOSED:
                return self._close(case, ts)
            else:
                return None  # waiting for a unit's answer (dispatched) or parked
        return None

    def _assign(self, case: Case, kind: str, role: str, unit: str, ts: int, **fields: Any) -> None:
        task_id = f"{case.case_id}-T{case.tasks_issued + 1}"
        self.log.append(
            case.case_id,
            Note.ASSIGNED,
            ts,
            "ioc:flow",
            task_id=task_id,
            kind=kind,
            role=role,
            unit=unit,
        )
        if kind == "dispatch" and "department" not in fields:
            unit_info = self.org.unit_for(
                self.item(case).department, case.grid, self.item(case).level
            )
            fields["department"] = unit_info.code if unit_info else None
        self.send_task(
            kind,
            role,
            unit,
            case,
            {"task_id": task_id, "ts": ts, "due_ts": case.pending_due_ts, **fields},
        )

    def _dispatch(
        self,
        case: Case,
        ts: int,
        actor: str,
        unit_code: str | None = None,
        rework: bool = False,
        done_task: str | None = None,
        at: tuple[float, float] | None = None,
    ) -> None:
        """派遣 to a unit (the catalogue's, at the item's level, unless given) and its nearest
        crew; `at` sends the crew somewhere other than the case's place (a device that is
        still alarming)."""
        item = self.item(case)
        unit = (
            self.org.units.get(unit_code)
            if unit_code
            else self.org.unit_for(item.department, case.grid, item.level)
        )
        if unit is None:  # nobody known to send it to: a person must decide
            return self._assign(
                case,
                "dispatch",
                "desk",
                DESK,
                ts,
                note=f"no {item.department} unit known for grid {case.grid}",
            )
        lon, lat = at or (case.lon, case.lat)
        crew = self.org.nearest_crew(unit.code, lon, lat)
        if rework and case.deadline_ts is not None:
            deadline = case.deadline_ts  # 返工 keeps the original time limit
        else:
            deadline = self.calendar.add(ts, item.time_limit)
        task_id = f"{case.case_id}-T{case.tasks_issued + 1}"
        extra = {"done_task": done_task} if done_task else {}
        self._stage(
            case,
            Stage.DISPATCHED,
            ts,
            actor,
            next_due_ts=deadline,
            department=unit.code,
            department_type=unit.type,
            crew=crew,
            deadline_ts=deadline,
            rework=rework,
            task_id=task_id,
            lon=lon,
            lat=lat,
            **extra,
        )
        self.send_task(
            "handle",
            "dept",
            unit.code,
            case,
            {
                "task_id": task_id,
                "ts": ts,
                "due_ts": deadline,
                "deadline_ts": deadline,
                "crew": crew,
                "rework": rework,
                "lon": lon,
                "lat": lat,
            },
        )
        return None

    def _start_check(self, case: Case, ts: int) -> None:
        item = self.item(case)
        if item.check == "iot" and case.alarm_ids:
            self.schedule(
                ts + int(item.verify_after_min * 60_000),
                "recheck",
                f"{case.case_id}:{case.stage_seq}",
            )
        else:
            self._assign(case, "check", "grid", case.grid or DESK, ts)

    def _close(self, case: Case, ts: int) -> None:
        if case.handled_outcome == "not_found":
            closure = "special"
        elif not case.on_time:
            closure = "overdue"
        elif case.returned or case.rework:
            closure = "error"
        else:
            closure = "normal"
        self._stage(
            case, Stage.CLOSED, ts, "ioc:auto", closure_type=closure, closure_zh=CLOSURE_ZH[closure]
        )

    # ================================================================== answers
    def task_result(self, res: TaskResult) -> str | None:
        """A person's answer to a task; returns a rejection reason or None."""
        case = self.log.cases.get(res.case_id)
        if case is None:
            return "unknown_case"
        task = case.open_tasks.get(res.task_id)
        if task is None or task["kind"] != res.kind:
            return "stale_task"
        if res.category and self.catalogue.item(res.category) is None:
            return "unknown_category"
        if res.kind == "dispatch" and res.department not in self.org.units:
            return "unknown_unit"
        ts = max(res.ts, case.events[-1].ts)  # a late answer cannot rewrite the past
        actor = f"{task['role']}:{task['unit']}/{res.actor}"
        done = {"done_task": res.task_id}
        kind, outcome = res.kind, res.outcome
        if kind in ("accept", "verify", "file") and res.category not in (None, case.category):
            self.log.append(
                case.case_id,
                Note.RECATEGORISED,
                ts,
                actor,
                category=res.category,
                was=case.category,
            )
        if outcome == "invalid" or (kind == "verify" and outcome == "not_found"):
            self._stage(case, Stage.VOIDED, ts, actor, reason=res.note or outcome, **done)
        elif kind == "verify":
            dup = self._merge_target(case.category, case.lon, case.lat, ts, None, case.case_id)
            if dup is not None:  # once its category is right it turns out to be known already
                self.log.append(
                    dup.case_id,
                    Note.MERGED,
                    ts,
                    actor,
                    channel=case.channel,
                    ref=case.reports[0].get("ref"),
                    lon=case.lon,
                    lat=case.lat,
                )
                self._stage(
                    case,
                    Stage.VOIDED,
                    ts,
                    actor,
                    reason=f"duplicate of {dup.case_id}",
                    duplicate_of=dup.case_id,
                    **done,
                )
            else:
                self._stage(case, Stage.VERIFIED, ts, actor, **done)
                self._proceed(case, ts)
        elif kind in ("accept", "file"):
            stage = Stage.ACCEPTED if kind == "accept" else Stage.FILED
            self._stage(case, stage, ts, actor, level=self.item(case).level, **done)
            self._proceed(case, ts)
        elif kind == "dispatch":
            self._dispatch(case, ts, actor, res.department, done_task=res.task_id)
        elif kind == "handle":
            self._handle_answer(case, res, ts, actor)
        elif kind == "check":
            if outcome == "pass":
                self._stage(case, Stage.CHECKED, ts, actor, method="grid", **done)
                self._close(case, ts)
            else:
                self.log.append(case.case_id, Note.CHECK_FAILED, ts, actor, method="grid", **done)
                self._dispatch(case, ts, "ioc:auto", case.department, rework=True)
        elif kind in ("approve_extension", "approve_park") and case.stage != Stage.DISPATCHED:
            # the unit finished (or sent it back) before the desk decided: nothing to approve
            note = Note.EXTENSION_DENIED if kind == "approve_extension" else Note.PARK_DENIED
            self.log.append(case.case_id, note, ts, actor, moot=True, decision=outcome, **done)
        elif kind == "approve_extension":
            self._extension(case, res, ts, actor)
        elif kind == "approve_park":
            if outcome == "approved":
                self._stage(case, Stage.PARKED, ts, actor, **done)
            else:  # refused: the unit has to do the work after all
                self.log.append(case.case_id, Note.PARK_DENIED, ts, actor, **done)
                self._resend_handle(case, ts, "挂账未批准，请按期处置 park refused: handle it")
        return None

    def _handle_answer(self, case: Case, res: TaskResult, ts: int, actor: str) -> None:
        done = {"done_task": res.task_id}
        if res.outcome in ("done", "not_found"):
            handled_at = max(min(res.handled_ts or ts, ts), case.events[-1].ts)
            self._stage(
                case,
                Stage.HANDLED,
                handled_at,
                actor,
                outcome=res.outcome,
                arrived_ts=res.arrived_ts,
                **done,
            )
            if self.cfg.has("feedback"):
                self._stage(case, Stage.FEEDBACK, ts, actor)
            self._proceed(case, ts)
        elif res.outcome == "returned":
            category = res.category if res.category not in (None, case.category) else None
            next_due = self._due(Stage.DISPATCHED, ts)
            self.log.append(
                case.case_id,
                Note.RETURNED,
                ts,
                actor,
                reason=res.note,
                category=category,
                next_due_ts=next_due,
                **done,
            )
            self._arm(case, ts)
            self._proceed(case, ts, desk_dispatch=True)
        elif res.outcome == "extension":
            self.log.append(
                case.case_id,
                Note.EXTENSION_REQUESTED,
                ts,
                actor,
                hours=res.extension_h,
                reason=res.note,
            )
            if self.cfg.desk_mode("approve_extension") == "auto":
                self._grant_extension(case, res.extension_h or 0.0, ts, "ioc:auto", None)
            else:
                self._assign(
                    case,
                    "approve_extension",
                    "desk",
                    DESK,
                    ts,
                    extension_h=res.extension_h,
                    department=case.department,
                )
        elif res.outcome == "park":  # the handle task stays open until 挂账 is approved
            self.log.append(case.case_id, Note.PARK_REQUESTED, ts, actor, reason=res.note)
            if self.cfg.desk_mode("approve_park") == "auto":
                self._stage(case, Stage.PARKED, ts, "ioc:auto")
            else:
                self._assign(case, "approve_park", "desk", DESK, ts, department=case.department)

    def _resend_handle(self, case: Case, ts: int, note: str) -> None:
        """Give the unit its (still open) handle task again."""
        task_id = next(t for t, info in case.open_tasks.items() if info["kind"] == "handle")
        assert case.department is not None
        self.send_task(
            "handle",
            "dept",
            case.department,
            case,
            {
                "task_id": task_id,
                "ts": ts,
                "due_ts": case.deadline_ts,
                "deadline_ts": case.deadline_ts,
                "crew": None,
                "note": note,
            },
        )

    def _extension(self, case: Case, res: TaskResult, ts: int, actor: str) -> None:
        task = case.open_tasks[res.task_id]
        hours = (
            next(
                (
                    e.detail.get("hours")
                    for e in reversed(case.events)
                    if e.action == Note.EXTENSION_REQUESTED
                ),
                None,
            )
            or 0.0
        )
        if res.outcome == "approved":
            self._grant_extension(case, res.extension_h or hours, ts, actor, res.task_id)
        else:
            self.log.append(
                case.case_id,
                Note.EXTENSION_DENIED,
                ts,
                actor,
                done_task=res.task_id,
                unit=task["unit"],
            )

    def _grant_extension(
        self, case: Case, hours: float, ts: int, actor: str, task_id: str | None
    ) -> None:
        limit = self.item(case).time_limit
        unit = "work_hours" if limit.working else "hours"
        base = case.deadline_ts if case.deadline_ts is not None else ts
        deadline = self.calendar.add(base, TimeLimit(value=hours, unit=unit))
        extra = {"done_task": task_id} if task_id else {}
        self.log.append(
            case.case_id,
            Note.EXTENSION_APPROVED,
            ts,
            actor,
            hours=hours,
            deadline_ts=deadline,
            **extra,
        )
        self._arm(case, ts)

    # ================================================================== timers
    def on_timer(self, kind: str, key: str, due: int) -> None:
        case_id, seq, *rest = key.split(":")
        case = self.log.cases.get(case_id)
        if case is None or not case.is_open or case.stage_seq != int(seq):
            return  # the case has moved on
        if kind == "recheck":
            return self._recheck(case, due)
        if rest and case.pending_due_ts != int(rest[0]):
            return None  # the due time has changed (an extension)
        expected = self._expected_after(case, case.stage) if case.stage else None
        stage = expected.value if expected else ""
        at = max(due, case.events[-1].ts)
        if kind == "warning":
            self.log.append(
                case_id, Note.WARNING, at, "ioc:timer", stage=stage, due_ts=case.pending_due_ts
            )
        elif kind == "overdue":
            level = case.level or self.item(case).level
            self.log.append(
                case_id, Note.OVERDUE, at, "ioc:timer", stage=stage, due_ts=case.pending_due_ts
            )
            self.log.append(
                case_id,
                Note.ESCALATED,
                at,
                "ioc:timer",
                stage=stage,
                to=ESCALATE_TO.get(level, "city"),
            )
        return None

    def _recheck(self, case: Case, due: int) -> None:
        """IoT 核查: close once every alarm that raised the case has cleared; fail (返工) if they
        have not by the check stage's due time."""
        still = [a for a in case.alarm_ids if self.alarms[a].cleared_ts is None]
        if not still:
            self._stage(
                case,
                Stage.CHECKED,
                due,
                "ioc:iot-recheck",
                method="iot",
                alarms=len(case.alarm_ids),
            )
            self._close(case, due)
        elif case.pending_due_ts is not None and due >= case.pending_due_ts:
            self.log.append(
                case.case_id,
                Note.CHECK_FAILED,
                due,
                "ioc:iot-recheck",
                method="iot",
                active_alarms=still,
            )
            first = self.alarms[still[0]]
            self._dispatch(
                case, due, "ioc:auto", case.department, rework=True, at=(first.lon, first.lat)
            )
        else:
            item = self.item(case)
            self.schedule(
                due + int(item.recheck_every_min * 60_000),
                "recheck",
                f"{case.case_id}:{case.stage_seq}",
            )

    # ================================================================== restart
    def restore(self, alarms: list[dict[str, Any]], now: int) -> list[Alarm]:
        """Reload alarms and re-arm the timers of open cases after a restart."""
        for row in alarms:
            alarm = Alarm(**row)
            self.alarms[alarm.alarm_id] = alarm
            if alarm.cleared_ts is None:
                self.active[alarm.active_key] = alarm.alarm_id
        for case in self.log.open_cases():
            self._arm(case, case.stage_since)
            if (
                case.stage in (Stage.HANDLED, Stage.FEEDBACK)
                and not case.open_tasks
                and self._expected_after(case, case.stage) == Stage.CHECKED
            ):
                self.schedule(now, "recheck", f"{case.case_id}:{case.stage_seq}")
        return [a for a in self.alarms.values() if a.cleared_ts is None]
