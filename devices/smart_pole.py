"""智慧灯杆 smart pole (多杆合一): an LED lamp with a single-lamp controller, an environment
sensor (PM2.5, PM10, temperature, humidity, street noise), a WiFi hotspot, a one-key help
button (一键求助), an LED screen and a public-address speaker.

The controller switches the lamp on a per-pole daily schedule and dims it after a set time,
unless an operator has taken manual control (`on`, `off`, `dim`) until `auto`. It measures
lamp current: a failed lamp draws only standby power whatever it is told, and the controller
latches `lamp_fault` = 1 the first time the lamp should be lit and is not (so a lamp that
fails by day is noticed at dusk), until it is repaired.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from devices.base import DeviceKind, Fleet, Metric, is_active
from devices.params import Clock, Int, NonNeg, Number, Params, PositiveOrChoices
from devices.schedule import DAY_S, clock_s, in_daily_window, next_daily

_MAX_TEXT = 200  # characters an LED screen message may have


class SmartPoleParams(Params):
    rated_w: PositiveOrChoices = Field(
        150.0, description="rated lamp power, W, or a list each pole draws its rating from"
    )
    standby_w: NonNeg = Field(4.0, description="controller standby power, W")
    lamp_on_at: Clock = Field("19:30", description="initial schedule: lamps on")
    lamp_off_at: Clock = Field("05:15", description="initial schedule: lamps off")
    dim_at: Clock = Field("23:30", description="initial schedule: dim from")
    dim_pct: Number = Field(60.0, ge=0, le=100, description="initial schedule: dim level, %")
    road_db: Number = Field(
        68.0, ge=0, le=140, description="street noise at full traffic, dB(A) (per-pole spread)"
    )
    quiet_db: Number = Field(
        42.0, ge=0, le=140, description="night-time background noise, dB(A) (per-pole spread)"
    )
    wifi_peak_users: NonNeg = Field(
        25.0, description="WiFi users at full activity (per-pole spread)"
    )
    wifi_max_users: Int = Field(256, ge=0, description="access-point user limit")
    led_text: str = Field("", max_length=_MAX_TEXT, description="initial LED screen text")


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
        Metric("noise_db", "dB(A)", "噪声", "Street noise", 20, 130, 1),
        Metric("wifi_users", "", "WiFi接入数", "WiFi users connected", 0, 1000, 0),
        Metric("sos", "", "一键求助", "Help button pressed", 0, 1, 0),
        Metric("screen_on", "", "LED屏状态", "LED screen on", 0, 1, 0),
        Metric("broadcast_on", "", "广播状态", "Broadcast on", 0, 1, 0),
    ),
    senses=(
        "lamp_failed_since",
        "pm25_extra",
        "dust_extra",
        "noise_extra_db",
        "crowd",
        "sos_since",
    ),
    alarms=(
        "路灯故障 street-lamp fault",
        "一键求助 help button pressed (SOS)",
        "PM2.5超标 PM2.5 over limit",
        "噪声超标 street noise over limit",
    ),
    params=SmartPoleParams,
)

_SCHEDULE_KEYS = ("lamp_on_at", "lamp_off_at", "dim_at", "dim_pct")


def _number(params: Mapping[str, Any], key: str, lo: float, hi: float) -> float:
    if key not in params:
        raise ValueError(f"missing parameter {key!r} (a number {lo:g}-{hi:g})")
    value = params[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ValueError(f"{key} must be a number {lo:g}-{hi:g}, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{key} must be between {lo:g} and {hi:g}, got {value!r}")
    return float(value)


def _clock(params: Mapping[str, Any], key: str) -> float:
    value = params[key]
    if not isinstance(value, str):
        raise ValueError(f'{key} must be a clock time "HH:MM", got {value!r}')
    try:
        return clock_s(value)
    except ValueError:
        raise ValueError(f'{key} must be a clock time "HH:MM", got {value!r}') from None


def _only(params: Mapping[str, Any], allowed: tuple[str, ...], action: str) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no parameters"
        raise ValueError(f"{action} takes {takes}; unknown: {', '.join(unknown)}")


class SmartPoleFleet(Fleet[SmartPoleParams]):
    """Lamp, environment sensors, WiFi, help button, screen and speaker of smart
    poles (parameters: `SmartPoleParams`; commands: `COMMANDS`)."""

    KIND = KIND
    COMMANDS: ClassVar[dict[str, str]] = {
        "on": "强制开灯 force the lamp on at full power until 'auto'",
        "off": "强制关灯 force the lamp off until 'auto'",
        "auto": "恢复自动 return to the lighting schedule",
        "dim": "调光 manual brightness: pct 0-100 until 'auto' (0 = off)",
        "schedule": '设置时间表 set any of lamp_on_at, lamp_off_at, dim_at ("HH:MM"), dim_pct',
        "led_text": "LED屏发布 show text on the LED screen (empty text switches it off)",
        "broadcast": "广播 start (on: true, message) or stop (on: false) the speaker",
    }

    def _setup(self) -> None:
        p = self.params
        rated = p.rated_w
        if isinstance(rated, int | float):
            rated_w = np.full(self.n, float(rated))
        else:
            rated_w = self.rng.choice(np.asarray(rated, dtype=float), self.n)
        rated_w.flags.writeable = False
        self._rated_w = rated_w
        self.standby_w = p.standby_w
        self.on_s = np.full(self.n, clock_s(p.lamp_on_at))
        self.off_s = np.full(self.n, clock_s(p.lamp_off_at))
        self.dim_s = np.full(self.n, clock_s(p.dim_at))
        self.dim_level = np.full(self.n, p.dim_pct)
        self.manual = np.full(self.n, np.nan)  # manual brightness %, NaN = on the schedule
        self.fault_seen = np.zeros(self.n, dtype=bool)
        text = p.led_text
        self.led_text = np.full(self.n, text, dtype=object)
        self.screen = np.full(self.n, bool(text))
        self.broadcast = np.zeros(self.n, dtype=bool)
        self.message = np.full(self.n, "", dtype=object)
        self.energy = self.rng.uniform(100.0, 3000.0, self.n)  # meters were installed earlier
        self.pm_factor = self.rng.lognormal(0.0, 0.08, self.n)  # siting differences
        self.temp_offset = self.rng.normal(0.0, 0.3, self.n)
        self.road_db = p.road_db + self.rng.normal(0.0, 3.0, self.n)
        self.quiet_db = p.quiet_db + self.rng.normal(0.0, 2.0, self.n)
        self.wifi_peak = self.spread(p.wifi_peak_users, 0.5)
        self.wifi_max = p.wifi_max_users

    @property
    def rated_w(self) -> np.ndarray:
        """Rated lamp power per pole, W (read-only)."""
        return self._rated_w

    def measure(
        self, idx: np.ndarray, t: np.ndarray, cond: Mapping[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        size = idx.size
        dt = self.elapsed(idx, t)
        tod = cond["tod_s"]
        on_s, off_s = self.on_s[idx], self.off_s[idx]
        scheduled = in_daily_window(tod, on_s, off_s)
        dimmed = in_daily_window(tod, self.dim_s[idx], off_s)
        sched_dim = np.where(scheduled, np.where(dimmed, self.dim_level[idx], 100.0), 0.0)
        manual = self.manual[idx]
        auto = np.isnan(manual)
        dim = np.where(auto, sched_dim, manual)
        wanted = dim > 0

        failed_since = cond["lamp_failed_since"]  # sim time the lamp failed, NaN if healthy
        failed = is_active(failed_since, t)
        since = np.where(failed, failed_since, t)
        # Seconds of day at failure, for the dusk check; t - since is the failure's age.
        fail_tod = (tod - (t - since)) % DAY_S
        lit_at_fail = in_daily_window(fail_tod, on_s, off_s)
        first_on = since + next_daily(fail_tod, on_s)
        should_have_lit = wanted | (auto & (lit_at_fail | (t >= first_on)))
        self.fault_seen[idx] = failed & (self.fault_seen[idx] | should_have_lit)

        lamp_on = wanted & ~failed
        power = np.where(lamp_on, self._rated_w[idx] * dim / 100.0, 0.0)
        power = power * (1.0 + self.noise(0.02, size)) + self.standby_w + self.noise(0.2, size)
        power = np.maximum(power, 0.0)
        self.energy[idx] += power * dt / 3.6e6

        pm25 = cond["ambient_pm25"] * self.pm_factor[idx] + cond["pm25_extra"]
        pm25 = np.maximum(pm25 + self.noise(2.0, size), 0.0)
        coarse = np.maximum(cond["ambient_pm10"] - cond["ambient_pm25"], 0.0) * self.pm_factor[idx]
        coarse = np.maximum(coarse + cond["dust_extra"] + self.noise(4.0, size), 0.0)

        return {
            "lamp_on": lamp_on.astype(float),
            "dim_pct": dim,
            "power_w": power,
            "energy_kwh": self.energy[idx],
            "lamp_fault": self.fault_seen[idx].astype(float),
            "pm25": pm25,
            "pm10": pm25 + coarse,
            "temp_c": cond["ambient_temp_c"] + self.temp_offset[idx] + self.noise(0.2, size),
            "humidity_pct": cond["ambient_rh_pct"] + self.noise(1.5, size),
            "noise_db": self._noise_db(idx, cond),
            "wifi_users": self._wifi(idx, cond),
            "sos": is_active(cond["sos_since"], t).astype(float),
            "screen_on": self.screen[idx].astype(float),
            "broadcast_on": self.broadcast[idx].astype(float),
        }

    def _noise_db(self, idx: np.ndarray, cond: Mapping[str, np.ndarray]) -> np.ndarray:
        """Equivalent level: traffic (10 log10 of the traffic share, louder on wet roads),
        people, wind on the microphone, neighbours' drift, plus incident noise."""
        size = idx.size
        wet = np.clip(cond["rain_mm_h"] / 10.0, 0.0, 1.0)
        traffic = self.road_db[idx] + 10.0 * np.log10(np.maximum(cond["traffic"], 1e-3)) + 3 * wet
        people = self.quiet_db[idx] + 10.0 * cond["activity"] + 10.0 * np.log10(1.0 + cond["crowd"])
        level = 10.0 * np.log10(10.0 ** (traffic / 10.0) + 10.0 ** (people / 10.0))
        level = level + 0.5 * np.maximum(cond["wind_ms"] - 6.0, 0.0)
        return level + cond["area_noise"] + cond["noise_extra_db"] + self.noise(1.0, size)

    def _wifi(self, idx: np.ndarray, cond: Mapping[str, np.ndarray]) -> np.ndarray:
        wet = np.clip(cond["rain_mm_h"] / 10.0, 0.0, 1.0)
        expected = (
            self.wifi_peak[idx]
            * np.clip(cond["activity"], 0.0, None)
            * (1.0 + cond["crowd"])
            * (1.0 - 0.6 * wet)
        )
        return np.minimum(self.rng.poisson(np.maximum(expected, 0.0)), self.wifi_max)

    # ------------------------------------------------------------------ commands
    def command(
        self, idx: np.ndarray, action: str, params: Mapping[str, Any], t: float
    ) -> tuple[str, str]:
        if action not in self.COMMANDS:
            return "unsupported", (
                f"smart_pole has no command {action!r}; known: {', '.join(self.COMMANDS)}"
            )
        idx = np.asarray(idx, dtype=np.int64).ravel()
        if idx.size == 0 or idx.min() < 0 or idx.max() >= self.n:
            return "rejected", f"device index out of range 0..{self.n - 1}"
        params = dict(params or {})
        try:
            apply = self._parse(action, params)
        except ValueError as exc:
            return "rejected", str(exc)
        return "ok", apply(idx)

    def _parse(self, action: str, params: dict[str, Any]) -> Callable[[np.ndarray], str]:
        """Check the parameters of `action` and return what applies it (all or nothing)."""
        if action in ("on", "off", "auto"):
            _only(params, (), action)
            level = {"on": 100.0, "off": 0.0, "auto": np.nan}[action]

            def switch(idx: np.ndarray) -> str:
                self.manual[idx] = level
                what = {"on": "forced on", "off": "forced off", "auto": "back on schedule"}
                return f"{idx.size} lamp(s) {what[action]}"

            return switch
        if action == "dim":
            _only(params, ("pct",), action)
            pct = _number(params, "pct", 0.0, 100.0)

            def dim(idx: np.ndarray) -> str:
                self.manual[idx] = pct
                return f"{idx.size} lamp(s) dimmed to {pct:g}% until 'auto'"

            return dim
        if action == "schedule":
            _only(params, _SCHEDULE_KEYS, action)
            if not params:
                raise ValueError(f"schedule needs at least one of {', '.join(_SCHEDULE_KEYS)}")
            new = {k: _clock(params, k) for k in _SCHEDULE_KEYS[:3] if k in params}
            if "dim_pct" in params:
                new["dim_pct"] = _number(params, "dim_pct", 0.0, 100.0)
            arrays = {
                "lamp_on_at": self.on_s,
                "lamp_off_at": self.off_s,
                "dim_at": self.dim_s,
                "dim_pct": self.dim_level,
            }

            def schedule(idx: np.ndarray) -> str:
                for key, value in new.items():
                    arrays[key][idx] = value
                manual = int(np.count_nonzero(~np.isnan(self.manual[idx])))
                note = f"; {manual} under manual control until 'auto'" if manual else ""
                return f"schedule set on {idx.size} pole(s): {', '.join(sorted(new))}{note}"

            return schedule
        if action == "led_text":
            _only(params, ("text",), action)
            text = params.get("text")
            if not isinstance(text, str):
                raise ValueError(f"led_text needs text (a string), got {text!r}")
            if len(text) > _MAX_TEXT:
                raise ValueError(f"text is {len(text)} characters; the screen takes {_MAX_TEXT}")

            def show(idx: np.ndarray) -> str:
                self.led_text[idx] = text
                self.screen[idx] = bool(text)
                return f"{idx.size} screen(s) " + ("showing text" if text else "switched off")

            return show
        # broadcast
        _only(params, ("on", "message"), action)
        on = params.get("on")
        if not isinstance(on, bool):
            raise ValueError(f"broadcast needs on (true or false), got {on!r}")
        message = params.get("message", "")
        if not isinstance(message, str):
            raise ValueError(f"message must be a string, got {message!r}")

        def broadcast(idx: np.ndarray) -> str:
            self.broadcast[idx] = on
            self.message[idx] = message if on else ""
            return f"{idx.size} speaker(s) " + ("broadcasting" if on else "stopped")

        return broadcast
