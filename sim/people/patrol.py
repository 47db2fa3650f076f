"""Grid supervisors (网格员/监督员): 主动发现, and 核实/核查 when the IOC asks.

On shift, a supervisor walks a route of random waypoints through the grid. Each minute it
may notice an incident within sight, with the kind's probability (a dark lamp shows only at
night), and reports it from the app (channel `patrol`) with a photo, the category (nearly
always right) and the GPS position. Tasks from the IOC come first: the supervisor goes to the
spot and looks. 核实: confirmed (with the category actually seen) if something is there,
otherwise not found (it searches around a reported address for the reported problem, and
looks closer for anything else). 核查: passes if the problem of the case's category is gone.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy
from shapely.geometry import Polygon

from ioc.contract import Task
from sim.people.base import Actor, Context
from sim.scenario import PatrolSpec
from sim.world import Incident
from sim.world.geo import random_points

STEP_S = 60.0
LOOK_RADIUS_M = 60.0  # how far from the spot a supervisor looks for anything amiss
SEARCH_RADIUS_M = 150.0  # how far around a reported address it looks for the reported problem


class Supervisor:
    """One grid supervisor: where it is, where it walks to, what it has reported."""

    def __init__(self, sup_id: str, xy: np.ndarray):
        self.sup_id = sup_id
        self.xy = xy
        self.waypoint = xy
        self.reported: set[str] = set()


class GridPatrol(Actor[PatrolSpec]):
    """The supervisors of one grid cell."""

    def __init__(
        self, grid: str, polygon: Polygon, spec: PatrolSpec, ctx: Context, rng: np.random.Generator
    ):
        super().__init__(spec, ctx, rng, f"patrol-{grid}", spec.shifts)
        self.grid = grid
        self.polygon = polygon
        self.tasks = simpy.Store(self.env)
        self.speed = spec.speed_kmh / 3.6
        self.supervisors = [
            Supervisor(f"{grid}-s{i + 1}", self._random_point()) for i in range(spec.per_grid)
        ]
        self.reports_made = 0
        for sup in self.supervisors:
            self.env.process(self._shift(sup))

    def _random_point(self) -> np.ndarray:
        xy, _ = random_points([self.polygon], 1, self.rng)
        return xy[0]

    def receive(self, task: Task) -> None:
        self.tasks.put(task)

    # ------------------------------------------------------------------ the day
    def _shift(self, sup: Supervisor) -> Generator[simpy.Event, object, None]:
        while True:
            wait = self.shifts.until_on(self.world.now)
            if wait:
                yield self.env.timeout(wait)
                sup.xy = sup.waypoint = self._random_point()
            if self.tasks.items:
                task = yield self.tasks.get()
                assert isinstance(task, Task)
                yield from self._do(sup, task)
            else:
                yield from self._walk(sup)

    def _walk(self, sup: Supervisor) -> Generator[simpy.Event, object, None]:
        step = min(STEP_S, max(self.shifts.until_off(self.world.now), 1.0))
        delta = sup.waypoint - sup.xy
        dist = float(np.hypot(*delta))
        move = self.speed * step
        if dist <= move:
            sup.xy, sup.waypoint = sup.waypoint, self._random_point()
        else:
            sup.xy = sup.xy + delta * (move / dist)
        yield self.env.timeout(step)
        self._look_around(sup, step)

    def _look_around(self, sup: Supervisor, step_s: float) -> None:
        day = self.world.daylight(self.world.now)
        for inc in self.world.incidents:
            vis = inc.kind.visible
            if vis is None or inc.id in sup.reported or not inc.active_at(self.world.now):
                continue
            if float(np.hypot(*(inc.xy - sup.xy))) > vis.sight_m:
                continue
            p = vis.patrol_per_min * (vis.day if day else vis.night) * step_s / 60.0
            if self.rng.random() < p:
                sup.reported.add(inc.id)
                self._report(sup, inc)

    def _report(self, sup: Supervisor, inc: Incident) -> None:
        self.reports_made += 1
        report_id = f"P-{self.grid}-{self.reports_made:04d}"
        category = inc.kind.category
        vis = inc.kind.visible
        if vis and vis.confusions and self.rng.random() > self.spec.correct_category:
            category = vis.confusions[int(self.rng.integers(len(vis.confusions)))]
        xy = inc.xy + self.rng.normal(0.0, self.spec.gps_error_m, 2)
        self.report(
            report_id,
            "patrol",
            inc,
            category,
            xy,
            reporter=sup.sup_id,
            photo=True,
            description=f"巡查发现{inc.kind.name_zh}",
        )

    # ------------------------------------------------------------------ tasks
    def _do(self, sup: Supervisor, task: Task) -> Generator[simpy.Event, object, None]:
        spot = self.world.xy(task.lon, task.lat)
        yield self.env.timeout(float(np.hypot(*(spot - sup.xy))) / self.speed)
        sup.xy = spot
        yield self.env.timeout(self.spec.on_site_min * 60.0)
        fields: dict[str, object] = {}
        if task.kind == "verify":
            near = self.world.incidents_near(spot, SEARCH_RADIUS_M, self.world.now)
            d = {i.id: float(np.hypot(*(i.xy - spot))) for i in near}
            seen = [i for i in near if i.kind.category == task.category] + [
                i for i in near if i.kind.category != task.category and d[i.id] <= LOOK_RADIUS_M
            ]
            if seen:
                outcome = "confirmed"
                fields["category"] = seen[0].kind.category
            else:
                outcome = "not_found"
                fields["note"] = "现场未发现 nothing found on site"
        else:  # 核查: is the problem still there, on the spot?
            still = [
                i
                for i in self.world.incidents_near(spot, LOOK_RADIUS_M, self.world.now)
                if task.category in i.kind.categories
            ]
            outcome = "fail" if still else "pass"
        self.answer(task, outcome, sup.sup_id, **fields)
