"""消防栓水压 hydrant pressure monitor on a municipal fire hydrant (市政消火栓): the water
network pressure at the hydrant.

The pressure sits at a per-hydrant static level and dips when the network's demand peaks
(morning and evening, later on weekends, deeper on hot days); hydrants on one grid share
slow pressure swings. A burst main, a leak at the hydrant or an open valve
(pressure_drop_mpa) lowers it; it never reads below 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, NonNegOrRange, Params
from devices.schedule import bump


class HydrantParams(Params):
    base_pressure_mpa: NonNegOrRange = Field(
        (0.25, 0.40), description="static network pressure, MPa (or [lo, hi] per hydrant)"
    )
    demand_dip_mpa: NonNeg = Field(
        0.06, description="pressure fall at peak demand, MPa (per-hydrant spread)"
    )
    noise_mpa: NonNeg = Field(0.004, description="sensor noise, MPa")


KIND = DeviceKind(
    name="hydrant",
    name_zh="消防栓水压监测",
    name_en="Hydrant pressure monitor",
    id_prefix="HY",
    metrics=(Metric("pressure_mpa", "MPa", "水压", "Water pressure", 0, 2.5, 3),),
    senses=("pressure_drop_mpa",),
    alarms=("消防栓水压低 hydrant pressure low", "消防栓无水 hydrant dry (leak, burst or theft)"),
    params=HydrantParams,
)


def water_demand(tod: np.ndarray, dow: np.ndarray, temp_c: np.ndarray) -> np.ndarray:
    """Network demand relative to its daily peak (about 0.2-1.1)."""
    weekend = dow >= 5
    morning = bump(tod, np.where(weekend, 8.5, 7.25), 1.2)
    evening = 0.9 * bump(tod, 19.5, 1.6)
    midday = 0.5 * bump(tod, 12.0, 1.0)
    demand = 0.2 + 0.8 * np.maximum(np.maximum(morning, evening), midday)
    return demand * (1.0 + 0.02 * np.clip(temp_c - 25.0, 0.0, 10.0))


class HydrantFleet(Fleet[HydrantParams]):
    """Network pressure at fire hydrants (parameters: `HydrantParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.base = self.draw(p.base_pressure_mpa)
        self.dip = self.spread(p.demand_dip_mpa, 0.2)
        self.noise_mpa = p.noise_mpa

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        demand = water_demand(cond["tod_s"], cond["dow"], cond["ambient_temp_c"])
        pressure = (
            self.base[idx]
            - self.dip[idx] * demand
            + 0.008 * cond["area_noise"]
            - cond["pressure_drop_mpa"]
            + self.noise(self.noise_mpa, idx.size)
        )
        return {"pressure_mpa": np.maximum(pressure, 0.0)}
