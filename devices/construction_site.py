"""智慧工地 construction-site monitor (扬尘噪声在线监测): PM10 dust and noise at the site
boundary, and the state of the dust-suppression mist cannon (雾炮) it switches.

In working hours the site adds dust (scaled by the site's current work intensity, wind
uplift and how dry the ground is) and noise; at night only exposed stockpiles add a little
dust and the noise falls to the street background. The mist cannon switches on when the
reading exceeds a threshold and off below a lower one; while it runs it removes part of the
site's own dust (not that of incidents nearby).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from devices.base import DeviceKind, Fleet, Metric
from devices.schedule import bump, clock_s, in_daily_window

KIND = DeviceKind(
    name="construction_site",
    name_zh="智慧工地",
    name_en="Construction-site monitor",
    id_prefix="CS",
    metrics=(
        Metric("dust_pm10", "µg/m³", "扬尘PM10", "Dust (PM10)", 0, 5000, 1),
        Metric("noise_dba", "dB(A)", "施工噪声", "Site noise", 20, 130, 1),
        Metric("mist_on", "", "雾炮状态", "Mist cannon on", 0, 1, 0),
    ),
    senses=("dust_extra", "noise_extra_db"),
    alarms=(
        "扬尘超标 construction dust over limit",
        "施工噪声超标 construction noise over limit",
        "夜间违规施工 construction at night",
    ),
)


class ConstructionSiteFleet(Fleet):
    """Params (defaults): work_start ("07:00"), work_end ("19:00"), site_dust_ug (60: PM10 a
    site at full work adds on a dry day with a 2 m/s breeze, per-site spread), site_noise_db
    (62: boundary noise at full work, per-site spread), background_db (45: night street
    background at the boundary), weekend_factor (0.8: work on Saturday/Sunday),
    mist_threshold_ug (150: mist cannon on above this PM10), mist_off_ug (0.8 x threshold),
    mist_efficiency (0.5: share of the site's dust the mist removes)."""

    KIND = KIND

    def _setup(self) -> None:
        self.work_start = clock_s(self.param("work_start", "07:00"))
        self.work_end = clock_s(self.param("work_end", "19:00"))
        self.site_dust = self.spread(self.param("site_dust_ug", 60.0), 0.35)
        self.site_db = float(self.param("site_noise_db", 62.0)) + self.rng.normal(0, 2.5, self.n)
        self.bg_db = float(self.param("background_db", 45.0)) + self.rng.normal(0, 1.5, self.n)
        self.weekend = float(self.param("weekend_factor", 0.8))
        self.mist_on_ug = float(self.param("mist_threshold_ug", 150.0))
        self.mist_off_ug = float(self.param("mist_off_ug", 0.8 * self.mist_on_ug))
        self.mist_eff = float(self.param("mist_efficiency", 0.5))
        self.bg_factor = self.rng.lognormal(0.0, 0.08, self.n)
        # Work intensity: earthworks ~1, finishing works ~0.3; changes slowly (per day).
        self.phase = self.rng.uniform(0.0, 2 * np.pi, self.n)
        self.base_intensity = self.rng.uniform(0.4, 1.0, self.n)
        self.mist = np.zeros(self.n, dtype=bool)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        tod = cond["tod_s"]
        working = in_daily_window(tod, self.work_start, self.work_end)
        day = np.floor(t / 86400.0)
        intensity = self.base_intensity[idx] * (0.8 + 0.2 * np.sin(day + self.phase[idx]))
        intensity = intensity * np.where(cond["dow"] >= 5, self.weekend, 1.0)
        intensity = intensity * (1.0 - 0.5 * bump(tod, 12.5, 0.5))  # lunch break
        work = np.where(working, intensity, 0.0)

        dry = np.exp(-cond["rain_6h_mm"] / 4.0) * (1.0 - 0.7 * np.clip(cond["rain_mm_h"], 0, 1))
        uplift = np.clip(0.5 + 0.25 * cond["wind_ms"], 0.5, 3.0)
        site = self.site_dust[idx] * (work + 0.1) * dry * uplift  # stockpiles at night too
        site = site * np.where(self.mist[idx], 1.0 - self.mist_eff, 1.0)
        dust = cond["ambient_pm10"] * self.bg_factor[idx] + site
        dust = dust * np.exp(0.05 * cond["area_noise"]) + cond["dust_extra"]
        dust = np.maximum(dust + self.noise(1.0, size) * (4.0 + 0.05 * dust), 0.0)
        # The controller reacts to this reading: on above the threshold, off below the lower.
        self.mist[idx] = np.where(
            dust > self.mist_on_ug, True, np.where(dust < self.mist_off_ug, False, self.mist[idx])
        )

        bursts = np.where(
            working & (self.rng.random(size) < 0.1), self.rng.uniform(0.0, 4.0, size), 0.0
        )  # breakers, piling
        site_db = self.site_db[idx] + 10.0 * np.log10(np.maximum(work, 1e-6)) + bursts
        street_db = self.bg_db[idx] + 8.0 * np.clip(cond["traffic"], 0.0, 1.0)
        level = 10.0 * np.log10(
            np.where(working, 10.0 ** (site_db / 10.0), 0.0) + 10.0 ** (street_db / 10.0)
        )
        level = level + 0.5 * cond["area_noise"] + cond["noise_extra_db"] + self.noise(1.2, size)
        return {"dust_pm10": dust, "noise_dba": level, "mist_on": self.mist[idx].astype(float)}
