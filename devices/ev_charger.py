"""充电桩 EV charger (AC wallbox or DC fast charger): status, charging power and its energy
meter.

Cars arrive at an idle charger at a rate that follows the time of day (AC chargers in the
evening and at lunchtime, DC fast chargers around midday and in the evening when taxis and
ride-hailing cars top up); each session wants a random amount of energy and draws the
charger's rated power (DC fast charging slows near the end and in the cold) until it has it.
The meter adds what the previous power delivered over the time since the last reading. A
charger fault (charger_failed_since) aborts the session and reads status 2.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric, is_active
from devices.params import NonNeg, NonNegRange, Params, Positive, PositiveOrChoices, Share
from devices.schedule import bump


class EvChargerParams(Params):
    dc_share: Share = Field(0.3, description="share of DC fast chargers")
    ac_kw: Positive = Field(7.0, description="AC wallbox rating, kW")
    dc_kw: PositiveOrChoices = Field(
        (60.0, 120.0), description="DC ratings, kW, each charger drawing one of them"
    )
    sessions_per_day_ac: NonNeg = Field(2.5, description="sessions a day at an AC charger")
    sessions_per_day_dc: NonNeg = Field(9.0, description="sessions a day at a DC charger")
    session_kwh_ac: NonNegRange = Field(
        (8.0, 35.0), description="energy an AC session wants, kWh, drawn from [lo, hi]"
    )
    session_kwh_dc: NonNegRange = Field(
        (15.0, 50.0), description="energy a DC session wants, kWh, drawn from [lo, hi]"
    )


KIND = DeviceKind(
    name="ev_charger",
    name_zh="充电桩",
    name_en="EV charger",
    id_prefix="EV",
    metrics=(
        Metric("status", "", "状态", "Status (0 idle, 1 charging, 2 fault)", 0, 2, 0),
        Metric("power_kw", "kW", "充电功率", "Charging power", 0, 400, 2),
        Metric("energy_kwh", "kWh", "累计电量", "Energy meter", 0, 1e8, 2),
    ),
    senses=("charger_failed_since",),
    alarms=("充电桩故障 charger fault",),
    params=EvChargerParams,
)

IDLE, CHARGING, FAULT = 0, 1, 2


def _ac_shape(tod: np.ndarray) -> np.ndarray:
    return 0.25 + 1.6 * bump(tod, 19.0, 2.5) + 0.7 * bump(tod, 12.5, 1.5)


def _dc_shape(tod: np.ndarray) -> np.ndarray:
    return 0.35 + 1.1 * bump(tod, 12.5, 2.0) + 1.1 * bump(tod, 20.0, 2.5)


_MINUTES = np.arange(0.0, 86400.0, 60.0)
_AC_MEAN, _DC_MEAN = _ac_shape(_MINUTES).mean(), _dc_shape(_MINUTES).mean()


def arrival_shape(tod: np.ndarray, dc: np.ndarray) -> np.ndarray:
    """Relative arrival rate by time of day (mean 1 over a day)."""
    return np.where(dc, _dc_shape(tod) / _DC_MEAN, _ac_shape(tod) / _AC_MEAN)


class EvChargerFleet(Fleet[EvChargerParams]):
    """Charging sessions, power and meters of EV chargers (parameters:
    `EvChargerParams`)."""

    KIND = KIND

    def _setup(self) -> None:
        p = self.params
        self.dc = self.rng.random(self.n) < p.dc_share
        dc_kw = np.asarray(p.dc_kw, dtype=float).ravel()
        self.rated = np.where(self.dc, self.rng.choice(dc_kw, self.n), p.ac_kw)
        self.per_day = np.where(self.dc, p.sessions_per_day_dc, p.sessions_per_day_ac)
        self.kwh_ac = p.session_kwh_ac
        self.kwh_dc = p.session_kwh_dc
        self.energy = self.rng.uniform(500.0, 20000.0, self.n) * np.where(self.dc, 10.0, 1.0)
        self.remaining = np.zeros(self.n)  # kWh the current session still wants
        self.session = np.ones(self.n)  # kWh the current session wanted in all
        self.power = np.zeros(self.n)  # kW drawn since the last reading

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        delivered = np.minimum(self.power[idx] * dt / 3600.0, self.remaining[idx])
        self.energy[idx] += delivered
        remaining = self.remaining[idx] - delivered

        failed = is_active(cond["charger_failed_since"], t)
        dc = self.dc[idx]
        rate = self.per_day[idx] / 86400.0 * arrival_shape(cond["tod_s"], dc)
        idle = (remaining <= 1e-9) & ~failed
        arrive = idle & (self.rng.random(size) < 1.0 - np.exp(-rate * dt))
        want = np.where(
            dc, self.rng.uniform(*self.kwh_dc, size), self.rng.uniform(*self.kwh_ac, size)
        )
        remaining = np.where(arrive, want, np.where(failed, 0.0, remaining))
        self.session[idx] = np.where(arrive, want, self.session[idx])
        self.remaining[idx] = remaining

        charging = remaining > 1e-9
        cold = 1.0 - 0.02 * np.clip(10.0 - cond["ambient_temp_c"], 0.0, 25.0)
        taper = np.clip(remaining / (0.2 * self.session[idx]), 0.3, 1.0)  # constant voltage
        power = self.rated[idx] * np.where(dc, cold * taper, 1.0)
        power = np.where(charging, power * (1.0 + self.noise(0.02, size)), 0.0)
        self.power[idx] = power
        status = np.where(failed, FAULT, np.where(charging, CHARGING, IDLE))
        return {"status": status.astype(float), "power_kw": power, "energy_kwh": self.energy[idx]}
