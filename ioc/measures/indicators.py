"""City indicators (城市体征) computed by the IOC from device readings, on event time.

- Air quality: hourly means per air station and for the city (the mean of the stations), the
  hourly AQI (实时报: 1-h SO2/NO2/CO/O3, 8-h moving O3, 24-h moving PM10/PM2.5) and the daily
  AQI (日报: 24-h means, the day's maximum 8-h O3 and 1-h O3) per HJ 633-2012, and days per
  AQI level. A 24-h mean needs at least 20 hourly values and an 8-h mean 6 (HJ 633 / GB 3095
  data validity); the hourly report marks a partial PM mean instead of dropping it.
- Traffic: a congestion index per hour, 0 (free flow) to 10 (gridlock): the mean over
  detectors of 10 x (1 - speed / free-flow speed).
- Street lighting: energy used by lit lamps against an always-full baseline (each lamp at its
  rated power whenever it is lit), and the saving, from dimming schedules (totals so far).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timezone
from typing import Any

import numpy as np

from ioc.measures.aqi import daily_aqi, hourly_aqi
from ioc.registry.devices import Device

HOUR_MS = 3_600_000
POLLUTANTS = ("pm25", "pm10", "so2", "no2", "o3", "co")
MIN_24H, MIN_8H = 20, 6


class Indicators:
    def __init__(self, tz: timezone):
        self.tz = tz
        # hour start -> station -> pollutant -> [sum, count]
        self._air: dict[int, dict[str, dict[str, list[float]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0]))
        )
        # hour -> detector -> congestion index of each reading
        self._traffic: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.lamp_wh = 0.0
        self.lamp_baseline_wh = 0.0

    def observe(self, dev: Device, ts: int, values: dict[str, float]) -> None:
        """One reading of a device whose kind feeds an indicator (others are ignored)."""
        if dev.kind == "air_station":
            station = self._air[ts - ts % HOUR_MS][dev.device_id]
            for p in POLLUTANTS:
                if p in values:
                    cell = station[p]
                    cell[0] += values[p]
                    cell[1] += 1
        elif dev.kind == "traffic_detector" and "speed_kmh" in values:
            free = dev.attrs.get("free_flow_kmh")
            if free:
                slow = min(max(1.0 - values["speed_kmh"] / free, 0.0), 1.0)
                self._traffic[ts - ts % HOUR_MS][dev.device_id].append(10.0 * slow)
        elif dev.kind == "smart_pole" and values.get("lamp_on") == 1.0:
            rated = dev.attrs.get("rated_w")
            if rated and "power_w" in values:
                hours = dev.interval_s / 3600.0
                self.lamp_wh += values["power_w"] * hours
                self.lamp_baseline_wh += rated * hours

    # ------------------------------------------------------------------ views
    def _city_hourly(self, before: int) -> dict[int, dict[str, float]]:
        """Completed hours: the city's mean of station hourly means, per pollutant."""
        out = {}
        for hour in sorted(h for h in self._air if h + HOUR_MS <= before):
            means: dict[str, list[float]] = defaultdict(list)
            for station in self._air[hour].values():
                for p, (total, n) in station.items():
                    if n:
                        means[p].append(total / n)
            out[hour] = {p: float(np.mean(v)) for p, v in means.items()}
        return out

    def air(self, before: int) -> dict[str, Any]:
        hourly = self._city_hourly(before)
        hours = sorted(hourly)
        reports = []
        for i, h in enumerate(hours):
            window = [hourly[x] for x in hours[: i + 1] if x > h - 24 * HOUR_MS]
            o3_window = [
                hourly[x]["o3"] for x in hours[: i + 1] if x > h - 8 * HOUR_MS and "o3" in hourly[x]
            ]
            pm = {p: _mean([w[p] for w in window if p in w]) for p in ("pm10", "pm25")}
            c = hourly[h]
            try:
                res = hourly_aqi(
                    c.get("so2"),
                    c.get("no2"),
                    pm["pm10"],
                    c.get("co"),
                    c.get("o3"),
                    pm["pm25"],
                    _mean(o3_window) if len(o3_window) >= MIN_8H else None,
                )
            except ValueError:
                continue
            reports.append(
                {
                    "hour_ts": h,
                    "hour": self._iso(h),
                    "aqi": res.aqi,
                    "level": res.level,
                    "level_zh": res.level_zh,
                    "primary": list(res.primary),
                    "pm_hours": len(window),
                    "concentrations": {p: round(v, 2) for p, v in c.items()},
                }
            )
        days = self._daily(hourly)
        by_level: dict[str, int] = defaultdict(int)
        for d in days:
            by_level[d["level_zh"]] += 1
        return {
            "hourly": reports,
            "latest": reports[-1] if reports else None,
            "daily": days,
            "days_by_level": dict(by_level),
        }

    def _daily(self, hourly: dict[int, dict[str, float]]) -> list[dict[str, Any]]:
        by_day: dict[str, list[int]] = defaultdict(list)
        for h in hourly:
            by_day[self._date(h)].append(h)
        out = []
        for day, hours in sorted(by_day.items()):
            if len(hours) < MIN_24H:
                continue  # an incomplete day has no valid daily report
            hours.sort()
            mean24 = {p: _mean([hourly[h][p] for h in hours if p in hourly[h]]) for p in POLLUTANTS}
            o3 = [hourly[h].get("o3") for h in hours]
            o3_8h = [
                _mean([x for x in o3[max(0, i - 7) : i + 1] if x is not None])
                for i in range(len(o3))
                if i >= MIN_8H - 1
            ]
            try:
                res = daily_aqi(
                    mean24["so2"],
                    mean24["no2"],
                    mean24["pm10"],
                    mean24["co"],
                    max((x for x in o3_8h if x is not None), default=None),
                    mean24["pm25"],
                    max((x for x in o3 if x is not None), default=None),
                )
            except ValueError:
                continue
            out.append(
                {
                    "date": day,
                    "aqi": res.aqi,
                    "level": res.level,
                    "level_zh": res.level_zh,
                    "level_en": res.level_en,
                    "primary": list(res.primary),
                    "hours": len(hours),
                }
            )
        return out

    def congestion(self, before: int) -> dict[str, Any]:
        hourly = [
            {
                "hour_ts": h,
                "hour": self._iso(h),
                "index": round(float(np.mean([np.mean(x) for x in v.values()])), 3),
            }
            for h, v in sorted(self._traffic.items())
            if h + HOUR_MS <= before and v
        ]
        peak = max(hourly, key=lambda x: x["index"]) if hourly else None
        return {
            "hourly": hourly,
            "peak": peak,
            "mean": round(float(np.mean([x["index"] for x in hourly])), 3) if hourly else None,
        }

    def lighting(self) -> dict[str, Any]:
        base = self.lamp_baseline_wh
        return {
            "energy_kwh": round(self.lamp_wh / 1000.0, 3),
            "baseline_kwh": round(base / 1000.0, 3),
            "saving": round(1.0 - self.lamp_wh / base, 6) if base else None,
        }

    def _iso(self, ts: int) -> str:
        return datetime.fromtimestamp(ts / 1000, self.tz).isoformat(timespec="seconds")

    def _date(self, ts: int) -> str:
        return datetime.fromtimestamp(ts / 1000, self.tz).date().isoformat()


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None
