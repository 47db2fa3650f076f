"""停车场 car park (barrier-counted, 停车诱导): occupancy and free spaces.

Each car park has a capacity and a use (office, mall, residential, hospital) that sets its
daily and weekly shape; its occupancy wanders around that shape (a slowly correcting random
deviation kept per car park), neighbours drift together, rain brings a few more cars, and a
crowd nearby (crowd) fills the remaining spaces.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, Params, Positive, PositiveOrRange
from devices.schedule import plateau

Use = Literal["office", "mall", "residential", "hospital"]
USES: tuple[str, ...] = get_args(Use)


class CarParkParams(Params):
    capacity: PositiveOrRange = Field(
        (100.0, 800.0), description="spaces: one number for all, or [lo, hi] drawn log-uniformly"
    )
    use: Use | None = Field(
        None,
        description="one use for every car park; default a mix (office 0.3, mall 0.3, "
        "residential 0.25, hospital 0.15)",
    )
    wander: NonNeg = Field(0.04, description="size of each park's random deviation (share)")
    wander_tau_min: Positive = Field(45.0, description="deviation correction time, minutes")


KIND = DeviceKind(
    name="car_park",
    name_zh="停车场",
    name_en="Car park",
    id_prefix="CP",
    metrics=(
        Metric("occupancy_pct", "%", "占用率", "Occupancy", 0, 100, 1),
        Metric("free_spaces", "", "空余车位", "Free spaces", 0, 20000, 0),
    ),
    senses=("crowd",),
    alarms=("停车场满位 car park full",),
    params=CarParkParams,
)


def occupancy_profile(tod: np.ndarray, dow: np.ndarray, use: np.ndarray) -> np.ndarray:
    """Typical occupied share by use (index into USES), time of day and weekday."""
    weekday = dow < 5
    office = 0.08 + np.where(weekday, 0.82, 0.15) * plateau(tod, 8.5, 18.0)
    mall = 0.05 + np.where(weekday, 0.65, 0.88) * plateau(tod, 10.0, 21.5, 1.5)
    homes = 0.92 - np.where(weekday, 0.4, 0.15) * plateau(tod, 8.0, 18.0)
    hospital = 0.15 + np.where(weekday, 0.8, 0.5) * plateau(tod, 7.5, 17.0)
    return np.choose(use, [office, mall, homes, hospital])


class CarParkFleet(Fleet[CarParkParams]):
    """Occupancy and free spaces of car parks by use (parameters: `CarParkParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        cap = p.capacity
        if isinstance(cap, int | float):
            capacity = np.full(self.n, int(cap))
        else:
            lo, hi = np.log(float(cap[0])), np.log(float(cap[1]))
            capacity = np.round(np.exp(self.rng.uniform(lo, hi, self.n))).astype(np.int64)
        capacity.flags.writeable = False
        self._capacity = capacity
        if p.use is None:
            self.use = self.rng.choice(len(USES), self.n, p=[0.3, 0.3, 0.25, 0.15])
        else:
            self.use = np.full(self.n, USES.index(p.use))
        self.wander = p.wander
        self.tau = p.wander_tau_min * 60.0
        self.dev = self.rng.normal(0.0, self.wander, self.n)

    @property
    def capacity(self) -> np.ndarray:
        """Spaces per car park (read-only)."""
        return self._capacity

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        keep = np.exp(-dt / self.tau)
        dev = self.dev[idx] * keep + self.noise(self.wander, size) * np.sqrt(1.0 - keep**2)
        self.dev[idx] = dev
        share = occupancy_profile(cond["tod_s"], cond["dow"], self.use[idx])
        share = share + dev + 0.03 * cond["area_noise"]
        wet = np.clip(cond["rain_mm_h"] / 10.0, 0.0, 1.0)
        share = np.clip(share, 0.0, 1.0)
        share = share + (1.0 - share) * 0.1 * wet * np.clip(cond["activity"], 0.0, 1.0)
        share = 1.0 - (1.0 - share) / (1.0 + np.maximum(cond["crowd"], 0.0))
        capacity = self._capacity[idx]
        free = np.round(capacity * (1.0 - np.clip(share, 0.0, 1.0)))
        return {"occupancy_pct": 100.0 * (1.0 - free / capacity), "free_spaces": free}
