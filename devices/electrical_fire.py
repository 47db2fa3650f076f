"""电气火灾监测 electrical-fire monitor (剩余电流式 + 测温式探测器) on a distribution board:
residual (leakage) current of the circuit and the temperature of its cable.

Natural leakage grows with the circuit's load and with damp (insulation); the load follows
the occupancy of the building (offices and shops by day, homes in the morning and evening,
air conditioning on hot days). The cable sits at indoor temperature plus heating that grows
with the square of the load, with a thermal lag; incidents add leakage (leakage_extra_ma)
and heat (cable_heat_c for a bad joint or overload, heat_c for a fire nearby) directly.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNegOrRange, Params, Positive, Share
from devices.schedule import bump


class ElectricalFireParams(Params):
    commercial_share: Share = Field(
        0.5, description="share of circuits in shops and offices (the rest in homes)"
    )
    base_leakage_ma: NonNegOrRange = Field(
        (20.0, 120.0), description="natural leakage at full load, mA (or [lo, hi] per device)"
    )
    heating_c: NonNegOrRange = Field(
        (8.0, 25.0), description="cable temperature rise at full load, °C (or [lo, hi])"
    )
    thermal_tau_min: Positive = Field(15.0, description="cable thermal time constant, minutes")


KIND = DeviceKind(
    name="electrical_fire",
    name_zh="电气火灾监测",
    name_en="Electrical-fire monitor",
    id_prefix="EF",
    metrics=(
        Metric("leakage_ma", "mA", "剩余电流", "Residual current", 0, 3000, 0),
        Metric("cable_temp_c", "°C", "线缆温度", "Cable temperature", -40, 300, 1),
    ),
    senses=("leakage_extra_ma", "cable_heat_c", "heat_c"),
    alarms=("剩余电流超限 residual current over limit", "线缆温度超限 cable over-temperature"),
    params=ElectricalFireParams,
)


def load_profile(
    tod: np.ndarray, dow: np.ndarray, commercial: np.ndarray, temp_c: np.ndarray
) -> np.ndarray:
    """Share of the circuit's rated load in use (about 0.15-1.1)."""
    weekday = dow < 5
    shop = 0.15 + 0.8 * bump(tod, 13.5, 3.2) * np.where(weekday, 1.0, 0.6)
    home = 0.2 + 0.55 * bump(tod, 20.5, 2.0) + 0.25 * bump(tod, 7.5, 1.0)
    load = np.where(commercial, shop, home)
    cooling = 0.3 * np.clip((temp_c - 28.0) / 8.0, 0.0, 1.0)
    heating = 0.15 * np.clip((5.0 - temp_c) / 10.0, 0.0, 1.0)
    return load + cooling + heating


class ElectricalFireFleet(Fleet[ElectricalFireParams]):
    """Residual current and cable temperature on distribution boards (parameters:
    `ElectricalFireParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.commercial = self.rng.random(self.n) < p.commercial_share
        self.base_leak = self.draw(p.base_leakage_ma)
        self.heating = self.draw(p.heating_c)
        self.tau = p.thermal_tau_min * 60.0
        self.indoor = self.rng.normal(0.0, 1.0, self.n)
        self.temp = np.full(self.n, np.nan)  # cable temperature from load and room, °C

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        ambient = cond["ambient_temp_c"]
        load = load_profile(cond["tod_s"], cond["dow"], self.commercial[idx], ambient)
        damp = 1.0 + 0.6 * np.clip((cond["ambient_rh_pct"] - 80.0) / 20.0, 0.0, 1.0)
        leak = self.base_leak[idx] * (0.4 + 0.6 * load) * damp + cond["leakage_extra_ma"]
        leak = leak + self.noise(1.0, size) * (2.0 + 0.03 * leak)

        room = 22.0 + 0.5 * (ambient - 22.0) + self.indoor[idx]  # distribution rooms
        target = room + self.heating[idx] * load**2
        temp = self.temp[idx]
        temp = np.where(
            np.isnan(temp), target, temp + (target - temp) * (1.0 - np.exp(-dt / self.tau))
        )
        self.temp[idx] = temp
        cable = temp + cond["cable_heat_c"] + cond["heat_c"] + self.noise(0.3, size)
        return {"leakage_ma": np.maximum(leak, 0.0), "cable_temp_c": cable}
