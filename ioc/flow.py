"""The 一网统管 workflow: turns alarms, department reports and timers into case events.

- An IoT alarm (智能发现) is reported (上报) as a case, or merged into an open case of the
  same item from the same device or within the item's merge radius. IoT items are
  accepted (受理) and filed (立案) automatically, then dispatched (派遣) to the catalogue's
  department with the item's time limit.
- The department's report (处置反馈) marks the case handled (处置).
- 核查: the IOC re-checks the devices that raised the case; once every alarm has cleared the
  case is verified and closed (结案). If they have not recovered in time the 核查 fails and
  the case goes back to the same department (返工).
- A case not handled by its deadline gets an overdue note (超期).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from ioc.cases import CLOSURE_ZH, Case, CaseLog, Note, Stage
from ioc.config import Catalogue
from ioc.contract import DispatchReport
from ioc.registry import Device
from ioc.rules import AlarmChange


@dataclass
class Alarm:
    alarm_id: str
    rule_id: str
    device_id: str
    category: str
    raised_ts: int
    value: float
    cleared_ts: int | None = None
    case_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres, equirectangular (accurate at city scale)."""
    k = math.pi * 6_371_008.8 / 180.0
    dx = (lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat2 - lat1) * k)


# Sends a dispatch: (case, dispatch_id, deadline_ts, rework, ts).
SendDispatch = Callable[[Case, str, int, bool, int], None]
SaveAlarm = Callable[[Alarm], None]


class CaseFlow:
    def __init__(self, log: CaseLog, catalogue: Catalogue, send: SendDispatch,
                 schedule: Callable[[int, str, str], None], save_alarm: SaveAlarm):
        self.log = log
        self.catalogue = catalogue
        self.send = send
        self.schedule = schedule
        self.save_alarm = save_alarm
        self.alarms: dict[str, Alarm] = {}
        self.active: dict[tuple[str, str], str] = {}  # (rule, device) -> active alarm id

    # ------------------------------------------------------------------ alarms
    def alarm_raised(self, change: AlarmChange, dev: Device) -> Alarm:
        alarm = Alarm(f"A{len(self.alarms) + 1:06d}", change.rule.id, dev.device_id,
                      change.rule.category, change.ts, change.value)
        self.alarms[alarm.alarm_id] = alarm
        self.active[(alarm.rule_id, alarm.device_id)] = alarm.alarm_id
        actor = f"iot:{alarm.rule_id}"
        origin = {"alarm_id": alarm.alarm_id, "device_id": dev.device_id,
                  "value": change.value, "lon": dev.lon, "lat": dev.lat}
        case = self._open_case_for(alarm.category, dev)
        if case is not None:
            self.log.append(case.case_id, Note.MERGED, change.ts, actor, source="iot", **origin)
        else:
            case = self._intake(change, dev, actor, origin)
        alarm.case_id = case.case_id
        self.save_alarm(alarm)
        return alarm

    def alarm_cleared(self, change: AlarmChange) -> Alarm | None:
        alarm_id = self.active.pop((change.rule.id, change.device_id), None)
        if alarm_id is None:
            return None
        alarm = self.alarms[alarm_id]
        alarm.cleared_ts = change.ts
        self.save_alarm(alarm)
        return alarm

    def _open_case_for(self, category: str, dev: Device) -> Case | None:
        """The open case of this category the report belongs to: same device, or nearest
        within the item's merge radius."""
        item = self.catalogue.item(category)
        radius = item.merge_radius_m if item else 0.0
        best, best_d = None, radius
        for case in self.log.open_cases():
            if case.category != category:
                continue
            if dev.device_id in case.device_ids:
                return case
            d = ground_distance_m(dev.lon, dev.lat, case.lon, case.lat)
            if d <= best_d:
                best, best_d = case, d
        return best

    def _intake(self, change: AlarmChange, dev: Device, actor: str,
                origin: dict[str, Any]) -> Case:
        """上报, then (IoT items file without a human) 受理, 立案 and 派遣."""
        item = self.catalogue.item(change.rule.category)
        assert item is not None  # rules are checked against the catalogue at load time
        case_id = self.log.new_case_id()
        ts = change.ts
        self.log.append(case_id, Stage.REPORTED, ts, actor, source="iot",
                        category=item.code, grid=dev.grid, rule=change.rule.id, **origin)
        self.log.append(case_id, Stage.ACCEPTED, ts, "ioc:intake", auto=True)
        self.log.append(case_id, Stage.FILED, ts, "ioc:intake", category=item.code,
                        category_zh=item.name_zh, time_limit_h=item.time_limit_h,
                        urgency=item.urgency)
        case = self.log.cases[case_id]
        self._dispatch(case, ts, rework=False)
        return case

    def _dispatch(self, case: Case, ts: int, rework: bool) -> None:
        item = self.catalogue.item(case.category)
        assert item is not None
        deadline = case.deadline_ts if case.deadline_ts is not None else (
            ts + int(item.time_limit_h * 3_600_000))
        dispatch_id = f"{case.case_id}-D{case.dispatches + 1}"
        self.log.append(case.case_id, Stage.DISPATCHED, ts, "ioc:dispatch",
                        department=item.department, dispatch_id=dispatch_id,
                        deadline_ts=deadline, rework=rework)
        self.send(case, dispatch_id, deadline, rework, ts)
        if not rework:
            self.schedule(deadline, "deadline", case.case_id)

    # ------------------------------------------------------------------ departments
    def report(self, rep: DispatchReport) -> str | None:
        """A department's completion report; returns a rejection reason or None."""
        case = self.log.cases.get(rep.case_id)
        if case is None:
            return "unknown_case"
        if case.stage != Stage.DISPATCHED or case.current_dispatch != rep.dispatch_id:
            return "stale_report"
        ts = max(rep.ts, case.events[-1].ts)  # a late report cannot rewrite the past
        self.log.append(case.case_id, Stage.HANDLED, ts,
                        f"dept:{rep.department}/{rep.crew}", outcome=rep.outcome,
                        dispatch_id=rep.dispatch_id, arrived_ts=rep.arrived_ts)
        item = self.catalogue.item(case.category)
        assert item is not None
        self.schedule(ts + int(item.verify_after_min * 60_000), "verify", case.case_id)
        return None

    # ------------------------------------------------------------------ timers
    def on_timer(self, kind: str, case_id: str, due: int) -> None:
        case = self.log.cases.get(case_id)
        if case is None or not case.is_open:
            return
        if kind == "deadline":
            if case.handled_ts is None:
                self.log.append(case_id, Note.OVERDUE, due, "ioc:timer",
                                deadline_ts=case.deadline_ts)
        elif kind == "verify" and case.stage == Stage.HANDLED:
            self._verify(case, due)

    def _verify(self, case: Case, due: int) -> None:
        item = self.catalogue.item(case.category)
        assert item is not None and case.handled_ts is not None
        still = [a for a in case.alarm_ids if self.alarms[a].cleared_ts is None]
        if not still:
            self.log.append(case.case_id, Stage.VERIFIED, due, "ioc:verifier",
                            method="iot_recheck", alarms=len(case.alarm_ids))
            if case.handled_outcome == "not_found":
                closure = "special"
            else:
                closure = "normal" if case.on_time else "overdue"
            self.log.append(case.case_id, Stage.CLOSED, due, "ioc:intake",
                            closure_type=closure, closure_zh=CLOSURE_ZH[closure])
        elif due - case.handled_ts >= item.verify_limit_min * 60_000:
            self.log.append(case.case_id, Note.VERIFY_FAILED, due, "ioc:verifier",
                            active_alarms=still)
            self._dispatch(case, due, rework=True)
        else:
            self.schedule(due + int(item.recheck_every_min * 60_000), "verify", case.case_id)

    # ------------------------------------------------------------------ restart
    def restore(self, alarms: list[dict[str, Any]], now: int) -> list[Alarm]:
        """Reload alarms and re-arm the timers of open cases after a restart."""
        for row in alarms:
            alarm = Alarm(**row)
            self.alarms[alarm.alarm_id] = alarm
            if alarm.cleared_ts is None:
                self.active[(alarm.rule_id, alarm.device_id)] = alarm.alarm_id
        for case in self.log.open_cases():
            if case.handled_ts is None and case.deadline_ts is not None and not case.overdue:
                self.schedule(case.deadline_ts, "deadline", case.case_id)
            if case.stage == Stage.HANDLED:
                self.schedule(now, "verify", case.case_id)
        return [a for a in self.alarms.values() if a.cleared_ts is None]
