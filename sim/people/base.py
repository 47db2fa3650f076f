"""What the simulated people share: the world, the channel to the IOC, what a city's staff
know (which unit handles which catalogue category, the organisation), and `Actor`, the base
of every kind of person: set-up, shifts, and the two things people send (an answer to a task,
a report of what they saw)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

import numpy as np
import simpy

from ioc.contract import Envelope, PublicReport, Task, TaskResult, Topics
from sim.people.work import Shifts
from sim.scenario import ALL_DAY, DepartmentSpec, Shift, Spec
from sim.world import Incident, World

LEVELS = ("community", "street", "district")
E = TypeVar("E", bound=Envelope)
S = TypeVar("S", bound=Spec)


class Channel(Protocol):
    """How people reach the IOC: publish a message from a source (the run's control channel,
    over MQTT). People never talk to the IOC any other way."""

    def send(self, topic: str, model: type[E], source: str, **fields: Any) -> E: ...


@dataclass
class Context:
    """What every simulated person knows and shares: the world, the channel to the IOC, the
    catalogue's routing of categories to unit types and levels, the units, and the truth of
    each report made so far."""

    world: World
    control: Channel
    dept_type_of: dict[str, str]  # catalogue category -> handling unit type (from the IOC)
    units: dict[str, DepartmentSpec]
    level_of: dict[str, str] = field(default_factory=dict)  # category -> handling level
    report_truth: dict[str, dict[str, Any]] = field(default_factory=dict)  # by report id

    def ms(self, t: float | None = None) -> int:
        return self.world.ms(self.world.now if t is None else t)

    def unit_for(self, category: str, grid: str | None) -> str | None:
        """The unit a well-informed desk operator sends a category to, for a grid."""
        want = self.dept_type_of.get(category)
        areas = self.world.grid_areas.get(grid or "", {})
        level = self.level_of.get(category, "street")
        of_type = sorted((u for u in self.units.values() if u.type == want), key=lambda u: u.code)
        for lv in LEVELS[LEVELS.index(level) :]:
            match = [u for u in of_type if u.level == lv and u.area == areas.get(lv)]
            if match:
                return match[0].code
        return of_type[0].code if of_type else None

    def record_report(
        self,
        report_id: str,
        channel: str,
        incident: Incident | None,
        category: str,
        t: float,
        xy: np.ndarray,
    ) -> None:
        """Keep the truth about a report: which incident it was really about (or none)."""
        lon, lat = self.world.lonlat(xy)
        record = {
            "report_id": report_id,
            "channel": channel,
            "incident": incident.id if incident is not None else None,
            "true_category": incident.kind.category if incident is not None else None,
            "category": category,
            "ts": self.ms(t),
            "lon": lon,
            "lat": lat,
        }
        self.world.reports.append(record)
        self.report_truth[report_id] = record


class Actor(Generic[S]):
    """Someone in the simulated city (the desk's operators, a grid's supervisors, a unit's
    crews, the 12345 callers): their part of the scenario (`spec`), the shared context, a
    random stream of their own, the source name their messages carry and their working hours
    (all day unless given)."""

    def __init__(
        self,
        spec: S,
        ctx: Context,
        rng: np.random.Generator,
        source: str,
        shifts: list[Shift] = ALL_DAY,
    ):
        self.spec = spec
        self.ctx = ctx
        self.world = ctx.world
        self.env: simpy.Environment = ctx.world.env
        self.rng = rng
        self.source = source
        self.shifts = Shifts(shifts, self.world.start_tod_s)

    def send(self, topic: str, model: type[Envelope], **fields: Any) -> None:
        """Publish a message from this actor, stamped with the simulated time now."""
        self.ctx.control.send(topic, model, self.source, ts=self.ctx.ms(), **fields)

    def answer(
        self, task: Task, outcome: str, actor: str, kind: str | None = None, **fields: object
    ) -> None:
        """Answer a task from the IOC on the result topic of the role and unit it was for."""
        self.send(
            Topics.result(task.role, task.unit),
            TaskResult,
            task_id=task.task_id,
            case_id=task.case_id,
            kind=kind or task.kind,
            outcome=outcome,
            actor=actor,
            **fields,
        )

    def report(
        self,
        report_id: str,
        channel: str,
        incident: Incident | None,
        category: str,
        xy: np.ndarray,
        **fields: object,
    ) -> None:
        """Report a problem seen at `xy` (主动发现 or 被动发现), and keep the truth of what it
        was really about."""
        lon, lat = self.world.lonlat(xy)
        self.ctx.record_report(report_id, channel, incident, category, self.world.now, xy)
        self.send(
            Topics.report(channel),
            PublicReport,
            report_id=report_id,
            channel=channel,
            category=category,
            lon=lon,
            lat=lat,
            grid=self.world.grid_of(xy),
            **fields,
        )
