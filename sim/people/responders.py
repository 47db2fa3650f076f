"""Handling units (处置单位) and their crews in the simulated city.

A `handle` task from the IOC goes to the crew it names (the IOC's nearest pick) or to any
crew of the unit. A unit sends back (回退) at once, most of the time, a work order that is
plainly not its business. A crew works its shifts: it travels to the spot (road distance
about 1.3x the straight line), looks, and then

- finds nothing (a false alarm, or it has gone): reports `not_found` after a short check;
- finds, right at the reported spot, something that is another unit's business (a person's
  report of the wrong kind): sends the case back (回退) naming it;
- may ask to park (挂账) a job, per category;
- otherwise works on it for a sampled time, asking for more time (延期) first when the job
  will overrun its deadline, and ends the incident in the ground truth, unless the work was
  poor (the problem is still there: 核查 will fail and the case comes back, 返工).

Crews report their position and status (available, busy, off shift) so the IOC can pick
the nearest one.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass

import numpy as np
import simpy

from ioc.contract import CrewStatus, Task, Topics
from sim.people.base import Actor, Context
from sim.people.work import draw_s
from sim.scenario import DepartmentSpec
from sim.world import Incident

ROAD_FACTOR = 1.3  # road distance over straight-line distance in a city grid
FIND_RADIUS_M = 80.0  # how far around the dispatched point a crew looks for the problem
SEARCH_MAX_M = 2000.0  # the furthest anything is seen from (a smoke column)
OTHER_RADIUS_M = 30.0  # a different problem this close is what a person must have reported
LOOK_MIN = 10.0  # time on site to see that a job is another unit's


@dataclass
class Crew:
    """One crew of a unit: where it is and whether it is on a job."""

    crew_id: str
    xy: np.ndarray
    busy: bool = False


class Department(Actor[DepartmentSpec]):
    """A handling unit (处置单位): its crews, their shifts and how they work a job."""

    def __init__(self, spec: DepartmentSpec, ctx: Context, rng: np.random.Generator):
        super().__init__(spec, ctx, rng, f"dept-{spec.code}", spec.shifts)
        base = np.array(spec.base, dtype=float)
        crs = self.world.scenario.geometry.crs
        self.base_xy = self.world.frame.to_xy(base) if crs == "lonlat" else base
        self.jobs = simpy.FilterStore(self.env)
        self.crews = [
            Crew(f"{spec.code}-crew-{i + 1}", self.base_xy.copy()) for i in range(spec.crews)
        ]
        self.received = 0
        for crew in self.crews:
            self.env.process(self._crew(crew))
        if not self.shifts.all_day:
            self.env.process(self._shift_changes())

    # ------------------------------------------------------------------ messages
    def announce_crews(self) -> None:
        for crew in self.crews:
            self._status(crew, "available" if self.shifts.on(self.world.now) else "off_shift")

    def _status(self, crew: Crew, status: str) -> None:
        lon, lat = self.world.lonlat(crew.xy)
        self.send(
            Topics.crew(self.spec.code),
            CrewStatus,
            department=self.spec.code,
            crew=crew.crew_id,
            status=status,
            lon=lon,
            lat=lat,
        )

    def _answer(self, task: Task, outcome: str, actor: str, **fields: object) -> None:
        self.answer(task, outcome, actor, kind="handle", **fields)

    # ------------------------------------------------------------------ work
    def receive(self, task: Task) -> None:
        self.received += 1
        ours = self.ctx.dept_type_of.get(task.category) == self.spec.type
        if not ours and self.rng.random() < self.spec.refuse_wrong:
            self._answer(
                task,
                "returned",
                self.spec.code,
                note=f"{task.category} is not {self.spec.type} work",
            )
            return
        self.jobs.put(task)

    def _crew(self, crew: Crew) -> Generator[simpy.Event, object, None]:
        while True:
            task = yield self.jobs.get(lambda t, c=crew.crew_id: t.crew in (None, c))
            assert isinstance(task, Task)
            wait = self.shifts.until_on(self.world.now)
            if wait:
                yield self.env.timeout(wait)
            crew.busy = True
            self._status(crew, "busy")
            yield from self._job(crew, task)
            crew.busy = False
            if self.shifts.on(self.world.now):
                self._status(crew, "available")
            else:
                crew.xy = self.base_xy.copy()  # home at the end of the shift
                self._status(crew, "off_shift")

    def _job(self, crew: Crew, task: Task) -> Generator[simpy.Event, object, None]:
        target = self.world.xy(task.lon, task.lat)
        travel_s = float(np.hypot(*(target - crew.xy))) * ROAD_FACTOR / (self.spec.speed_kmh / 3.6)
        yield self.env.timeout(travel_s)
        crew.xy = target
        arrived = self.ctx.ms()
        # A crew sees what is plain to see from afar (a forest fire's smoke) from further off.
        found = [
            i
            for i in self.world.incidents_near(target, SEARCH_MAX_M, self.world.now)
            if float(np.hypot(*(i.xy - target))) <= _find_radius(i)
        ]
        matching = [i for i in found if task.category in i.kind.categories]
        # A person's report may name the wrong category; a device's alarm does not.
        other = [
            i
            for i in found
            if task.channel != "iot" and float(np.hypot(*(i.xy - target))) <= OTHER_RADIUS_M
        ]
        inc = (matching or other or [None])[0]
        if inc is None:
            yield self.env.timeout(self.spec.not_found_min * 60.0)
            return self._finish(task, crew, "not_found", arrived, self.world.now)
        if self.ctx.dept_type_of.get(inc.kind.category) != self.spec.type:
            yield self.env.timeout(LOOK_MIN * 60.0)
            self._answer(
                task,
                "returned",
                crew.crew_id,
                category=inc.kind.category,
                arrived_ts=arrived,
                note=f"on site it is {inc.kind.name_zh}",
            )
            return None
        if self.rng.random() < self.spec.park.get(task.category, 0.0):
            yield self.env.timeout(LOOK_MIN * 60.0)
            self._answer(
                task, "park", crew.crew_id, arrived_ts=arrived, note="needs a planned repair (挂账)"
            )
            return None
        spec = self.spec.handling.get(task.category, self.spec.default_handling)
        work_s = draw_s(self.rng, spec)
        finish_ms = self.ctx.ms(self.world.now + work_s)
        if (
            task.deadline_ts is not None
            and finish_ms > task.deadline_ts
            and self.rng.random() < self.spec.extension_p
        ):
            hours = math.ceil((finish_ms - task.deadline_ts) / 3_600_000) + 1
            self._answer(
                task,
                "extension",
                crew.crew_id,
                extension_h=float(hours),
                note="more time needed on site",
            )
        yield self.env.timeout(work_s)
        if self.rng.random() >= self.spec.poor_work and inc.active_at(self.world.now):
            inc.resolve(self.world.now, task.case_id)
        return self._finish(task, crew, "done", arrived, self.world.now)

    def _finish(self, task: Task, crew: Crew, outcome: str, arrived_ms: int, done_t: float) -> None:
        """The 反馈 goes in after some paperwork; the crew is free meanwhile."""
        lo, hi = self.spec.feedback_min
        delay = float(self.rng.uniform(lo, hi)) * 60.0

        def report() -> Generator[simpy.Event, object, None]:
            yield self.env.timeout(delay)
            self._answer(
                task, outcome, crew.crew_id, handled_ts=self.ctx.ms(done_t), arrived_ts=arrived_ms
            )

        self.env.process(report())

    def _shift_changes(self) -> Generator[simpy.Event, object, None]:
        """Idle crews go off and come on with the shifts."""
        while True:
            on = self.shifts.on(self.world.now)
            wait = (
                self.shifts.until_off(self.world.now)
                if on
                else self.shifts.until_on(self.world.now)
            )
            yield self.env.timeout(max(wait, 1.0))
            now_on = self.shifts.on(self.world.now)
            for crew in self.crews:
                if not crew.busy and now_on != on:
                    crew.xy = self.base_xy.copy()
                    self._status(crew, "available" if now_on else "off_shift")


def _find_radius(inc: Incident) -> float:
    """How far from the dispatched point a crew finds the incident: what people can see it
    from (its kind's sight distance) when that is further than the usual search."""
    sight = inc.kind.visible.sight_m if inc.kind.visible else 0.0
    return min(max(FIND_RADIUS_M, sight), SEARCH_MAX_M)
