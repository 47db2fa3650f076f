"""积水监测 water-level (road waterlogging) sensor at a low point: ultrasonic or pressure
depth gauge reporting standing-water depth, with a battery."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, Params


class WaterLevelParams(Params):
    noise_cm: NonNeg = Field(0.3, description="gauge noise (standard deviation), cm")
    battery_drain_pct_day: NonNeg = Field(0.05, description="battery drain, % a day")


KIND = DeviceKind(
    name="water_level",
    name_zh="积水监测仪",
    name_en="Waterlogging sensor",
    id_prefix="WL",
    metrics=(
        Metric("water_cm", "cm", "积水深度", "Standing water depth", 0, 300, 1),
        Metric("battery_pct", "%", "电量", "Battery", 0, 100, 1),
    ),
    senses=("water_depth_cm",),
    alarms=("积水超限 standing water over limit",),
    params=WaterLevelParams,
)


class WaterLevelFleet(Fleet[WaterLevelParams]):
    """Standing-water depth at road low points (parameters: `WaterLevelParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.noise_cm = p.noise_cm
        self.drain = p.battery_drain_pct_day / 86400.0
        self.battery0 = self.rng.uniform(60.0, 100.0, self.n)
        self.zero_offset = self.rng.normal(0.0, 0.2, self.n)  # mounting calibration error

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        depth = cond["water_depth_cm"] + self.zero_offset[idx] + self.noise(self.noise_cm, idx.size)
        return {
            "water_cm": np.maximum(depth, 0.0),
            "battery_pct": self.battery0[idx] - self.drain * t,
        }
