"""智能烟感 smoke detector (NB-IoT photoelectric): smoke obscuration in %/m, temperature and
battery. Besides real smoke it sees nuisance episodes (cooking fumes, steam, dust) that last a
few readings; they are the main source of false fire alarms in real deployments."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, NonNegRange, Params


class SmokeDetectorParams(Params):
    nuisance_per_day: NonNeg = Field(
        0.05, description="nuisance episodes (cooking fumes, steam, dust) a day per detector"
    )
    nuisance_pct_m: NonNegRange = Field(
        (3.5, 8.0), description="obscuration of a nuisance episode, %obs/m, drawn from [lo, hi]"
    )


KIND = DeviceKind(
    name="smoke_detector",
    name_zh="智能烟感",
    name_en="Smoke detector",
    id_prefix="SD",
    metrics=(
        Metric("smoke_pct_m", "%obs/m", "烟雾浓度", "Smoke obscuration", 0, 100, 2),
        Metric("temp_c", "°C", "温度", "Temperature", -20, 120, 1),
        Metric("battery_pct", "%", "电量", "Battery", 0, 100, 1),
    ),
    senses=("smoke_pct_m", "heat_c"),
    alarms=("烟感告警 smoke alarm",),
    params=SmokeDetectorParams,
)

# Length in readings of a nuisance episode, and its probabilities.
_NUISANCE_LENGTHS = np.array([1, 2, 3])
_NUISANCE_P = np.array([0.7, 0.2, 0.1])


class SmokeDetectorFleet(Fleet[SmokeDetectorParams]):
    """Smoke obscuration, temperature and battery, with nuisance episodes."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.nuisance_rate = p.nuisance_per_day / 86400.0
        self.nuisance_range = p.nuisance_pct_m
        self.nuisance_left = np.zeros(self.n, dtype=np.int64)
        self.baseline = self.rng.uniform(0.02, 0.08, self.n)
        self.battery0 = self.rng.uniform(50.0, 100.0, self.n)
        self.indoor_offset = self.rng.normal(2.0, 1.0, self.n)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        start = (self.nuisance_left[idx] == 0) & (
            self.rng.random(size) < self.nuisance_rate * self.interval[idx]
        )
        lengths = self.rng.choice(_NUISANCE_LENGTHS, size=size, p=_NUISANCE_P)
        self.nuisance_left[idx] = np.where(start, lengths, self.nuisance_left[idx])
        active = self.nuisance_left[idx] > 0
        self.nuisance_left[idx] = np.maximum(self.nuisance_left[idx] - 1, 0)
        nuisance = np.where(active, self.rng.uniform(*self.nuisance_range, size), 0.0)

        smoke = self.baseline[idx] + cond["smoke_pct_m"] + nuisance + self.noise(0.01, size)
        temp = cond["ambient_temp_c"] + self.indoor_offset[idx] + cond["heat_c"]
        return {
            "smoke_pct_m": np.maximum(smoke, 0.0),
            "temp_c": temp + self.noise(0.2, size),
            "battery_pct": self.battery0[idx] - 0.02 * t / 86400.0,
        }
