"""Where reports enter the case flow, whatever their channel: an alarm (智能发现: a threshold
rule on readings, or an edge event such as a video detection), a grid supervisor's patrol
report (主动发现) or a 12345/12319 hotline work order (被动发现).

A report of the same catalogue item close in space and time to an open case (or from the same
device) is merged into it (合并上报); otherwise it opens a case, which the flow moves on at once
as far as the IOC may take it by itself.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ioc.casework.alarms import Alarm
from ioc.casework.cases import Case, Note, Stage
from ioc.casework.flow import CaseFlow
from ioc.contract import PublicReport
from ioc.registry.devices import Device


@dataclass(frozen=True)
class Report:
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


class Intake:
    """Alarms and public reports into cases."""

    def __init__(self, flow: CaseFlow):
        self.flow = flow

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
            f"A{len(self.flow.alarms) + 1:06d}",
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
        self.flow.alarms[alarm.alarm_id] = alarm
        self.flow.active[alarm.active_key] = alarm.alarm_id
        case = self._intake(
            Report(
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
        self.flow.save_alarm(alarm)
        return alarm

    def alarm_cleared(self, rule_id: str, key: str, ts: int) -> Alarm | None:
        """The alarm of `rule_id` on `key` (a device id, or an edge event's key) cleared."""
        alarm_id = self.flow.active.pop((rule_id, key), None)
        if alarm_id is None:
            return None
        alarm = self.flow.alarms[alarm_id]
        alarm.cleared_ts = ts
        self.flow.save_alarm(alarm)
        return alarm

    def public_report(self, rep: PublicReport) -> str | None:
        """A patrol or hotline report; returns a rejection reason or None."""
        if self.flow.catalogue.item(rep.category) is None:
            return "unknown_category"
        self._intake(
            Report(
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

    def _intake(self, x: Report) -> Case:
        target = self.flow.merge_target(
            x.category, x.lon, x.lat, x.ts, x.device_id if x.merge_by_device else None
        )
        if target is not None:
            self.flow.log.append(target.case_id, Note.MERGED, x.ts, x.actor, **x.detail())
            return target
        case_id = self.flow.log.new_case_id()
        areas = self.flow.org.areas_of(x.grid)
        self._stage_new(case_id, x, areas)
        case = self.flow.log.cases[case_id]
        self.flow.proceed(case, x.ts)
        return case

    def _stage_new(self, case_id: str, x: Report, areas: dict[str, str | None]) -> None:
        probe = Case(case_id, channel=x.channel)
        next_due = self.flow.due(self.flow.expected_after(probe, Stage.REPORTED), x.ts)
        self.flow.log.append(
            case_id,
            Stage.REPORTED,
            x.ts,
            x.actor,
            next_due_ts=next_due,
            street=areas["street"],
            district=areas["district"],
            **x.detail(),
        )
        self.flow.arm(self.flow.log.cases[case_id], x.ts)
