"""12345 / 12319 callers and the hotline platform (被动发现).

Citizens notice incidents they can see and call: each visible incident draws calls at its
kind's rate while it lasts, more by day than at night, so a problem that stays draws repeat
complaints about the same spot. A caller waits a while before calling, names the problem in
their own words (sometimes as the wrong category) and places it only roughly; the platform
takes its time to forward the work order to the IOC (channel `hotline`). Some calls are
about nothing real.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from sim.people.base import Actor, Context
from sim.people.work import draw_s
from sim.scenario import HotlineSpec
from sim.world import Incident
from sim.world.geo import random_points

STEP_S = 60.0
SOURCE = "hotline-12345"
# Share of the day's call rate by local hour (people call in waking hours).
_HOURLY = np.array(
    [
        0.1,
        0.05,
        0.05,
        0.05,
        0.05,
        0.1,
        0.3,
        0.6,
        0.9,
        1.0,
        1.0,
        1.0,
        0.9,
        0.9,
        1.0,
        1.0,
        1.0,
        1.0,
        0.9,
        0.9,
        0.8,
        0.6,
        0.4,
        0.2,
    ]
)


class Hotline(Actor[HotlineSpec]):
    """The 12345 callers and the hotline platform that forwards their work orders."""

    def __init__(self, spec: HotlineSpec, ctx: Context, rng: np.random.Generator):
        super().__init__(spec, ctx, rng, SOURCE)
        self.calls = 0
        self.env.process(self._listen())

    def _listen(self) -> Generator[simpy.Event, object, None]:
        while True:
            yield self.env.timeout(STEP_S)
            now = self.world.now
            hour = int(float(self.world.weather.tod(now)) // 3600) % 24
            day = self.world.daylight(now)
            for inc in self.world.incidents:
                vis = inc.kind.visible
                if vis is None or not inc.active_at(now):
                    continue
                rate = vis.calls_per_h * (vis.day if day else vis.night) * _HOURLY[hour]
                for _ in range(
                    int(self.rng.poisson(rate * self.spec.call_factor * STEP_S / 3600.0))
                ):
                    self.env.process(self._call(inc))
            junk_rate = self.spec.junk_per_day * _HOURLY[hour] / _HOURLY.mean() / 86400.0
            for _ in range(int(self.rng.poisson(junk_rate * STEP_S))):
                self.env.process(self._call(None))

    def _call(self, inc: Incident | None) -> Generator[simpy.Event, object, None]:
        yield self.env.timeout(
            draw_s(self.rng, self.spec.caller_delay_min) + draw_s(self.rng, self.spec.forward_min)
        )
        self.calls += 1
        report_id = f"H-{self.calls:05d}"
        if inc is None:
            categories = self.spec.junk_categories
            category = categories[int(self.rng.integers(len(categories)))]
            where, _ = random_points(self.world.polygons, 1, self.rng)
            spot = where[0]
            said = "投诉"
        else:
            category = inc.kind.category
            vis = inc.kind.visible
            if vis and vis.confusions and self.rng.random() < vis.confusion_p:
                category = vis.confusions[int(self.rng.integers(len(vis.confusions)))]
            error = self.rng.lognormal(np.log(max(self.spec.location_error_m, 1.0)), 0.5)
            angle = self.rng.uniform(0, 2 * np.pi)
            spot = inc.xy + error * np.array([np.cos(angle), np.sin(angle)])
            said = inc.kind.name_zh
        self.report(
            report_id,
            "hotline",
            inc,
            category,
            spot,
            reporter=f"caller-{self.calls}",
            description=f"市民来电反映{said}",
        )
