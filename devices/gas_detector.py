"""燃气监测 combustible-gas detector (NB-IoT, catalytic or semiconductor cell) in kitchens,
restaurants and gas-valve wells: gas concentration in %LEL and the battery.

Clean air reads close to zero with a small per-device zero offset and a slight temperature
and humidity cross-sensitivity. A leak (gas_lel_extra) adds directly. Rarely a short
nuisance reading (cooking fumes, alcohol sprays) gives a one-reading blip of a few %LEL.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, NonNegRange, Params


class GasDetectorParams(Params):
    nuisance_per_day: NonNeg = Field(
        0.01, description="nuisance readings (solvent, cooking gas) a day per detector"
    )
    nuisance_lel: NonNegRange = Field(
        (2.0, 8.0), description="%LEL of a nuisance reading, drawn from [lo, hi]"
    )
    zero_offset_lel: NonNeg = Field(0.3, description="spread of the zero point, %LEL")
    battery_drain_pct_day: NonNeg = Field(0.03, description="battery drain, % a day")


KIND = DeviceKind(
    name="gas_detector",
    name_zh="燃气监测",
    name_en="Gas detector",
    id_prefix="GD",
    metrics=(
        Metric("gas_lel_pct", "%LEL", "燃气浓度", "Combustible gas", 0, 100, 1),
        Metric("battery_pct", "%", "电量", "Battery", 0, 100, 1),
    ),
    senses=("gas_lel_extra",),
    alarms=("燃气泄漏 gas leak (low alarm about 20-25 %LEL, high 50 %LEL)", "电量低 battery low"),
    params=GasDetectorParams,
)


class GasDetectorFleet(Fleet[GasDetectorParams]):
    """Combustible gas in %LEL with nuisance readings and a battery."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.nuisance_rate = p.nuisance_per_day / 86400.0
        self.nuisance_range = p.nuisance_lel
        self.zero = np.abs(self.rng.normal(0.0, p.zero_offset_lel, self.n))
        self.drain = p.battery_drain_pct_day / 86400.0
        self.battery0 = self.rng.uniform(50.0, 100.0, self.n)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        nuisance = self.rng.random(size) < self.nuisance_rate * self.interval[idx]
        blip = np.where(nuisance, self.rng.uniform(*self.nuisance_range, size), 0.0)
        cross = 0.01 * (cond["ambient_rh_pct"] - 60.0) + 0.01 * (cond["ambient_temp_c"] - 20.0)
        gas = self.zero[idx] + cross + cond["gas_lel_extra"] + blip + self.noise(0.1, size)
        return {
            "gas_lel_pct": np.maximum(gas, 0.0),
            "battery_pct": self.battery0[idx] - self.drain * t,
        }
