"""Weather and ambient air: a daily cycle of temperature, humidity and PM2.5, and rain spells.

City-wide values as functions of simulated time (vectorised). Temperature peaks at 15:00,
humidity moves against it, PM2.5 peaks with the morning and evening rush; rain washes
particulates out and saturates the air.
"""

from __future__ import annotations

import numpy as np

DAY_S = 86400.0


class Weather:
    def __init__(self, temp_c: tuple[float, float], rh_pct: tuple[float, float],
                 pm25: tuple[float, float], spells: list[tuple[float, float, float]],
                 start_tod_s: float):
        self.temp_c = temp_c
        self.rh_pct = rh_pct
        self.pm25 = pm25
        self.spells = sorted(spells)  # (start_s, end_s, mm_h)
        self.start_tod_s = start_tod_s

    def tod(self, t: np.ndarray) -> np.ndarray:
        """Local seconds after midnight at simulated time t."""
        return (self.start_tod_s + np.asarray(t, dtype=float)) % DAY_S

    def rain_mm_h(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for start, end, mm_h in self.spells:
            out = np.where((t >= start) & (t < end), np.maximum(out, mm_h), out)
        return out

    def ambient(self, t: np.ndarray) -> dict[str, np.ndarray]:
        tod = self.tod(t)
        rain = self.rain_mm_h(t)
        wet = np.clip(rain / 10.0, 0.0, 1.0)
        day = np.cos(2 * np.pi * (tod - 15 * 3600) / DAY_S)  # +1 at 15:00
        rush = np.cos(2 * np.pi * (tod - 8 * 3600) / (DAY_S / 2))  # +1 at 08:00 and 20:00
        temp = _mid(self.temp_c) + _amp(self.temp_c) * day - 3.0 * wet
        rh = _mid(self.rh_pct) - _amp(self.rh_pct) * day
        rh = rh + (95.0 - rh) * wet
        pm25 = (_mid(self.pm25) + _amp(self.pm25) * rush) * (1.0 - 0.5 * wet)
        return {"tod_s": tod, "rain_mm_h": rain, "ambient_temp_c": temp,
                "ambient_rh_pct": rh, "ambient_pm25": pm25}


def _mid(r: tuple[float, float]) -> float:
    return (r[0] + r[1]) / 2.0


def _amp(r: tuple[float, float]) -> float:
    return (r[1] - r[0]) / 2.0
