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
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import Clock, NonNeg, Number, Params, Share
from devices.schedule import bump, clock_s, in_daily_window


class ConstructionSiteParams(Params):
    work_start: Clock = Field("07:00", description="work starts (local time)")
    work_end: Clock = Field("19:00", description="work ends (local time)")
    site_dust_ug: NonNeg = Field(
        60.0,
        description="PM10 µg/m³ a site at full work adds on a dry day in a 2 m/s breeze "
        "(per-site spread)",
    )
    site_noise_db: Number = Field(
        62.0, ge=0, le=140, description="boundary noise at full work, dB(A) (per-site spread)"
    )
    background_db: Number = Field(
        45.0, ge=0, le=140, description="night street background at the boundary, dB(A)"
    )
    weekend_factor: NonNeg = Field(0.8, description="work on Saturday and Sunday, x weekday")
    mist_threshold_ug: NonNeg = Field(150.0, description="mist cannon on above this PM10, µg/m³")
    mist_off_ug: NonNeg | None = Field(
        None, description="mist cannon off below this PM10, µg/m³ (default 0.8 x threshold)"
    )
    mist_efficiency: Share = Field(0.5, description="share of the site's dust the mist removes")


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
    params=ConstructionSiteParams,
)


class ConstructionSiteFleet(Fleet[ConstructionSiteParams]):
    """Dust, noise and the mist cannon at building sites (parameters:
    `ConstructionSiteParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.work_start = clock_s(p.work_start)
        self.work_end = clock_s(p.work_end)
        self.site_dust = self.spread(p.site_dust_ug, 0.35)
        self.site_db = p.site_noise_db + self.rng.normal(0, 2.5, self.n)
        self.bg_db = p.background_db + self.rng.normal(0, 1.5, self.n)
        self.weekend = p.weekend_factor
        self.mist_on_ug = p.mist_threshold_ug
        self.mist_off_ug = 0.8 * self.mist_on_ug if p.mist_off_ug is None else p.mist_off_ug
        self.mist_eff = p.mist_efficiency
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
