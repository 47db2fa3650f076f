"""智慧公厕 smart public toilet: people counted at the door in each reporting interval and
the odour gases ammonia (NH3) and hydrogen sulphide (H2S).

Visits follow activity (and crowds nearby). Each visit adds odour, which the ventilation
clears slowly (warm weather makes it worse); the cleaners' rounds (by default 07:00, 12:00
and 17:00) remove most of it. Sensor noise and a small clean-air background are added.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import Clocks, NonNeg, Params, Positive, Share
from devices.schedule import clock_list, last_event


class PublicToiletParams(Params):
    peak_per_hour: NonNeg = Field(
        40.0, description="visits an hour at full activity (per-toilet spread)"
    )
    clean_at: Clocks = Field(
        ("07:00", "12:00", "17:00"), description="cleaning rounds (local times)"
    )
    nh3_per_visit_ppm: NonNeg = Field(0.012, description="NH3 each visit adds, ppm")
    vent_tau_h: Positive = Field(1.5, description="ventilation time constant, hours")
    clean_keep: Share = Field(0.15, description="share of the odour left after a cleaning")
    h2s_ratio: NonNeg = Field(0.008, description="H2S per NH3")


KIND = DeviceKind(
    name="public_toilet",
    name_zh="智慧公厕",
    name_en="Smart public toilet",
    id_prefix="PT",
    metrics=(
        Metric("people_count", "", "客流", "People in the interval", 0, 5000, 0),
        Metric("nh3_ppm", "ppm", "氨气", "Ammonia (NH3)", 0, 50, 2),
        Metric("h2s_ppm", "ppm", "硫化氢", "Hydrogen sulphide (H2S)", 0, 10, 3),
    ),
    senses=("crowd",),
    alarms=("公厕异味 toilet odour over limit (cleaning task)", "公厕客流过大 toilet crowded"),
    params=PublicToiletParams,
)


class PublicToiletFleet(Fleet[PublicToiletParams]):
    """Visitors, NH3 and H2S in public toilets (parameters: `PublicToiletParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.peak = self.spread(p.peak_per_hour, 0.4)
        self.clean = clock_list(p.clean_at)
        self.per_visit = p.nh3_per_visit_ppm
        self.tau = p.vent_tau_h * 3600.0
        self.keep = p.clean_keep
        self.h2s_ratio = p.h2s_ratio
        self.vent = self.rng.lognormal(0.0, 0.2, self.n)  # better or worse ventilation
        self.background = self.rng.uniform(0.05, 0.2, self.n)
        self.odour = np.zeros(self.n)  # NH3 above background, ppm

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        wet = np.clip(cond["rain_mm_h"] / 10.0, 0.0, 1.0)
        expected = (
            self.peak[idx]
            * np.clip(cond["activity"], 0.0, None)
            * (1.0 + np.maximum(cond["crowd"], 0.0))
            * (1.0 - 0.3 * wet)
            * self.interval[idx]
            / 3600.0
        )
        people = self.rng.poisson(np.maximum(expected, 0.0))
        warm = np.clip(1.0 + 0.04 * (cond["ambient_temp_c"] - 20.0), 0.5, 2.0)
        added = people * self.per_visit * warm
        ago = last_event(cond["tod_s"], dt, self.clean)
        cleaned = ~np.isnan(ago)
        odour = self.odour[idx] * np.exp(-dt / (self.tau * self.vent[idx]))
        share_after = np.where(cleaned, np.nan_to_num(ago) / np.maximum(dt, 1.0), 1.0)
        odour = np.where(cleaned, odour * self.keep, odour) + added * np.clip(share_after, 0, 1)
        self.odour[idx] = odour
        nh3 = self.background[idx] + odour + self.noise(0.02, size)
        h2s = 0.001 + self.h2s_ratio * odour + self.noise(0.0005, size)
        return {
            "people_count": people.astype(float),
            "nh3_ppm": np.maximum(nh3, 0.0),
            "h2s_ppm": np.maximum(h2s, 0.0),
        }
