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
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric, is_active
from devices.params import NonNeg, NonNegOrRange, Params, Positive


class ManholeCoverParams(Params):
    open_tilt_deg: NonNegOrRange = Field(
        (20.0, 85.0), description="tilt of a lifted or displaced cover, ° (or [lo, hi])"
    )
    chamber_depth_cm: NonNegOrRange = Field(
        (120.0, 250.0), description="chamber depth, cm (or [lo, hi] per well)"
    )
    base_water_cm: NonNegOrRange = Field(
        (5.0, 30.0), description="dry-weather flow depth, cm (or [lo, hi] per well)"
    )
    rain_gain_cm: NonNeg = Field(2.5, description="chamber water per mm/h of rain, cm")
    runoff_gain_cm: NonNeg = Field(1.0, description="chamber water per mm of rain in 6 h, cm")
    water_tau_min: Positive = Field(20.0, description="chamber water time constant, minutes")
    battery_drain_pct_day: NonNeg = Field(0.03, description="battery drain, % a day")


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
    params=ManholeCoverParams,
)


class ManholeCoverFleet(Fleet[ManholeCoverParams]):
    """Cover tilt, opening and chamber water (parameters: `ManholeCoverParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        self.rest_tilt = np.abs(self.rng.normal(0.0, 1.0, self.n)) + 0.3
        p = self.params
        self.open_tilt = self.draw(p.open_tilt_deg)
        self.depth = self.draw(p.chamber_depth_cm)
        self.base_water = self.draw(p.base_water_cm)
        self.gain = self.rng.lognormal(0.0, 0.3, self.n)  # how much of the street drains here
        self.rain_gain = p.rain_gain_cm
        self.runoff_gain = p.runoff_gain_cm
        self.tau = p.water_tau_min * 60.0
        self.water = self.base_water * 0.8
        self.drain = p.battery_drain_pct_day / 86400.0
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
