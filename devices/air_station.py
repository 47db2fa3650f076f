"""空气质量监测站 air-quality micro station (微观站): the six GB 3095-2012 pollutants from
low-cost sensors (laser particle counter, electrochemical gas cells), each reading the mean
over the station's reporting interval (typically an hour).

A station reads the city background (ambient_*) times its own siting factors: roadside
stations see more NO2, CO and PM2.5 when traffic is heavy and less O3 (NO titrates it).
Neighbours drift together (area_noise), the optical PM sensor over-reads in humid air, and
sensor noise shrinks with longer averaging intervals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, Params, Share


class AirStationParams(Params):
    roadside_share: Share = Field(0.4, description="share of stations beside a main road")
    siting_scale: NonNeg = Field(1.0, description="multiplies the per-pollutant siting spread")
    humid_overread: NonNeg = Field(
        0.3, description="relative PM over-reading at 100 % relative humidity"
    )
    noise_scale: NonNeg = Field(1.0, description="multiplies the sensor noise")


KIND = DeviceKind(
    name="air_station",
    name_zh="空气质量监测站",
    name_en="Air-quality micro station",
    id_prefix="AQ",
    metrics=(
        Metric("pm25", "µg/m³", "PM2.5", "PM2.5", 0, 1000, 1),
        Metric("pm10", "µg/m³", "PM10", "PM10", 0, 2000, 1),
        Metric("so2", "µg/m³", "二氧化硫", "SO2", 0, 2000, 1),
        Metric("no2", "µg/m³", "二氧化氮", "NO2", 0, 2000, 1),
        Metric("o3", "µg/m³", "臭氧", "O3", 0, 1000, 1),
        Metric("co", "mg/m³", "一氧化碳", "CO", 0, 50, 2),
    ),
    senses=("pm25_extra", "dust_extra"),
    alarms=(
        "PM2.5超标 PM2.5 over limit",
        "PM10超标 PM10 over limit",
        "臭氧超标 ozone over limit",
        "二氧化氮超标 NO2 over limit",
        "异常排放 abnormal emission (a station far above its neighbours)",
    ),
    params=AirStationParams,
)

# Siting spread per pollutant (lognormal sigma): pm25, coarse PM, so2, no2, o3, co.
_SITING = np.array([0.08, 0.15, 0.25, 0.15, 0.10, 0.12])


class AirStationFleet(Fleet[AirStationParams]):
    """Six pollutants at a micro station (parameters: `AirStationParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        roadside = self.rng.random(self.n) < p.roadside_share
        # Exposure to the nearest road's traffic, 0 (park, rooftop) .. 1 (kerbside).
        self.road = np.where(
            roadside, self.rng.uniform(0.6, 1.0, self.n), self.rng.uniform(0.0, 0.3, self.n)
        )
        scale = p.siting_scale
        self.factor = np.exp(self.rng.normal(0.0, 1.0, (6, self.n)) * scale * _SITING[:, None])
        self.overread = p.humid_overread
        self.noise_scale = p.noise_scale

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        f = self.factor[:, idx]
        road = self.road[idx] * np.clip(cond["traffic"], 0.0, 1.0)
        drift = np.exp(0.08 * cond["area_noise"])  # neighbours share weather and sources
        humid = 1.0 + self.overread * np.clip((cond["ambient_rh_pct"] - 70.0) / 30.0, 0, 1) ** 2
        # Averaging over the interval: a 1-hour mean is quieter than a 5-minute one.
        quiet = self.noise_scale * np.sqrt(np.clip(300.0 / self.interval[idx], 0.1, 1.0))

        pm25 = (
            cond["ambient_pm25"] * f[0] * drift * (1.0 + 0.2 * road) + cond["pm25_extra"]
        ) * humid
        pm25 = pm25 + self.noise(1.0, size) * quiet * (2.0 + 0.05 * pm25)
        coarse = np.maximum(cond["ambient_pm10"] - cond["ambient_pm25"], 0.0) * f[1] * drift
        coarse = (coarse * (1.0 + 0.3 * road) + cond["dust_extra"]) * humid
        coarse = coarse + self.noise(1.0, size) * quiet * (3.0 + 0.05 * coarse)
        pm25 = np.maximum(pm25, 0.0)
        no2 = cond["ambient_no2"] * f[3] * drift * (1.0 + 0.6 * road)
        o3 = cond["ambient_o3"] * f[4] * np.sqrt(drift) * (1.0 - 0.25 * road)
        co = cond["ambient_co"] * f[5] * drift * (1.0 + 0.3 * road)
        so2 = cond["ambient_so2"] * f[2] * drift
        return {
            "pm25": pm25,
            "pm10": pm25 + np.maximum(coarse, 0.0),
            "so2": np.maximum(so2 + self.noise(1.0, size) * quiet * 3.0, 0.0),
            "no2": np.maximum(no2 + self.noise(1.0, size) * quiet * (4.0 + 0.05 * no2), 0.0),
            "o3": np.maximum(o3 + self.noise(1.0, size) * quiet * (5.0 + 0.05 * o3), 0.0),
            "co": np.maximum(co + self.noise(1.0, size) * quiet * 0.05, 0.0),
        }
