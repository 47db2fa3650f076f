"""燃气监测 combustible-gas detector (NB-IoT, catalytic or semiconductor cell) in kitchens,
restaurants and gas-valve wells: gas concentration in %LEL and the battery.

Clean air reads close to zero with a small per-device zero offset and a slight temperature
and humidity cross-sensitivity. A leak (gas_lel_extra) adds directly. Rarely a short
nuisance reading (cooking fumes, alcohol sprays) gives a one-reading blip of a few %LEL.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from devices.base import DeviceKind, Fleet, Metric

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
)


class GasDetectorFleet(Fleet):
    """Params (defaults): nuisance_per_day (0.01 per detector), nuisance_lel ([2, 8] %LEL),
    zero_offset_lel (0.3: spread of the zero point), battery_drain_pct_day (0.03)."""

    KIND = KIND

    def _setup(self) -> None:
        self.nuisance_rate = float(self.param("nuisance_per_day", 0.01)) / 86400.0
        lo, hi = self.param("nuisance_lel", [2.0, 8.0])
        self.nuisance_range = (float(lo), float(hi))
        self.zero = np.abs(self.rng.normal(0.0, float(self.param("zero_offset_lel", 0.3)), self.n))
        self.drain = float(self.param("battery_drain_pct_day", 0.03)) / 86400.0
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
