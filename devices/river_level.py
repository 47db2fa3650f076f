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

from devices.base import DeviceKind, Fleet, Metric

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
)


class RiverLevelFleet(Fleet):
    """Params (defaults): base_level_m (3.0), base_spread_m (0.3: per-station base stage
    spread), warning_level_m (base + 1.5: 警戒水位, the alarm rule's threshold; also the
    per-station array `warning_level_m`), catchment_m_per_mm (0.02: eventual rise per mm of
    rain in 6 h, per-station spread), max_rise_m (5.0: the rise levels off towards this in
    extreme rain), rise_h (3) and fall_h (18): response time constants, gauge_noise_m
    (0.01)."""

    KIND = KIND

    def _setup(self) -> None:
        base = float(self.param("base_level_m", 3.0))
        self.base = base + self.rng.normal(0.0, float(self.param("base_spread_m", 0.3)), self.n)
        self.warning_level_m = np.full(self.n, float(self.param("warning_level_m", base + 1.5)))
        self.gain = self.spread(self.param("catchment_m_per_mm", 0.02), 0.3)
        self.rise_s = float(self.param("rise_h", 3.0)) * 3600.0
        self.fall_s = float(self.param("fall_h", 18.0)) * 3600.0
        self.gauge_noise = float(self.param("gauge_noise_m", 0.01))
        self.max_rise = float(self.param("max_rise_m", 5.0))
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
