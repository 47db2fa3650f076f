"""智能井盖 smart manhole cover (NB-IoT): tilt of the cover, an open/displaced flag, the water
level in the chamber below (ultrasonic, measured up from the chamber floor) and the battery.

A closed cover rests at a small per-device tilt that jitters as traffic passes; when it is
lifted, displaced or stolen (manhole_open_since) the tilt jumps and `open` = 1. The chamber
water follows sewer flow (higher when people are about) and rain, with a lag of some
minutes, up to the chamber depth (surcharge).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from devices.base import DeviceKind, Fleet, Metric, is_active

KIND = DeviceKind(
    name="manhole_cover",
    name_zh="智能井盖",
    name_en="Smart manhole cover",
    id_prefix="MH",
    metrics=(
        Metric("tilt_deg", "°", "倾角", "Cover tilt", 0, 180, 1),
        Metric("open", "", "井盖开启", "Cover open or displaced", 0, 1, 0),
        Metric("water_cm", "cm", "井下水位", "Water in the chamber", 0, 500, 1),
        Metric("battery_pct", "%", "电量", "Battery", 0, 100, 1),
    ),
    senses=("manhole_open_since",),
    alarms=(
        "井盖开启/位移 manhole cover open or displaced",
        "井下水位高 chamber water high (surcharge)",
        "电量低 battery low",
    ),
)


class ManholeCoverFleet(Fleet):
    """Params (defaults): open_tilt_deg ([20, 85]: tilt of a lifted or displaced cover),
    chamber_depth_cm ([120, 250]), base_water_cm ([5, 30]: dry-weather flow depth),
    rain_gain_cm (2.5: per mm/h of rain), runoff_gain_cm (1.0: per mm in the last 6 h),
    water_tau_min (20), battery_drain_pct_day (0.03)."""

    KIND = KIND

    def _setup(self) -> None:
        self.rest_tilt = np.abs(self.rng.normal(0.0, 1.0, self.n)) + 0.3
        self.open_tilt = self.uniform("open_tilt_deg", [20.0, 85.0])
        self.depth = self.uniform("chamber_depth_cm", [120.0, 250.0])
        self.base_water = self.uniform("base_water_cm", [5.0, 30.0])
        self.gain = self.rng.lognormal(0.0, 0.3, self.n)  # how much of the street drains here
        self.rain_gain = float(self.param("rain_gain_cm", 2.5))
        self.runoff_gain = float(self.param("runoff_gain_cm", 1.0))
        self.tau = float(self.param("water_tau_min", 20.0)) * 60.0
        self.water = self.base_water * 0.8
        self.drain = float(self.param("battery_drain_pct_day", 0.03)) / 86400.0
        self.battery0 = self.rng.uniform(60.0, 100.0, self.n)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        target = self.base_water[idx] * (0.6 + 0.8 * np.clip(cond["activity"], 0, 1)) + self.gain[
            idx
        ] * (
            self.rain_gain * np.maximum(cond["rain_mm_h"], 0.0)
            + self.runoff_gain * np.maximum(cond["rain_6h_mm"], 0.0)
        )
        water = self.water[idx]
        water = water + (target - water) * (1.0 - np.exp(-dt / self.tau))
        water = np.minimum(water, self.depth[idx])
        self.water[idx] = water

        opened = is_active(cond["manhole_open_since"], t)
        vibration = np.abs(self.noise(1.0, size)) * 0.4 * np.clip(cond["traffic"], 0, 1)
        tilt = np.where(
            opened,
            self.open_tilt[idx] + self.noise(2.0, size),
            self.rest_tilt[idx] + vibration + self.noise(0.1, size),
        )
        return {
            "tilt_deg": np.abs(tilt),
            "open": opened.astype(float),
            "water_cm": np.maximum(water + self.noise(0.5, size), 0.0),
            "battery_pct": self.battery0[idx] - self.drain * t,
        }
