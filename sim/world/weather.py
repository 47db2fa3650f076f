"""Weather, air and the city's rhythm, as functions of simulated time (vectorised).

- Temperature peaks at 15:00 and humidity moves against it; rain cools and saturates the air.
- Wind is calm at night and picks up in the afternoon; wind and rain disperse and wash out
  particulates.
- Background air (the city average a monitoring station sees before local sources): PM2.5 and
  PM10 peak with the morning and evening traffic and under calm air; NO2 and CO follow
  traffic; O3 builds with afternoon sun; SO2 stays low.
- Activity (people about) follows waking hours; traffic has morning and evening peaks on
  weekdays and a flatter midday hump at weekends.
"""

from __future__ import annotations

import numpy as np

DAY_S = 86400.0
# Share of people about, by local hour (0..1).
ACTIVITY_BY_HOUR = np.array(
    [
        0.10,
        0.06,
        0.05,
        0.05,
        0.06,
        0.12,
        0.35,
        0.65,
        0.90,
        1.00,
        1.00,
        1.00,
        0.95,
        0.90,
        0.95,
        1.00,
        1.00,
        1.00,
        0.95,
        0.90,
        0.80,
        0.60,
        0.40,
        0.20,
    ]
)
_WEEKDAY_TRAFFIC = np.array(
    [
        0.08,
        0.05,
        0.04,
        0.04,
        0.08,
        0.25,
        0.60,
        0.95,
        1.00,
        0.75,
        0.65,
        0.65,
        0.70,
        0.65,
        0.65,
        0.70,
        0.85,
        1.00,
        0.95,
        0.70,
        0.55,
        0.45,
        0.30,
        0.15,
    ]
)
_WEEKEND_TRAFFIC = np.array(
    [
        0.10,
        0.07,
        0.05,
        0.04,
        0.05,
        0.10,
        0.20,
        0.35,
        0.50,
        0.65,
        0.75,
        0.80,
        0.80,
        0.80,
        0.80,
        0.80,
        0.80,
        0.75,
        0.70,
        0.60,
        0.50,
        0.40,
        0.30,
        0.18,
    ]
)


def _hourly(profile: np.ndarray, tod: np.ndarray) -> np.ndarray:
    """Interpolate an hourly profile smoothly (values at the half hours)."""
    hours = np.arange(25) + 0.5
    values = np.concatenate([profile, profile[:1]])
    h = tod / 3600.0
    return np.interp(np.where(h < 0.5, h + 24.0, h), hours, values)


class Weather:
    """The weather over the run: the daily cycle, rain and fog, and the city's rhythm."""

    def __init__(
        self,
        temp_c: tuple[float, float],
        rh_pct: tuple[float, float],
        pm25: tuple[float, float],
        spells: list[tuple[float, float, float]],
        start_tod_s: float,
        start_weekday: int = 0,
        wind_ms: tuple[float, float] = (1.0, 4.0),
        visibility_km: float = 20.0,
        fog: list[tuple[float, float, float]] | None = None,
    ):
        self.temp_c = temp_c
        self.rh_pct = rh_pct
        self.pm25 = pm25
        self.wind_ms = wind_ms
        self.spells = sorted(spells)  # (start_s, end_s, mm_h)
        self.clear_visibility_km = visibility_km
        self.fog = sorted(fog or [])  # (start_s, end_s, visibility_km)
        self.start_tod_s = start_tod_s
        self.start_weekday = start_weekday  # 0 = Monday

    def tod(self, t: np.ndarray | float) -> np.ndarray:
        """Local seconds after midnight at simulated time t."""
        return (self.start_tod_s + np.asarray(t, dtype=float)) % DAY_S

    def dow(self, t: np.ndarray | float) -> np.ndarray:
        """Local weekday (0 = Monday) at simulated time t."""
        days = np.floor((self.start_tod_s + np.asarray(t, dtype=float)) / DAY_S)
        return ((self.start_weekday + days) % 7).astype(int)

    def rain_mm_h(self, t: np.ndarray | float) -> np.ndarray:
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        for start, end, mm_h in self.spells:
            out = np.where((t >= start) & (t < end), np.maximum(out, mm_h), out)
        return out

    def visibility_km(self, t: float) -> float:
        """How far one sees: fog, else heavy rain, shortens the clear-air visibility."""
        vis = self.clear_visibility_km
        for start, end, km in self.fog:
            if start <= t < end:
                vis = min(vis, km)
        rain = float(self.rain_mm_h(t))
        if rain > 0:  # roughly 10 km at 10 mm/h, 3 km at 50 mm/h
            vis = min(vis, 100.0 / max(rain, 1.0) ** 0.75)
        return vis

    def rain_mm(self, t0: np.ndarray | float, t1: np.ndarray | float) -> np.ndarray:
        """Rain (mm) that fell between t0 and t1."""
        t0, t1 = np.asarray(t0, dtype=float), np.asarray(t1, dtype=float)
        out = np.zeros(np.broadcast(t0, t1).shape)
        for start, end, mm_h in self.spells:
            overlap = np.clip(np.minimum(t1, end) - np.maximum(t0, start), 0.0, None)
            out = out + overlap / 3600.0 * mm_h
        return out

    def activity(self, t: np.ndarray | float) -> np.ndarray:
        tod = self.tod(t)
        weekend = self.dow(t) >= 5
        return _hourly(ACTIVITY_BY_HOUR, tod) * np.where(weekend, 0.85, 1.0)

    def traffic(self, t: np.ndarray | float) -> np.ndarray:
        tod = self.tod(t)
        weekend = self.dow(t) >= 5
        return np.where(weekend, _hourly(_WEEKEND_TRAFFIC, tod), _hourly(_WEEKDAY_TRAFFIC, tod))

    def ambient(self, t: np.ndarray) -> dict[str, np.ndarray]:
        t = np.asarray(t, dtype=float)
        tod = self.tod(t)
        rain = self.rain_mm_h(t)
        wet = np.clip(rain / 10.0, 0.0, 1.0)
        day = np.cos(2 * np.pi * (tod - 15 * 3600) / DAY_S)  # +1 at 15:00
        sun = np.clip(np.sin(np.pi * (tod - 6 * 3600) / (13 * 3600)), 0.0, None)  # 06-19
        traffic = self.traffic(t)
        temp = _mid(self.temp_c) + _amp(self.temp_c) * day - 3.0 * wet
        rh = _mid(self.rh_pct) - _amp(self.rh_pct) * day
        rh = rh + (95.0 - rh) * wet
        wind = _mid(self.wind_ms) + _amp(self.wind_ms) * day + 2.0 * wet
        # Calm air holds particulates; wind and rain clear them.
        dispersion = np.clip(2.5 / (wind + 0.5), 0.5, 1.8) * (1.0 - 0.5 * wet)
        pm25 = (self.pm25[0] + (self.pm25[1] - self.pm25[0]) * traffic) * dispersion
        return {
            "tod_s": tod,
            "dow": self.dow(t),
            "rain_mm_h": rain,
            "rain_6h_mm": self.rain_mm(t - 6 * 3600.0, t),
            "ambient_temp_c": temp,
            "ambient_rh_pct": rh,
            "wind_ms": wind,
            "ambient_pm25": pm25,
            "ambient_pm10": pm25 * 1.7,
            "ambient_no2": (15.0 + 45.0 * traffic) * dispersion,
            "ambient_so2": (5.0 + 6.0 * traffic) * dispersion,
            "ambient_co": (0.35 + 0.6 * traffic) * dispersion,
            "ambient_o3": 30.0 + 110.0 * sun * (1.0 - 0.6 * wet),
            "activity": self.activity(t),
            "traffic": traffic,
        }


def _mid(r: tuple[float, float]) -> float:
    return (r[0] + r[1]) / 2.0


def _amp(r: tuple[float, float]) -> float:
    return (r[1] - r[0]) / 2.0
