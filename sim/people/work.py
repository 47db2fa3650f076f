"""People's working time in the simulation: shifts and how long a piece of work takes."""

from __future__ import annotations

import math

import numpy as np

from devices.schedule import DAY_S, clock_s
from sim.scenario import HandlingSpec, Shift

_Z90 = 1.2815515655446004  # standard normal 90th percentile


def draw_s(rng: np.random.Generator, spec: HandlingSpec) -> float:
    """A log-normal duration in seconds with the spec's median and 90th percentile."""
    sigma = math.log(spec.p90_min / spec.median_min) / _Z90
    return float(spec.median_min * math.exp(sigma * rng.standard_normal()) * 60.0)


class Shifts:
    """Daily working hours, e.g. [("08:00", "12:00"), ("14:00", "18:00")], on the scenario's
    clock (simulated seconds from the start, which is at `start_tod_s` local time)."""

    def __init__(self, shifts: list[Shift], start_tod_s: float):
        self.periods = sorted(
            (clock_s(a), DAY_S if b == "24:00" else clock_s(b)) for a, b in shifts
        )
        self.start_tod_s = start_tod_s
        self.all_day = self.periods == [(0.0, DAY_S)]

    def _tod(self, t: float) -> float:
        return (self.start_tod_s + t) % DAY_S

    def on(self, t: float) -> bool:
        tod = self._tod(t)
        return any(a <= tod < b for a, b in self.periods)

    def until_on(self, t: float) -> float:
        """Seconds from t until the next working moment (0 when working now)."""
        if self.all_day or self.on(t):
            return 0.0
        tod = self._tod(t)
        waits = [(a - tod) % DAY_S for a, _ in self.periods]
        return min(waits)

    def until_off(self, t: float) -> float:
        """Seconds from t until the current shift ends (0 when off shift)."""
        if self.all_day:
            return math.inf
        tod = self._tod(t)
        for a, b in self.periods:
            if a <= tod < b:
                return b - tod
        return 0.0
