"""智慧灯杆 smart pole: LED lamp on a schedule with a single-lamp controller, plus an
environment sensor (PM2.5, PM10, temperature, humidity).

The controller switches the lamp on a daily schedule and dims it after a set time. It
measures lamp current: a failed lamp draws only standby power, and the controller latches
`lamp_fault` = 1 the first time the lamp should be lit and is not (so a lamp that fails by
day is noticed at dusk), until it is repaired.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from devices.base import DeviceKind, Fleet, Metric
from devices.schedule import clock_s, in_daily_window, next_daily

KIND = DeviceKind(
    name="smart_pole",
    name_zh="智慧灯杆",
    name_en="Smart pole",
    id_prefix="SP",
    metrics=(
        Metric("lamp_on", "", "亮灯状态", "Lamp lit (measured)", 0, 1, 0),
        Metric("dim_pct", "%", "调光比例", "Dim level", 0, 100, 0),
        Metric("power_w", "W", "功率", "Power", 0, 1000, 1),
        Metric("energy_kwh", "kWh", "累计电量", "Energy meter", 0, 1e7, 3),
        Metric("lamp_fault", "", "灯具故障", "Lamp fault (latched)", 0, 1, 0),
        Metric("pm25", "µg/m³", "PM2.5", "PM2.5", 0, 1000, 1),
        Metric("pm10", "µg/m³", "PM10", "PM10", 0, 2000, 1),
        Metric("temp_c", "°C", "温度", "Air temperature", -40, 60, 1),
        Metric("humidity_pct", "%", "湿度", "Relative humidity", 0, 100, 1),
    ),
    senses=("lamp_failed_since", "pm25_extra"),
    alarms=("路灯故障 street-lamp fault",),
)


class SmartPoleFleet(Fleet):
    """Params: rated_w (150), standby_w (4), lamp_on_at ("19:30"), lamp_off_at ("05:15"),
    dim_at ("23:30"), dim_pct (60)."""

    KIND = KIND

    def _setup(self) -> None:
        self.rated_w = float(self.param("rated_w", 150.0))
        self.standby_w = float(self.param("standby_w", 4.0))
        self.on_s = clock_s(self.param("lamp_on_at", "19:30"))
        self.off_s = clock_s(self.param("lamp_off_at", "05:15"))
        self.dim_after_s = clock_s(self.param("dim_at", "23:30"))
        self.dim_pct = float(self.param("dim_pct", 60.0))
        self.energy = self.rng.uniform(100.0, 3000.0, self.n)  # meters were installed earlier
        self.pm_factor = self.rng.lognormal(0.0, 0.08, self.n)  # siting differences
        self.temp_offset = self.rng.normal(0.0, 0.3, self.n)

    def measure(self, idx: np.ndarray, t: np.ndarray,
                cond: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        size = idx.size
        tod = cond["tod_s"]
        scheduled = in_daily_window(tod, self.on_s, self.off_s)
        dimmed = in_daily_window(tod, self.dim_after_s, self.off_s)
        dim = np.where(scheduled, np.where(dimmed, self.dim_pct, 100.0), 0.0)

        failed_since = cond["lamp_failed_since"]  # sim time the lamp failed, NaN if healthy
        failed = ~np.isnan(failed_since)
        # Seconds of day at failure, for the dusk check; t - failed_since is the age.
        fail_tod = np.where(failed, (tod - (t - np.nan_to_num(failed_since))) % 86400.0, 0.0)
        lit_at_fail = in_daily_window(fail_tod, self.on_s, self.off_s)
        first_on = np.nan_to_num(failed_since) + next_daily(fail_tod, self.on_s)
        detected = failed & (lit_at_fail | (t >= first_on))

        lamp_on = scheduled & ~failed
        power = np.where(lamp_on, self.rated_w * dim / 100.0, 0.0)
        power = power * (1.0 + self.noise(0.02, size)) + self.standby_w + self.noise(0.2, size)
        power = np.maximum(power, 0.0)
        self.energy[idx] += power * self.interval[idx] / 3.6e6
        pm25 = cond["ambient_pm25"] * self.pm_factor[idx] + cond["pm25_extra"]
        pm25 = np.maximum(pm25 + self.noise(2.0, size), 0.0)
        coarse = np.maximum(0.6 * pm25 + self.noise(4.0, size), 0.0)  # PM10 holds PM2.5
        return {
            "lamp_on": lamp_on.astype(float),
            "dim_pct": dim,
            "power_w": power,
            "energy_kwh": self.energy[idx],
            "lamp_fault": detected.astype(float),
            "pm25": pm25,
            "pm10": pm25 + coarse,
            "temp_c": cond["ambient_temp_c"] + self.temp_offset[idx] + self.noise(0.2, size),
            "humidity_pct": cond["ambient_rh_pct"] + self.noise(1.5, size),
        }
