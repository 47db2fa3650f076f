"""Incidents: the ground truth. Each kind has its own dynamics and acts on devices near it.

An incident evolves minute by minute in simulated time (a SimPy process) and keeps the
history of its intensity (`level`), so readings can be computed for any moment afterwards.
It ends naturally (a fire burns out, water drains) or when a crew handles it.
Exposures are physical quantities at device positions: smoke obscuration, heat, extra PM2.5,
standing water depth, a failed lamp. Devices turn them into readings.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.weather import Weather

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


@dataclass(frozen=True)
class Visibility:
    """How people notice an incident. A grid supervisor within `sight_m` notices it with
    probability `patrol_per_min` per minute; citizens call 12345 about it `calls_per_h`
    times an hour while it lasts (scaled by the time of day); `day`/`night` scale both
    (a dark lamp shows only at night). Callers name a `confusions` category instead of the
    right one with probability `confusion_p`."""

    patrol_per_min: float
    sight_m: float
    calls_per_h: float
    day: float = 1.0
    night: float = 1.0
    confusions: tuple[str, ...] = ()
    confusion_p: float = 0.0


@dataclass(frozen=True)
class IncidentKind:
    """An incident kind and the catalogue category (事项清单 code) the IOC should file it under."""

    name: str
    name_zh: str
    name_en: str
    category: str
    model: type[Incident]
    duration_min: tuple[float, float] | None  # natural duration range; None: until handled
    targets: str | None = None  # a device kind the incident attaches to (nearest device)
    visible: Visibility | None = None  # None: only devices can tell
    since: str | None = None  # Targeted: the *_since sense it sets on its device
    effects: dict[str, tuple[float, float]] = field(default_factory=dict)  # sense: (peak, m)
    related: tuple[str, ...] = ()  # other catalogue items its symptoms are rightly filed as
    seen_as: str | None = None  # the video analytic that can see it (edge.vision name)
    defaults: dict[str, float] = field(default_factory=dict)  # parameter defaults

    @property
    def categories(self) -> tuple[str, ...]:
        return (self.category, *self.related)


def _kinds(*kinds: IncidentKind) -> dict[str, IncidentKind]:
    return {k.name: k for k in kinds}


INCIDENT_KINDS: dict[str, IncidentKind] = _kinds(
    IncidentKind(
        "fire",
        "火情",
        "Fire / smoke",
        "SJ0502",
        Fire,
        (60, 150),
        visible=Visibility(0.5, 120, 1.0, night=0.4),
        seen_as="fire_smoke",
    ),
    # In the open country: what tower cameras (高点监控) watch for
    IncidentKind(
        "forest_fire",
        "森林火情",
        "Forest fire",
        "SJ0506",
        Fire,
        (120, 480),
        visible=Visibility(0.05, 1500, 0.3, night=0.3),
        seen_as="fire_smoke",
        related=("SJ0502",),
        defaults={"plume_m": 60, "ramp_min": 15, "spread_m": 150, "decay_min": 20},
    ),
    IncidentKind(
        "straw_burning",
        "秸秆焚烧",
        "Straw burning",
        "SJ0505",
        Fire,
        (30, 120),
        visible=Visibility(0.1, 1000, 0.2, night=0.3),
        seen_as="fire_smoke",
        related=("SJ0502", "SJ0506"),
        defaults={"plume_m": 30, "ramp_min": 8, "spread_m": 80, "decay_min": 10},
    ),
    IncidentKind(
        "illegal_building",
        "违法建设",
        "Illegal building or land occupation",
        "SJ0311",
        Static,
        None,
        visible=Visibility(0.02, 100, 0.01),
        seen_as="land_change",
        related=("SJ0312",),
    ),
    IncidentKind(
        "rail_intrusion",
        "铁路沿线入侵",
        "Intrusion on a railway line",
        "SJ0514",
        Static,
        (5, 30),
        seen_as="intrusion",
    ),
    IncidentKind(
        "floating_debris",
        "河道漂浮物",
        "Floating debris on a river",
        "SJ0104",
        Static,
        None,
        visible=Visibility(0.1, 80, 0.02, night=0.0),
        seen_as="floating_debris",
    ),
    IncidentKind(
        "waterlogging",
        "路面积水",
        "Road waterlogging",
        "SJ0501",
        Waterlogging,
        None,
        visible=Visibility(0.3, 60, 0.6, night=0.3, confusions=("SJ0504",), confusion_p=0.1),
    ),
    IncidentKind(
        "lamp_fault",
        "路灯故障",
        "Street-lamp fault",
        "BJ0101",
        Targeted,
        None,
        targets="smart_pole",
        since="lamp_failed_since",
        visible=Visibility(0.2, 40, 0.05, day=0.0, night=1.0),
    ),
    IncidentKind(
        "exposed_garbage",
        "暴露垃圾",
        "Exposed garbage",
        "SJ0101",
        Static,
        None,
        visible=Visibility(
            0.25, 40, 0.15, night=0.2, confusions=("SJ0103", "SJ0105"), confusion_p=0.25
        ),
        seen_as="exposed_garbage",
    ),
    IncidentKind(
        "street_vending",
        "占道经营",
        "Street vending",
        "SJ0401",
        Static,
        (60, 240),
        visible=Visibility(0.3, 50, 0.1, night=0.3, confusions=("SJ0402",), confusion_p=0.15),
        seen_as="street_vending",
    ),
    IncidentKind(
        "road_damage",
        "道路破损",
        "Road surface damage",
        "BJ0201",
        Static,
        None,
        visible=Visibility(0.15, 30, 0.05, night=0.3, confusions=("SJ0504",), confusion_p=0.1),
    ),
    IncidentKind(
        "illegal_parking",
        "违法停车",
        "Illegal parking",
        "SJ0402",
        Static,
        (30, 180),
        visible=Visibility(0.3, 40, 0.2, night=0.3, confusions=("SJ0401",), confusion_p=0.1),
        seen_as="illegal_parking",
    ),
    # Felt around a point
    IncidentKind(
        "burst_pipe",
        "供水管爆管",
        "Water main burst",
        "BJ0510",
        Area,
        None,
        effects={"pressure_drop_mpa": (0.25, 400.0), "water_depth_cm": (6.0, 40.0)},
        visible=Visibility(0.4, 80, 0.5, night=0.4),
        related=("BJ0103",),
    ),  # hydrants nearby lose pressure: 消防栓失压
    IncidentKind(
        "gas_leak",
        "燃气泄漏",
        "Gas leak",
        "SJ0503",
        Area,
        (60, 180),
        effects={"gas_lel_extra": (40.0, 30.0)},
        visible=Visibility(0.1, 30, 0.3, night=0.3),
    ),
    IncidentKind(
        "crowd",
        "人员聚集",
        "Crowd gathering",
        "SJ0507",
        Area,
        (60, 180),
        effects={"crowd": (10.0, 150.0)},
        visible=Visibility(0.2, 150, 0.05),
        seen_as="crowd",
    ),
    IncidentKind(
        "congestion",
        "交通拥堵",
        "Traffic congestion",
        "SJ0413",
        Area,
        (30, 120),
        effects={"congestion": (1.0, 400.0)},
        visible=Visibility(0.1, 100, 0.2),
    ),
    IncidentKind(
        "air_pollution",
        "空气污染过程",
        "Local air-pollution episode",
        "SJ0602",
        Area,
        (180, 600),
        effects={"pm25_extra": (150.0, 2000.0)},
    ),
    # Happening to one device
    IncidentKind(
        "manhole_open",
        "井盖异常",
        "Manhole cover open or tilted",
        "BJ0102",
        Targeted,
        None,
        targets="manhole_cover",
        since="manhole_open_since",
        visible=Visibility(0.3, 30, 0.3, night=0.5),
    ),
    IncidentKind(
        "construction_dust",
        "工地扬尘",
        "Construction dust",
        "SJ0303",
        Targeted,
        (60, 240),
        targets="construction_site",
        effects={"dust_extra": (300.0, 0.0)},
        visible=Visibility(0.2, 100, 0.1),
    ),
    IncidentKind(
        "construction_noise",
        "施工噪声",
        "Construction noise",
        "SJ0309",
        Targeted,
        (60, 180),
        targets="construction_site",
        effects={"noise_extra_db": (20.0, 0.0)},
        visible=Visibility(0.1, 100, 0.3, night=1.5),
    ),
    IncidentKind(
        "pump_fault",
        "排涝泵站故障",
        "Drainage pump fault",
        "BJ0501",
        Targeted,
        None,
        targets="pump_station",
        since="pump_failed_since",
    ),
    IncidentKind(
        "bin_overflow",
        "垃圾满溢",
        "Bin overflow",
        "SJ0105",
        Targeted,
        None,
        targets="smart_bin",
        since="bin_overflow_since",
        visible=Visibility(0.3, 30, 0.1, night=0.2),
    ),
    IncidentKind(
        "electrical_fault",
        "电气火灾隐患",
        "Electrical fire hazard",
        "SJ0513",
        Targeted,
        None,
        targets="electrical_fire",
        effects={"leakage_extra_ma": (400.0, 0.0), "cable_heat_c": (35.0, 0.0)},
    ),
    IncidentKind(
        "charger_fault",
        "充电桩故障",
        "EV charger fault",
        "BJ0511",
        Targeted,
        None,
        targets="ev_charger",
        since="charger_failed_since",
    ),
    IncidentKind(
        "sos_call",
        "一键报警求助",
        "SOS button pressed",
        "SJ0512",
        Targeted,
        (5, 20),
        targets="smart_pole",
        since="sos_since",
    ),
)

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
