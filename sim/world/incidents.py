"""Incidents: the ground truth. Each kind (sim/scenario/incident_kinds.py) names its dynamics,
implemented here, and acts on devices near it.

An incident evolves minute by minute in simulated time (a SimPy process) and keeps the
history of its intensity (`level`), so readings can be computed for any moment afterwards.
It ends naturally (a fire burns out, water drains) or when a crew handles it.
Exposures are physical quantities at device positions: smoke obscuration, heat, extra PM2.5,
standing water depth, a failed lamp. Devices turn them into readings.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.scenario.incident_kinds import IncidentKind
from sim.world.weather import Weather

STEP_S = 60.0


class Incident:
    """Base incident: identity, place, time span and intensity history."""

    SENSES: ClassVar[tuple[str, ...]] = ()  # what the kind of incident acts on

    def __init__(
        self,
        kind: IncidentKind,
        xy: np.ndarray,
        start: float,
        duration_s: float | None,
        params: dict[str, Any],
        origin: str,
    ):
        self.id = ""  # assigned in start order by the world
        self.kind = kind
        self.xy = np.asarray(xy, dtype=float)
        self.start = float(start)
        self.duration_s = duration_s
        self.params = params
        self.origin = origin  # "timeline" or "rate"
        self.grid = ""
        self.end: float | None = None
        self.ended_by: str | None = None
        self.handled_ts: float | None = None
        self.handled_by: str | None = None
        self.target: tuple[int, int] | None = None  # (fleet number, device index) it acts on
        self._t: list[float] = []
        self._v: list[float] = []

    def p(self, key: str, default: float) -> float:
        """A parameter: the scenario's, else the kind's default, else `default`."""
        return float(self.params.get(key, self.kind.defaults.get(key, default)))

    # --- dynamics
    def process(self, env: simpy.Environment, weather: Weather) -> Generator[simpy.Event]:
        yield env.timeout(max(0.0, self.start - env.now))
        self._record(env.now, self.initial_level())
        while self.end is None:
            yield env.timeout(STEP_S)
            self.update(env.now, weather)

    def initial_level(self) -> float:
        return 0.0

    def update(self, t: float, weather: Weather) -> None:
        raise NotImplementedError

    def resolve(self, t: float, case_id: str) -> None:
        """A crew has handled the incident at time t (as part of case `case_id`)."""
        if self.handled_ts is None:
            self.handled_ts = t
            self.handled_by = case_id
            self._record(t, self.level_now)

    def finish(self, t: float, by: str) -> None:
        self._record(t, 0.0)
        self.end = t
        self.ended_by = by

    def _record(self, t: float, v: float) -> None:
        if self._t and t <= self._t[-1]:
            self._v[-1] = v
        else:
            self._t.append(t)
            self._v.append(v)

    @property
    def level_now(self) -> float:
        return self._v[-1] if self._v else 0.0

    @property
    def peak(self) -> float:
        return max(self._v, default=0.0)

    def active_at(self, t: float) -> bool:
        return self.start <= t and (self.end is None or t < self.end)

    def overlaps(self, t0: float, t1: float) -> bool:
        return self.start <= t1 and (self.end is None or self.end >= t0)

    def level_at(self, t: np.ndarray) -> np.ndarray:
        """Intensity at times t (0 before the start and after the end)."""
        if not self._t:
            return np.zeros_like(t, dtype=float)
        v = np.interp(t, self._t, self._v, left=0.0, right=self._v[-1])
        if self.end is not None:
            v = np.where(t >= self.end, 0.0, v)
        return np.where(t < self.start, 0.0, v)

    def exposure(
        self, sense: str, fleet: int, idx: np.ndarray, xy: np.ndarray, t: np.ndarray
    ) -> np.ndarray | None:
        """This incident's contribution to `sense` at devices `idx` (positions xy) of fleet
        number `fleet` (its place in the world's fleet list), at times t."""
        return None

    def distance(self, xy: np.ndarray) -> np.ndarray:
        return np.hypot(xy[:, 0] - self.xy[0], xy[:, 1] - self.xy[1])

    @property
    def senses(self) -> tuple[str, ...]:
        return self.SENSES


class Fire(Incident):
    """火情 (also 森林火情, 秸秆焚烧): smoke builds up over a few minutes, holds, and clears
    after it is put out or burns out. Params: peak_pct_m (12), spread_m (30), ramp_min (5),
    decay_min (5), plume_m (15: height of the smoke column at full level, what a tower camera
    sees)."""

    SENSES = ("smoke_pct_m", "heat_c", "pm25_extra")

    def update(self, t: float, weather: Weather) -> None:
        if self.handled_ts is not None:
            frac = (t - self.handled_ts) / (self.p("decay_min", 5) * 60)
            level = self._level_when_handled() * max(0.0, 1.0 - frac)
            if level <= 0:
                self.finish(t, "response")
            else:
                self._record(t, level)
        elif self.duration_s is not None and t >= self.start + self.duration_s:
            self.finish(t, "natural")
        else:
            self._record(t, min(1.0, (t - self.start) / (self.p("ramp_min", 5) * 60)))

    def _level_when_handled(self) -> float:
        return float(np.interp(self.handled_ts, self._t, self._v))

    def exposure(
        self, sense: str, fleet: int, idx: np.ndarray, xy: np.ndarray, t: np.ndarray
    ) -> np.ndarray | None:
        d = self.distance(xy)
        level = self.level_at(t)
        if sense == "smoke_pct_m":
            spread = self.p("spread_m", 30)
            return level * self.p("peak_pct_m", 12) * np.exp(-((d / spread) ** 2))
        if sense == "heat_c":
            return level * 30.0 * np.exp(-((d / 15.0) ** 2))
        if sense == "pm25_extra":
            return level * 150.0 * np.exp(-d / 120.0)
        return None


class Waterlogging(Incident):
    """积水: a blocked drain at a low point. Water rises while it rains (rate scaled to 30 mm/h),
    drains slowly on its own, fast once a crew clears the drain and pumps.
    Params: rise_cm_min (0.6), max_cm (40), recede_cm_min (0.05), pump_cm_min (2.5),
    radius_m (50), dry_end_h (6: a blocked drain that sees no rain for this long is not an
    incident any more)."""

    SENSES = ("water_depth_cm",)

    def update(self, t: float, weather: Weather) -> None:
        prev_t = self._t[-1]
        depth = self.level_now
        minutes = (t - prev_t) / 60.0
        rain = float(weather.rain_mm_h(prev_t))
        if self.handled_ts is not None:
            depth -= self.p("pump_cm_min", 2.5) * minutes
        elif rain > 0:
            depth += self.p("rise_cm_min", 0.6) * rain / 30.0 * minutes
        else:
            depth -= self.p("recede_cm_min", 0.05) * minutes
        depth = min(max(depth, 0.0), self.p("max_cm", 40))
        wetted = max(self._v) > 0 or depth > 0
        if depth <= 0 and (self.handled_ts is not None or (wetted and rain == 0)):
            self.finish(t, "response" if self.handled_ts is not None else "natural")
        elif not wetted and t - self.start >= self.p("dry_end_h", 6) * 3600:
            self.finish(t, "natural")
        else:
            self._record(t, depth)

    def exposure(
        self, sense: str, fleet: int, idx: np.ndarray, xy: np.ndarray, t: np.ndarray
    ) -> np.ndarray | None:
        if sense != "water_depth_cm":
            return None
        d = self.distance(xy)
        r = self.p("radius_m", 50)
        kernel = np.where(d <= r, 1.0, np.exp(-(d - r) / 15.0))
        return self.level_at(t) * kernel


class Static(Incident):
    """Something that is simply there until it is dealt with or goes away on its own:
    exposed garbage, a street stall, a pothole, a car parked where it must not be."""

    def initial_level(self) -> float:
        return 1.0

    def update(self, t: float, weather: Weather) -> None:
        if self.duration_s is not None and t >= self.start + self.duration_s:
            self.finish(t, "natural")

    def resolve(self, t: float, case_id: str) -> None:
        super().resolve(t, case_id)
        self.finish(t, "response")


class Area(Static):
    """An incident felt around a point: each of its kind's `effects` (sense -> (peak,
    radius_m)) falls off as peak x exp(-(d / radius)^2). A burst main, a gas leak, a crowd,
    congestion, a pollution episode."""

    @property
    def senses(self) -> tuple[str, ...]:
        return tuple(self.kind.effects)

    def exposure(
        self, sense: str, fleet: int, idx: np.ndarray, xy: np.ndarray, t: np.ndarray
    ) -> np.ndarray | None:
        effect = self.kind.effects.get(sense)
        if effect is None:
            return None
        peak, radius = effect
        return self.level_at(t) * peak * np.exp(-((self.distance(xy) / radius) ** 2))


class Targeted(Static):
    """An incident that happens to one device (the nearest of the kind's `targets`): its
    `since` sense says since when (a failed lamp, an open manhole cover, a pump fault, an
    SOS button pressed), and its `effects` (sense -> (value, _)) act on that device only
    (dust and noise at a construction site, leakage current in a circuit)."""

    @property
    def senses(self) -> tuple[str, ...]:
        since = (self.kind.since,) if self.kind.since else ()
        return since + tuple(self.kind.effects)

    def exposure(
        self, sense: str, fleet: int, idx: np.ndarray, xy: np.ndarray, t: np.ndarray
    ) -> np.ndarray | None:
        if self.target is None or self.target[0] != fleet:
            return None
        hit = (idx == self.target[1]) & (t >= self.start)
        if self.end is not None:
            hit &= t < self.end
        if sense == self.kind.since:
            return np.where(hit, self.start, np.nan)
        effect = self.kind.effects.get(sense)
        if effect is None:
            return None
        return np.where(hit, effect[0], 0.0)


# The dynamics an incident kind names (IncidentKind.dynamics).
DYNAMICS: dict[str, type[Incident]] = {
    "fire": Fire,
    "waterlogging": Waterlogging,
    "static": Static,
    "area": Area,
    "targeted": Targeted,
}


def start_incident(
    kind: IncidentKind,
    xy: np.ndarray,
    start: float,
    duration_s: float | None,
    params: dict[str, Any],
    origin: str,
) -> Incident:
    """An incident of `kind` with its kind's dynamics."""
    return DYNAMICS[kind.dynamics](kind, xy, start, duration_s, params, origin)


# How contributions of several incidents to one sense combine at a device: water and
# congestion take the worst, *_since the earliest, everything else adds up.
_COMBINE_MAX = {"water_depth_cm", "congestion"}


def combine_exposure(
    sense: str,
    incidents: list[Incident],
    fleet: int,
    idx: np.ndarray,
    xy: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """The total of `sense` at the given readings from every incident overlapping them."""
    earliest = sense.endswith("_since")
    out = np.full(idx.size, np.nan) if earliest else np.zeros(idx.size)
    if idx.size == 0:
        return out
    t0, t1 = float(t.min()), float(t.max())
    for inc in incidents:
        if sense not in inc.senses or not inc.overlaps(t0, t1):
            continue
        contrib = inc.exposure(sense, fleet, idx, xy, t)
        if contrib is None:
            continue
        if sense in _COMBINE_MAX:
            out = np.maximum(out, contrib)
        elif earliest:
            out = np.fmin(out, contrib)
        else:
            out = out + contrib
    return out
