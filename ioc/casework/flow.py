"""The 一网统管 workflow: how a case moves through the pilot's stages (统一流程).

At each stage either the IOC acts itself (IoT/AI items that may be filed automatically;
智能受理/智能派单 when the flow says `auto`; IoT re-checks; 结案) or it gives a person a task
and waits for the answer (`ioc.casework.answers`):

    受理, 立案, 派遣, 延期/挂账 approval  -> the desk (受理员/派遣员/值班长)
    核实 (public reports), 核查          -> the grid's supervisors (网格员/监督员)
    处置                                  -> the handling unit, nearest available crew first

Every stage has a due time (the flow's limits; 处置 from the catalogue, on the working
calendar where the limit is in working time). A red-light warning (红灯预警) is noted at
`warning_fraction` of the way, and when a stage runs overdue the case is noted overdue (超期)
and escalated (督办) to the level above. Reports enter through `ioc.casework.intake`; every
change is an event appended to the case log (`ioc.casework.cases`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ioc.casework.alarms import Alarm
from ioc.casework.calendar import WorkCalendar
from ioc.casework.cases import CLOSURE_ZH, Case, CaseLog, Note, Stage
from ioc.casework.catalogue import Catalogue, CatalogueItem
from ioc.casework.flowconfig import DeskAction, FlowConfig
from ioc.casework.org import Org
from ioc.geo import ground_distance_m

DESK = "ioc"  # the desk's unit id in task topics
ESCALATE_TO = {"community": "street", "street": "district", "district": "city"}


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

    def merge_target(
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

    def expected_after(self, case: Case, stage: Stage) -> Stage | None:
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

    def due(self, stage: Stage | None, ts: int) -> int | None:
        if stage is None or stage not in self.cfg.limits:
            return None
        return self.calendar.add(ts, self.cfg.limits[stage])

    def stage(
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
            next_due_ts = self.due(self.expected_after(case, stage), ts)
        self.log.append(case.case_id, stage, ts, actor, next_due_ts=next_due_ts, **detail)
        self.arm(case, ts)

    def arm(self, case: Case, ts: int) -> None:
        due = case.pending_due_ts
        if due is None or not case.is_open:
            return
        key = f"{case.case_id}:{case.stage_seq}:{due}"
        warn_at = ts + int((due - ts) * self.cfg.warning_fraction)
        if ts < warn_at < due:
            self.schedule(warn_at, "warning", key)
        self.schedule(max(due, ts), "overdue", key)  # already past (返工 keeps the deadline)

    def _auto(self, case: Case, action: DeskAction) -> bool:
        """Whether the IOC takes a desk action itself for this case."""
        item = self.item(case)
        if action in ("accept", "file") and case.channel == "iot" and item.auto_file:
            return True
        if action == "dispatch" and item.urgency in self.cfg.auto_dispatch_urgency:
            return True
        return self.cfg.desk_mode(action) == "auto"

    def proceed(self, case: Case, ts: int, desk_dispatch: bool = False) -> None:
        """Take every automatic step from the case's stage; stop at a person's task."""
        while case.is_open:
            stage = case.stage
            nxt = self.expected_after(case, stage) if stage else None
            if stage in (Stage.REPORTED, Stage.ACCEPTED, Stage.VERIFIED):
                if nxt == Stage.VERIFIED:
                    return self.assign(case, "verify", "grid", case.grid or DESK, ts)
                action: DeskAction = "accept" if nxt == Stage.ACCEPTED else "file"
                if not self._auto(case, action):
                    return self.assign(case, action, "desk", DESK, ts)
                assert nxt is not None
                self.stage(case, nxt, ts, "ioc:auto", level=self.item(case).level)
            elif stage == Stage.FILED:
                if desk_dispatch or not self._auto(case, "dispatch"):
                    return self.assign(case, "dispatch", "desk", DESK, ts)
                return self.dispatch(case, ts, "ioc:auto")
            elif stage in (Stage.HANDLED, Stage.FEEDBACK) and nxt == Stage.CHECKED:
                return self._start_check(case, ts)
            elif stage in (Stage.HANDLED, Stage.FEEDBACK, Stage.CHECKED) and nxt == Stage.CLOSED:
                return self.close(case, ts)
            else:
                return None  # waiting for a unit's answer (dispatched) or parked
        return None

    def assign(self, case: Case, kind: str, role: str, unit: str, ts: int, **fields: Any) -> None:
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

    def dispatch(
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
            return self.assign(
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
        self.stage(
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
            self.assign(case, "check", "grid", case.grid or DESK, ts)

    def close(self, case: Case, ts: int) -> None:
        if case.handled_outcome == "not_found":
            closure = "special"
        elif not case.on_time:
            closure = "overdue"
        elif case.returned or case.rework:
            closure = "error"
        else:
            closure = "normal"
        self.stage(
            case, Stage.CLOSED, ts, "ioc:auto", closure_type=closure, closure_zh=CLOSURE_ZH[closure]
        )

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
        expected = self.expected_after(case, case.stage) if case.stage else None
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
            self.stage(
                case,
                Stage.CHECKED,
                due,
                "ioc:iot-recheck",
                method="iot",
                alarms=len(case.alarm_ids),
            )
            self.close(case, due)
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
            self.dispatch(
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
            self.arm(case, case.stage_since)
            if (
                case.stage in (Stage.HANDLED, Stage.FEEDBACK)
                and not case.open_tasks
                and self.expected_after(case, case.stage) == Stage.CHECKED
            ):
                self.schedule(now, "recheck", f"{case.case_id}:{case.stage_seq}")
        return [a for a in self.alarms.values() if a.cleared_ts is None]
