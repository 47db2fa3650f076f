"""车位地磁 on-street parking sensor (geomagnetic, NB-IoT): one sensor per space reporting
whether a vehicle stands on it, and its battery.

Each space is a two-state process with time-varying rates: the chance it is taken follows
the time of day and weekday of its street (shopping streets by day, residential streets at
night), and a parked car stays for a realistic dwell time (an hour or so at shops, all night
at home). The state persists per space between readings; the transition over the time since
the last reading is exact for constant rates. Crowds (crowd) fill free spaces. Every state
change costs the battery a message.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, Params, Positive, Share
from devices.schedule import plateau


class ParkingSpaceParams(Params):
    residential_share: Share = Field(0.35, description="share of spaces on residential streets")
    dwell_min: Positive = Field(75.0, description="mean stay on shopping streets, minutes")
    dwell_day_min: Positive = Field(
        180.0, description="mean daytime stay on residential streets, minutes"
    )
    dwell_night_min: Positive = Field(
        600.0, description="mean night-time stay on residential streets, minutes"
    )
    battery_drain_pct_day: NonNeg = Field(0.01, description="battery drain, % a day")
    change_cost_pct: NonNeg = Field(0.002, description="battery per state change, %")


KIND = DeviceKind(
    name="parking_space",
    name_zh="车位地磁",
    name_en="Parking-space sensor",
    id_prefix="PK",
    metrics=(
        Metric("occupied", "", "占用", "Space occupied", 0, 1, 0),
        Metric("battery_pct", "%", "电量", "Battery", 0, 100, 1),
    ),
    senses=("crowd",),
    alarms=("路边车位满 on-street spaces full", "地磁电量低 sensor battery low"),
    params=ParkingSpaceParams,
)


def occupancy_target(tod: np.ndarray, dow: np.ndarray, residential: np.ndarray) -> np.ndarray:
    """Chance a space is taken, by street type."""
    weekday = dow < 5
    shops = 0.08 + np.where(weekday, 0.72, 0.8) * plateau(tod, 8.5, 21.0)
    homes = 0.9 - np.where(weekday, 0.45, 0.2) * plateau(tod, 8.0, 17.5)
    return np.where(residential, homes, shops)


class ParkingSpaceFleet(Fleet[ParkingSpaceParams]):
    """On-street space occupancy as a two-state Markov process (parameters:
    `ParkingSpaceParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.residential = self.rng.random(self.n) < p.residential_share
        self.dwell_shop = p.dwell_min * 60.0
        self.dwell_day = p.dwell_day_min * 60.0
        self.dwell_night = p.dwell_night_min * 60.0
        self.drain = p.battery_drain_pct_day / 86400.0
        self.change_cost = p.change_cost_pct
        self.battery = self.rng.uniform(60.0, 100.0, self.n)
        self.occupied = np.zeros(self.n, dtype=bool)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        first = np.isnan(self.last_t[idx])
        dt = self.elapsed(idx, t)
        tod = cond["tod_s"]
        res = self.residential[idx]
        p = occupancy_target(tod, cond["dow"], res)
        p = 1.0 - (1.0 - p) / (1.0 + np.maximum(cond["crowd"], 0.0))  # crowds fill spaces
        p = np.clip(p, 0.02, 0.97)
        night = (tod < 7 * 3600) | (tod >= 19 * 3600)
        dwell = np.where(res, np.where(night, self.dwell_night, self.dwell_day), self.dwell_shop)
        leave = 1.0 / dwell
        arrive = leave * p / (1.0 - p)  # so that p is the stationary share
        decay = np.exp(-(arrive + leave) * dt)
        was = self.occupied[idx]
        p_occ = np.where(was, p + (1.0 - p) * decay, p * (1.0 - decay))
        p_occ = np.where(first, p, p_occ)  # first reading: no history yet
        now = self.rng.random(size) < p_occ
        changed = (now != was) & ~first
        self.occupied[idx] = now
        self.battery[idx] -= self.drain * dt + self.change_cost * changed
        return {"occupied": now.astype(float), "battery_pct": self.battery[idx]}
