"""交通雷达/线圈 traffic detector (microwave radar or inductive loop) on a road section:
vehicle flow, mean speed and detector occupancy over its reporting interval.

Demand follows the city's traffic profile scaled to the section's lanes and capacity. In
free flow the speed falls gently as the volume nears capacity; occupancy is flow times the
effective vehicle length over speed. Congestion (congestion → 1, e.g. an accident or a
junction spilling back) blends towards queued traffic: speed down to 5-10 km/h, occupancy
up, and the flow past the detector down (the queue only discharges slowly). Vehicles are
counted (Poisson), so quiet night-time intervals are noisy.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric
from devices.params import NonNeg, NonNegOrRange, Params, PosIntOrRange, Positive


class TrafficDetectorParams(Params):
    lanes: PosIntOrRange = Field(
        (2, 4), description="lanes per section, or [lo, hi] drawn per section"
    )
    free_speed_kmh: Positive = Field(60.0, description="free-flow speed, km/h (per-section spread)")
    capacity_vph_lane: Positive = Field(1800.0, description="capacity per lane, vehicles/h")
    peak_vc: NonNeg = Field(0.85, description="volume/capacity at full traffic demand")
    jam_speed_kmh: NonNegOrRange = Field(
        (5.0, 10.0), description="queue speed, km/h (or [lo, hi] per section)"
    )


KIND = DeviceKind(
    name="traffic_detector",
    name_zh="交通流检测器",
    name_en="Traffic detector",
    id_prefix="TD",
    metrics=(
        Metric("flow_vph", "veh/h", "流量", "Flow", 0, 12000, 0),
        Metric("speed_kmh", "km/h", "平均车速", "Mean speed", 0, 200, 1),
        Metric("occupancy_pct", "%", "时间占有率", "Detector occupancy", 0, 100, 1),
    ),
    senses=("congestion",),
    alarms=("路段拥堵 road section congested", "交通流异常 abnormal traffic flow"),
    params=TrafficDetectorParams,
)

_EFFECTIVE_LENGTH_KM = 0.0065  # vehicle plus detection zone
_JAM_DENSITY = 120.0  # vehicles per km per lane in a slow queue


class TrafficDetectorFleet(Fleet[TrafficDetectorParams]):
    """Flow, speed and occupancy on road sections (parameters:
    `TrafficDetectorParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        lanes = p.lanes
        if isinstance(lanes, int):
            self.lanes = np.full(self.n, lanes)
        else:
            self.lanes = self.rng.integers(lanes[0], lanes[1] + 1, self.n)
        self.free_flow_kmh = self.spread(p.free_speed_kmh, 0.08)
        self.lane_capacity = p.capacity_vph_lane
        self.peak_vc = p.peak_vc
        self.jam = self.draw(p.jam_speed_kmh)
        self.site = self.rng.lognormal(0.0, 0.2, self.n)  # busier or quieter than the city

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        wet = np.clip(cond["rain_mm_h"] / 10.0, 0.0, 1.0)
        capacity = self.lane_capacity * (1.0 - 0.1 * wet)
        demand = (
            capacity
            * self.peak_vc
            * np.clip(cond["traffic"], 0.0, 1.0)
            * self.site[idx]
            * np.exp(0.08 * cond["area_noise"])
        )
        q_free = np.minimum(demand, capacity)  # per lane
        v_free = (
            self.free_flow_kmh[idx] * (1.0 - 0.1 * wet) * (1.0 - 0.25 * (q_free / capacity) ** 2)
        )
        v_jam = self.jam[idx]
        q_jam = 0.8 * np.minimum(_JAM_DENSITY * v_jam, q_free)
        c = np.clip(cond["congestion"], 0.0, 1.0)
        q = q_free * (1.0 - c) + q_jam * c
        v = v_free * (1.0 - c) + v_jam * c
        occupancy = 100.0 * q * _EFFECTIVE_LENGTH_KM / v

        hours = self.interval[idx] / 3600.0
        lanes = self.lanes[idx]
        count = self.rng.poisson(q * lanes * hours)
        flow = count / hours
        seen = count > 0
        speed = np.where(
            seen, v * (1.0 + self.noise(1.0, size) * 0.15 / np.sqrt(np.maximum(count, 1))), v
        ) + self.noise(0.8, size)
        occupancy = occupancy * np.where(seen, count / np.maximum(q * lanes * hours, 1e-9), 0.0)
        occupancy = occupancy + np.abs(self.noise(0.2, size)) * seen
        return {
            "flow_vph": flow,
            "speed_kmh": np.maximum(speed, 0.0),
            "occupancy_pct": np.clip(occupancy, 0.0, 100.0),
        }
