"""Fleet base: a whole device kind as numpy arrays, so a county of devices is cheap.

A fleet knows its devices' reporting schedule and how each sensor turns the physical
conditions at the device (supplied by the simulator as per-reading arrays) into readings:
noise, quantisation, physical range, controller logic. It knows nothing about incidents,
gateways or MQTT.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

import numpy as np

from devices.params import Params, describe_params

# Per-reading arrays every fleet receives from the world (same length as the reading batch):
#   tod_s           local seconds after midnight           dow          local weekday, 0 = Monday
#   rain_mm_h       rain intensity now                      rain_6h_mm   rain over the last 6 h
#   ambient_temp_c  air temperature                         ambient_rh_pct  relative humidity
#   wind_ms         wind speed at 10 m
#   ambient_pm25, ambient_pm10, ambient_no2, ambient_so2, ambient_o3 (µg/m³), ambient_co (mg/m³):
#                   city background air quality (weather- and traffic-driven)
#   activity        0..1 people about (waking hours, weekday/weekend)
#   traffic         0..1 road traffic demand (morning and evening peaks, weekends flatter)
#   area_noise      standard normal, shared by the devices of one grid and drifting slowly:
#                   correlated neighbours (a fleet scales it to its own units)
# Kind-specific incident exposures are listed in each kind's `senses`; the world supplies 0
# (or NaN for the *_since ones) where no incident acts. Known senses:
#   smoke_pct_m, heat_c, pm25_extra, water_depth_cm, gas_lel_extra, pressure_drop_mpa,
#   crowd (extra people, a multiplier >= 0), congestion (0..1, 1 = gridlock),
#   dust_extra (µg/m³ PM10), noise_extra_db, leakage_extra_ma, cable_heat_c,
#   lamp_failed_since, manhole_open_since, pump_failed_since, bin_overflow_since,
#   charger_failed_since, sos_since (simulated seconds since start, NaN when not happening)
COMMON_CONDITIONS = (
    "tod_s",
    "dow",
    "rain_mm_h",
    "rain_6h_mm",
    "ambient_temp_c",
    "ambient_rh_pct",
    "wind_ms",
    "ambient_pm25",
    "ambient_pm10",
    "ambient_no2",
    "ambient_so2",
    "ambient_o3",
    "ambient_co",
    "activity",
    "traffic",
    "area_noise",
)
SENSES = (
    "smoke_pct_m",
    "heat_c",
    "pm25_extra",
    "water_depth_cm",
    "gas_lel_extra",
    "pressure_drop_mpa",
    "crowd",
    "congestion",
    "dust_extra",
    "noise_extra_db",
    "leakage_extra_ma",
    "cable_heat_c",
    "lamp_failed_since",
    "manhole_open_since",
    "pump_failed_since",
    "bin_overflow_since",
    "charger_failed_since",
    "sos_since",
)


def is_active(since: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Where a `*_since` condition is going on at reading times `t` (NaN: not happening)."""
    since = np.asarray(since, dtype=float)
    return np.isfinite(since) & (since <= t)


@dataclass(frozen=True)
class Metric:
    """A reading a device kind reports: name on the wire, unit, physical range."""

    name: str
    unit: str
    name_zh: str
    name_en: str
    lo: float
    hi: float
    decimals: int = 2


@dataclass(frozen=True)
class DeviceKind:
    """A device kind: its names, id prefix, readings, what it senses, what it can alarm on and
    the parameters a scenario may set on its fleets (`params`, a `devices.params.Params`)."""

    name: str
    name_zh: str
    name_en: str
    id_prefix: str
    metrics: tuple[Metric, ...]
    senses: tuple[str, ...]  # kind-specific conditions the world must supply
    alarms: tuple[str, ...]  # alarms the IOC can raise from it (zh / en), for docs and listings
    params: type[Params]  # what a scenario may set on a fleet of this kind

    def describe(self) -> dict[str, Any]:
        """Names, readings, alarms and parameters, for listings (`citysim devices kinds`)."""
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "readings": [
                {
                    "name": m.name,
                    "unit": m.unit,
                    "name_zh": m.name_zh,
                    "name_en": m.name_en,
                    "range": [m.lo, m.hi],
                }
                for m in self.metrics
            ],
            "alarms": list(self.alarms),
            "params": describe_params(self.params),
        }


P = TypeVar("P", bound=Params)


class Fleet(ABC, Generic[P]):
    """All devices of one kind in a scenario.

    Devices report every `interval_s` seconds from a random phase. `due` yields the readings
    that fall in a time window, in rounds where each device appears at most once, so
    per-device state (cumulative energy, battery) advances in time order. `params` are the
    kind's typed parameters (`KIND.params`), validated from the scenario's mapping.
    """

    KIND: ClassVar[DeviceKind]
    # Remote commands the kind accepts: action -> what it does (zh / en).
    COMMANDS: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        n: int,
        interval_s: float,
        rng: np.random.Generator,
        params: Mapping[str, Any] | Params | None = None,
        t0: float = 0.0,
    ):
        if n < 1:
            raise ValueError("a fleet needs at least one device")
        self.n = n
        self.rng = rng
        self.params = cast(P, self.KIND.params.model_validate({} if params is None else params))
        self.interval = np.full(n, float(interval_s))
        self.next_due = t0 + rng.uniform(0.0, interval_s, n)
        self.seq = np.zeros(n, dtype=np.int64)
        self.last_t = np.full(n, np.nan)  # time of each device's previous reading
        self._setup()

    def _setup(self) -> None:
        """Draw per-device constants (offsets, ratings). Override as needed."""

    def due(self, t0: float, t1: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(device indices, reading times) for readings with t0 <= t < t1, one round at a time."""
        while True:
            idx = np.flatnonzero(self.next_due < t1)
            if idx.size == 0:
                return
            t = self.next_due[idx].copy()
            self.next_due[idx] += self.interval[idx]
            keep = t >= t0  # readings before the window were skipped (e.g. a late start)
            yield idx[keep], t[keep]

    def take_seq(self, idx: np.ndarray) -> np.ndarray:
        """Next per-device sequence numbers for the readings about to be produced."""
        self.seq[idx] += 1
        return self.seq[idx].copy()

    def produce(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Readings for devices `idx` at times `t`, clipped to range and rounded."""
        values = self.measure(idx, t, cond)
        out = {}
        for m in self.KIND.metrics:
            out[m.name] = np.round(np.clip(values[m.name], m.lo, m.hi), m.decimals)
        return out

    @abstractmethod
    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """Raw values per metric for readings of devices `idx` at times `t`."""

    def noise(self, sigma: float | np.ndarray, size: int) -> np.ndarray:
        return self.rng.normal(0.0, sigma, size)

    def elapsed(self, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Seconds since each device's previous reading (one interval for its first reading,
        never negative), and record `t` as the latest reading. Call once per `measure`."""
        last = self.last_t[idx]
        dt = np.where(np.isnan(last), self.interval[idx], t - last)
        self.last_t[idx] = t
        return np.maximum(dt, 0.0)

    def spread(self, value: float, rel_sigma: float) -> np.ndarray:
        """Per-device constants around `value` (lognormal, relative spread `rel_sigma`)."""
        return float(value) * self.rng.lognormal(0.0, rel_sigma, self.n)

    def draw(self, value: float | tuple[float, float]) -> np.ndarray:
        """Per-device constants: one number for every device, or drawn uniformly from
        [lo, hi]."""
        if isinstance(value, int | float):
            return np.full(self.n, float(value))
        lo, hi = (float(v) for v in value)
        return self.rng.uniform(lo, hi, self.n)

    def command(
        self, idx: np.ndarray, action: str, params: Mapping[str, Any], t: float
    ) -> tuple[str, str]:
        """Apply a remote command to devices `idx` at simulated time t; returns (status,
        detail) with status "ok", "rejected" (bad parameters) or "unsupported"."""
        return "unsupported", f"{self.KIND.name} takes no commands"
