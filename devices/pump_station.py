"""扬水站/排涝泵站 drainage pump station: the sump level, how many pumps run, a pump-unit
fault flag and the station's electrical power.

Inflow is dry-weather flow (higher when people are about) plus rain: direct runoff with the
rain rate and a delayed part with the rain of the last six hours. A level controller starts
pump k when the sump rises past start_level + k x step and stops it again below that level
minus a hysteresis. A pump fault (pump_failed_since) takes units out of service: fewer pumps
can run, and in heavy rain the sump rises. The sump is integrated in sub-steps of at most a
minute (a loop over sub-steps, vectorised over readings).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric, is_active
from devices.params import Int, NonNeg, Params, PosIntOrChoices, Positive


class PumpStationParams(Params):
    pumps: PosIntOrChoices = Field(
        4, description="pumps per station, or a list each station draws its count from"
    )
    pump_kw: Positive = Field(55.0, description="rated power per pump, kW (per-station spread)")
    pump_rate_m_h: Positive = Field(
        1.0, description="sump drawdown per running pump, m/h (per-station spread)"
    )
    start_level_m: NonNeg = Field(2.0, description="sump level where the first pump starts, m")
    step_m: NonNeg = Field(0.5, description="each further pump starts this much higher, m")
    hysteresis_m: NonNeg = Field(0.3, description="a pump stops this far below its start, m")
    sump_depth_m: Positive = Field(6.0, description="sump depth (flooding above), m")
    dry_inflow_m_h: NonNeg = Field(0.3, description="dry-weather inflow, m of sump an hour")
    rain_gain_m_h: NonNeg = Field(0.08, description="inflow per mm/h of rain, m/h")
    runoff_gain_m_h: NonNeg = Field(0.01, description="inflow per mm of rain in the last 6 h, m/h")
    fault_units: Int | None = Field(
        None, ge=0, description="pumps out while a fault lasts (default half, at least 1)"
    )
    aux_kw: NonNeg = Field(1.5, description="auxiliary power, kW")


KIND = DeviceKind(
    name="pump_station",
    name_zh="排涝泵站",
    name_en="Drainage pump station",
    id_prefix="PS",
    metrics=(
        Metric("sump_level_m", "m", "前池水位", "Sump level", 0, 10, 2),
        Metric("pumps_running", "", "运行台数", "Pumps running", 0, 20, 0),
        Metric("pump_fault", "", "机组故障", "Pump unit fault", 0, 1, 0),
        Metric("power_kw", "kW", "功率", "Power", 0, 2000, 1),
    ),
    senses=("pump_failed_since",),
    alarms=("泵站高水位 pump-station sump level high", "机组故障 pump unit fault"),
    params=PumpStationParams,
)

_MAX_STEPS = 360  # sub-steps per reading; dt is capped at 6 h


class PumpStationFleet(Fleet[PumpStationParams]):
    """Sump level, pumps and power of drainage pump stations (parameters:
    `PumpStationParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        pumps = p.pumps
        if isinstance(pumps, int | float):
            self.pumps = np.full(self.n, int(pumps))
        else:
            self.pumps = self.rng.choice(np.asarray(pumps, dtype=np.int64), self.n)
        if self.pumps.min() < 1:
            raise ValueError("a pump station needs at least one pump")
        self.pump_kw = self.spread(p.pump_kw, 0.15)
        self.rate = self.spread(p.pump_rate_m_h, 0.1)
        start = p.start_level_m
        step = p.step_m
        self.starts = start + step * np.arange(self.pumps.max())  # pump k starts here
        self.hyst = p.hysteresis_m
        self.depth = p.sump_depth_m
        self.dry = p.dry_inflow_m_h
        self.rain_gain = p.rain_gain_m_h
        self.runoff_gain = p.runoff_gain_m_h
        units = p.fault_units
        units = np.maximum(self.pumps // 2, 1) if units is None else np.full(self.n, units)
        self.fault_units = np.minimum(units, self.pumps)
        self.aux_kw = p.aux_kw
        self.catchment = self.rng.lognormal(0.0, 0.25, self.n)
        self.level = self.rng.uniform(0.8, start - 0.2, self.n)
        self.running = np.zeros(self.n, dtype=np.int64)

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = np.minimum(self.elapsed(idx, t), 6 * 3600.0)
        steps = int(np.clip(np.ceil(dt.max(initial=0.0) / 60.0), 1, _MAX_STEPS))
        h = dt / steps / 3600.0  # hours per sub-step
        inflow = self.dry * (0.6 + 0.8 * np.clip(cond["activity"], 0, 1)) + self.catchment[
            idx
        ] * np.exp(0.1 * cond["area_noise"]) * (
            self.rain_gain * np.maximum(cond["rain_mm_h"], 0.0)
            + self.runoff_gain * np.maximum(cond["rain_6h_mm"], 0.0)
        )
        failed = is_active(cond["pump_failed_since"], t)
        pumps = self.pumps[idx]
        available = np.where(failed, pumps - self.fault_units[idx], pumps)
        level, run, rate = self.level[idx], self.running[idx], self.rate[idx]
        for _ in range(steps):  # sub-steps in time, each vectorised over the readings
            wanted = (level[:, None] > self.starts).sum(axis=1)  # capped by `available`
            keep = (level[:, None] > self.starts - self.hyst).sum(axis=1)
            run = np.minimum(np.maximum(wanted, np.minimum(run, keep)), available)
            level = np.clip(level + (inflow - run * rate) * h, 0.0, self.depth)
        self.level[idx], self.running[idx] = level, run
        power = run * self.pump_kw[idx] * (1.0 + self.noise(0.03, size)) + self.aux_kw
        return {
            "sump_level_m": level + self.noise(0.01, size),
            "pumps_running": run.astype(float),
            "pump_fault": failed.astype(float),
            "power_kw": np.maximum(power + self.noise(0.1, size), 0.0),
        }
