"""智能垃圾桶 smart litter bin (ultrasonic fill sensor): fill level and the temperature inside.

A bin fills while people are about (faster in crowds) and is emptied on the sanitation
crew's collection rounds (by default 06:00 and 18:00), leaving a little residue. Left alone
it fills up to a little under the rim (people then leave rubbish beside it); an overflow
incident (bin_overflow_since) reads at or above 100 %: rubbish heaped over the rim. Inside
it is warmer than the air in the sun and with rotting waste; a fire in it (heat_c) shows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric, is_active
from devices.params import Clocks, NonNeg, NonNegOrRange, Params, Positive
from devices.schedule import bump, clock_list, last_event


class SmartBinParams(Params):
    collect_at: Clocks = Field(("06:00", "18:00"), description="collection rounds (local times)")
    fill_per_day: NonNeg = Field(
        70.0, description="% of the bin a day of normal activity fills (per-bin spread)"
    )
    activity_mean: Positive = Field(
        0.65, description="the day's mean of the activity condition, to normalise the fill rate"
    )
    residue_pct: NonNegOrRange = Field(
        (0.0, 5.0), description="fill left after a collection, % (or [lo, hi] per bin)"
    )
    max_fill_pct: NonNeg = Field(96.0, description="where a bin left alone stops rising, %")


KIND = DeviceKind(
    name="smart_bin",
    name_zh="智能垃圾桶",
    name_en="Smart litter bin",
    id_prefix="SB",
    metrics=(
        Metric("fill_pct", "%", "满溢度", "Fill level", 0, 120, 0),
        Metric("temp_c", "°C", "桶内温度", "Temperature inside", -40, 200, 1),
    ),
    senses=("bin_overflow_since", "crowd", "heat_c"),
    alarms=(
        "垃圾桶满溢 bin overflowing",
        "垃圾桶将满 bin nearly full (collect now)",
        "垃圾桶高温 bin temperature high (fire)",
    ),
    params=SmartBinParams,
)


class SmartBinFleet(Fleet[SmartBinParams]):
    """Fill level and temperature of street bins (parameters: `SmartBinParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.collect = clock_list(p.collect_at)
        self.rate = self.spread(p.fill_per_day, 0.35) / 86400.0
        self.rate /= p.activity_mean
        self.residue = self.draw(p.residue_pct)
        self.max_fill = p.max_fill_pct
        self.heap = self.rng.uniform(100.0, 115.0, self.n)  # how high an overflow piles up
        self.fill = self.rng.uniform(0.0, 40.0, self.n)
        self.shade = self.rng.uniform(0.3, 1.0, self.n)  # sun exposure

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        rate = (
            self.rate[idx]
            * np.clip(cond["activity"], 0.0, None)
            * (1.0 + np.maximum(cond["crowd"], 0.0))
        )
        ago = last_event(cond["tod_s"], dt, self.collect)  # seconds since a collection
        emptied = ~np.isnan(ago)
        fill = np.where(
            emptied, self.residue[idx] + rate * np.nan_to_num(ago), self.fill[idx] + rate * dt
        )
        fill = np.minimum(fill, self.max_fill)
        self.fill[idx] = fill
        reading = fill + self.noise(1.0, size)
        overflow = is_active(cond["bin_overflow_since"], t)
        reading = np.where(overflow, np.maximum(reading, self.heap[idx]), reading)

        dry = 1.0 - np.clip(cond["rain_mm_h"] / 2.0, 0.0, 1.0)
        sun = 5.0 * self.shade[idx] * bump(cond["tod_s"], 13.5, 2.5) * dry
        rot = 1.5 * fill / 100.0 * np.clip((cond["ambient_temp_c"] - 5.0) / 20.0, 0.0, 1.5)
        temp = cond["ambient_temp_c"] + sun + rot + cond["heat_c"] + self.noise(0.3, size)
        return {"fill_pct": np.maximum(reading, 0.0), "temp_c": temp}
