"""河道/水库水位站 river or reservoir gauge (雨量水位站): radar water level and a
tipping-bucket rain gauge.

The level sits at a per-station base stage and answers rain slowly: it rises towards a
target set by the rain of the last six hours (more than proportionally once the soil is
saturated, less once the river spreads over its banks) with a time constant of hours, and
recedes more slowly still once the rain stops.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, Params, Positive


class RiverLevelParams(Params):
    base_level_m: NonNeg = Field(3.0, description="base stage, m")
    base_spread_m: NonNeg = Field(0.3, description="per-station spread of the base stage, m")
    warning_level_m: NonNeg | None = Field(
        None, description="警戒水位, the alarm rule's threshold, m (default base + 1.5)"
    )
    catchment_m_per_mm: NonNeg = Field(
        0.02, description="eventual rise per mm of rain in 6 h, m (per-station spread)"
    )
    max_rise_m: Positive = Field(5.0, description="the rise levels off towards this, m")
    rise_h: Positive = Field(3.0, description="rising time constant, hours")
    fall_h: Positive = Field(18.0, description="receding time constant, hours")
    gauge_noise_m: NonNeg = Field(0.01, description="gauge noise, m")


KIND = DeviceKind(
    name="river_level",
    name_zh="河道水位站",
    name_en="River / reservoir level gauge",
    id_prefix="RL",
    metrics=(
        Metric("level_m", "m", "水位", "Water level (stage)", 0, 100, 2),
        Metric("rain_mm", "mm", "时段雨量", "Rain in the interval", 0, 500, 1),
    ),
    senses=(),
    alarms=("超警戒水位 water level over the warning level", "强降雨 heavy rain at the gauge"),
    params=RiverLevelParams,
)


class RiverLevelFleet(Fleet[RiverLevelParams]):
    """Stage and rain at hydrological stations (parameters: `RiverLevelParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        base = p.base_level_m
        self.base = base + self.rng.normal(0.0, p.base_spread_m, self.n)
        warning = base + 1.5 if p.warning_level_m is None else p.warning_level_m
        self.warning_level_m = np.full(self.n, warning)
        self.gain = self.spread(p.catchment_m_per_mm, 0.3)
        self.rise_s = p.rise_h * 3600.0
        self.fall_s = p.fall_h * 3600.0
        self.gauge_noise = p.gauge_noise_m
        self.max_rise = p.max_rise_m
        self.rise = np.zeros(self.n)  # metres above base now
        self.catch = self.rng.lognormal(0.0, 0.05, self.n)  # rain-gauge catch efficiency

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        rain6 = np.maximum(cond["rain_6h_mm"], 0.0)
        # Wet soil runs off more; above bankfull the water spreads and rises less.
        runoff = self.gain[idx] * rain6 * (1.0 + np.minimum(rain6, 60.0) / 60.0)
        target = self.max_rise * (1.0 - np.exp(-runoff / self.max_rise))
        rise = self.rise[idx]
        tau = np.where(target > rise, self.rise_s, self.fall_s)
        rise = rise + (target - rise) * (1.0 - np.exp(-dt / tau))
        self.rise[idx] = rise
        level = self.base[idx] + rise + 0.02 * cond["area_noise"]
        level = level + self.noise(self.gauge_noise, size)
        local = np.exp(0.1 * cond["area_noise"])  # showers are patchy
        rain = np.maximum(cond["rain_mm_h"], 0.0) * self.interval[idx] / 3600.0
        return {"level_m": level, "rain_mm": rain * self.catch[idx] * local}
