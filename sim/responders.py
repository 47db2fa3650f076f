"""Departments (处置部门) and their crews in the simulated city.

A dispatch from the IOC waits for a free crew, which travels from its base (road distance
about 1.3x the straight line), handles the job for a sampled time and reports back over MQTT.
If the incident it was sent to is there, the crew ends it in the ground truth; if not (a false
alarm, or it already ended) the crew reports `not_found` after a short check.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

import numpy as np
import simpy

from ioc.contract import Dispatch
from sim.scenario import DepartmentSpec, HandlingSpec
from sim.world import World

ROAD_FACTOR = 1.3  # road distance over straight-line distance in a city grid
FIND_RADIUS_M = 80.0  # how far around the dispatched point a crew looks for the problem
_Z90 = 1.2815515655446004  # standard normal 90th percentile

# (dispatch, outcome, crew, arrived_ts, done_ts) with event times in epoch ms
Report = Callable[[Dispatch, str, str, int, int], None]


class Department:
    def __init__(self, spec: DepartmentSpec, world: World, report: Report,
                 rng: np.random.Generator):
        self.spec = spec
        self.world = world
        self.env = world.env
        self.report = report
        self.rng = rng
        base = np.array(spec.base, dtype=float)
        self.base_xy = world.frame.to_xy(base) if world.scenario.geometry.crs == "lonlat" else base
        self.crews = simpy.Store(self.env, capacity=spec.crews)
        for i in range(spec.crews):
            self.crews.put(f"{spec.code}-crew-{i + 1}")
        self.received = 0
        self.completed = 0

    def receive(self, dispatch: Dispatch) -> None:
        self.received += 1
        self.env.process(self._job(dispatch))

    def handling_s(self, category: str) -> float:
        h: HandlingSpec = self.spec.handling.get(category, self.spec.default_handling)
        sigma = np.log(h.p90_min / h.median_min) / _Z90
        return float(h.median_min * np.exp(sigma * self.rng.standard_normal()) * 60.0)

    def _job(self, d: Dispatch) -> Generator[simpy.Event, object, None]:
        crew = yield self.crews.get()
        target = self.world.frame.to_xy(np.array([d.lon, d.lat]))
        travel_s = float(np.hypot(*(target - self.base_xy))) * ROAD_FACTOR / (
            self.spec.speed_kmh / 3.6)
        yield self.env.timeout(travel_s)
        arrived = self.world.now
        found = self.world.find_incidents(d.category, target, FIND_RADIUS_M, arrived)
        if found:
            yield self.env.timeout(self.handling_s(d.category))
            for inc in found:
                if inc.active_at(self.world.now):
                    inc.resolve(self.world.now, d.case_id)
            outcome = "resolved"
        else:
            yield self.env.timeout(self.spec.not_found_min * 60.0)
            outcome = "not_found"
        self.completed += 1
        self.report(d, outcome, str(crew), self.world.ms(arrived), self.world.ms(self.world.now))
        yield self.env.timeout(travel_s)  # back to base before the next job
        yield self.crews.put(crew)
