"""Every device kind: registry, physical ranges over a week of varying weather, response to its
incident exposures, diurnal and weekly shape, stateful behaviour, smart-pole commands.

Fleets are driven directly with a synthetic world (`Sky`) that supplies every common
condition plausibly, so these tests do not depend on the simulator's weather model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest

from devices import COMMON_CONDITIONS, FLEET_MODELS, KINDS, SENSES
from devices.base import Fleet
from devices.schedule import bump, clock_s, plateau
from devices.smart_pole import SmartPoleFleet

H = 3600.0
DAY = 86400.0
WEEK = 7 * DAY

# The metric names other code (alarm rules, the IOC) relies on, per kind.
REQUIRED_METRICS = {
    "smart_pole": {
        "lamp_on",
        "dim_pct",
        "power_w",
        "energy_kwh",
        "lamp_fault",
        "pm25",
        "pm10",
        "temp_c",
        "humidity_pct",
        "noise_db",
        "wifi_users",
        "sos",
        "screen_on",
        "broadcast_on",
    },
    "air_station": {"pm25", "pm10", "so2", "no2", "o3", "co"},
    "construction_site": {"dust_pm10", "noise_dba", "mist_on"},
    "water_level": {"water_cm", "battery_pct"},
    "river_level": {"level_m", "rain_mm"},
    "pump_station": {"sump_level_m", "pumps_running", "pump_fault", "power_kw"},
    "manhole_cover": {"tilt_deg", "open", "water_cm", "battery_pct"},
    "smoke_detector": {"smoke_pct_m", "temp_c", "battery_pct"},
    "gas_detector": {"gas_lel_pct", "battery_pct"},
    "electrical_fire": {"leakage_ma", "cable_temp_c"},
    "hydrant": {"pressure_mpa"},
    "parking_space": {"occupied", "battery_pct"},
    "car_park": {"occupancy_pct", "free_spaces"},
    "ev_charger": {"status", "power_kw", "energy_kwh"},
    "smart_bin": {"fill_pct", "temp_c"},
    "public_toilet": {"people_count", "nh3_ppm", "h2s_ppm"},
    "traffic_detector": {"flow_vph", "speed_kmh", "occupancy_pct"},
    "camera": {"stream_ok", "bitrate_kbps"},
    "tower_camera": {"stream_ok", "azimuth_deg", "sweeps", "thermal"},
}


# --------------------------------------------------------------------------- synthetic world


@dataclass
class Sky:
    """Every common condition as a plausible function of time: t = 0 is `start_tod` on
    weekday `start_dow`; rain falls in `spells` of (start, end, mm/h)."""

    start_tod: float = 0.0
    start_dow: int = 0
    spells: list[tuple[float, float, float]] = field(default_factory=list)
    temp_c: tuple[float, float] = (18.0, 30.0)

    def rain(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros_like(t)
        for s, e, mm_h in self.spells:
            out += np.where((t >= s) & (t < e), mm_h, 0.0)
        return out

    def rain_6h(self, t: np.ndarray) -> np.ndarray:
        out = np.zeros_like(t)
        for s, e, mm_h in self.spells:
            overlap = np.clip(np.minimum(t, e) - np.maximum(t - 6 * H, s), 0.0, None)
            out += mm_h * overlap / H
        return out

    def conditions(self, idx: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        local = t + self.start_tod
        tod = local % DAY
        dow = (self.start_dow + np.floor(local / DAY)) % 7
        weekday = dow < 5
        rain = self.rain(t)
        wet = np.clip(rain / 10.0, 0.0, 1.0)
        lo, hi = self.temp_c
        day = np.cos(2 * np.pi * (tod - 15 * H) / DAY)
        activity = np.where(
            weekday, 0.05 + 0.9 * plateau(tod, 7.0, 22.0), 0.05 + 0.85 * plateau(tod, 8.5, 23.0)
        )
        traffic = np.where(
            weekday,
            0.05
            + 0.35 * plateau(tod, 6.5, 21.5)
            + 0.55 * bump(tod, 8.0, 1.0)
            + 0.5 * bump(tod, 18.0, 1.2),
            0.05 + 0.5 * plateau(tod, 8.5, 21.5),
        )
        traffic = np.clip(traffic, 0.0, 1.0)
        pm25 = (30.0 + 30.0 * traffic) * (1.0 - 0.5 * wet)
        cond = {
            "tod_s": tod,
            "dow": dow,
            "rain_mm_h": rain,
            "rain_6h_mm": self.rain_6h(t),
            "ambient_temp_c": (lo + hi) / 2 + (hi - lo) / 2 * day - 3.0 * wet,
            "ambient_rh_pct": np.clip(65.0 - 15.0 * day + 30.0 * wet, 0.0, 100.0),
            "wind_ms": 2.0 + 1.5 * bump(tod, 15.0, 3.0) + 5.0 * wet,
            "ambient_pm25": pm25,
            "ambient_pm10": 1.7 * pm25,
            "ambient_no2": 15.0 + 45.0 * traffic,
            "ambient_so2": 8.0 + 4.0 * traffic,
            "ambient_o3": (30.0 + 100.0 * bump(tod, 15.0, 3.0)) * (1.0 - 0.5 * wet),
            "ambient_co": 0.4 + 0.6 * traffic,
            "activity": activity,
            "traffic": traffic,
            # One slowly drifting value per grid; devices idx % 3 share a grid.
            "area_noise": np.sin(t / 30000.0 + 2.0 * (idx % 3)),
        }
        assert set(cond) == set(COMMON_CONDITIONS)
        return cond


def quiet(kind: str, size: int) -> dict[str, np.ndarray]:
    """The kind's senses when nothing is happening at the devices."""
    return {
        s: np.full(size, np.nan) if s.endswith("_since") else np.zeros(size)
        for s in KINDS[kind].senses
    }


Senses = Callable[[np.ndarray, np.ndarray], dict[str, np.ndarray]]


@dataclass
class Run:
    idx: np.ndarray
    t: np.ndarray
    tod: np.ndarray
    dow: np.ndarray
    v: dict[str, np.ndarray]

    def of(self, dev: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """One device's times and readings, in time order."""
        mine = np.flatnonzero(self.idx == dev)
        mine = mine[np.argsort(self.t[mine])]
        return self.t[mine], {k: col[mine] for k, col in self.v.items()}


def run(fleet: Fleet, sky: Sky, t0: float, t1: float, senses: Senses | None = None) -> Run:
    """Every reading of `fleet` in [t0, t1)."""
    kind = fleet.KIND.name
    parts: dict[str, list[np.ndarray]] = {"idx": [], "t": [], "tod": [], "dow": []}
    values: dict[str, list[np.ndarray]] = {m.name: [] for m in fleet.KIND.metrics}
    for idx, t in fleet.due(t0, t1):
        cond = sky.conditions(idx, t)
        cond.update(quiet(kind, idx.size))
        if senses:
            cond.update(senses(idx, t))
        out = fleet.produce(idx, t, cond)
        for key, col in (("idx", idx), ("t", t), ("tod", cond["tod_s"]), ("dow", cond["dow"])):
            parts[key].append(col)
        for name, col in out.items():
            values[name].append(col)
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    return Run(
        cat["idx"],
        cat["t"],
        cat["tod"],
        cat["dow"],
        {k: np.concatenate(v) for k, v in values.items()},
    )


def fleet_of(
    kind: str, n: int = 10, interval: float = 600.0, seed: int = 1, **params: object
) -> Fleet:
    return FLEET_MODELS[kind](n, interval, np.random.default_rng(seed), params)


def at(fleet: Fleet, sky: Sky, t_s: float, **senses: np.ndarray | float) -> dict:
    """One reading of every device at time t_s."""
    idx = np.arange(fleet.n)
    t = np.full(fleet.n, float(t_s))
    cond = sky.conditions(idx, t)
    cond.update(quiet(fleet.KIND.name, fleet.n))
    cond.update(
        {
            k: np.broadcast_to(np.asarray(v, dtype=float), (fleet.n,)).copy()
            for k, v in senses.items()
        }
    )
    return fleet.produce(idx, t, cond)


def in_hours(tod: np.ndarray, start_h: float, end_h: float) -> np.ndarray:
    return (tod >= start_h * H) & (tod < end_h * H)


def week_sky(seed: int = 0) -> Sky:
    """A week from Monday 00:00 with a rain spell most days, some heavy, and a hot spell."""
    rng = np.random.default_rng(seed)
    starts = np.arange(7) * DAY + rng.uniform(0, 20 * H, 7)
    spells = [(s, s + rng.uniform(0.5, 5) * H, rng.uniform(0.5, 60)) for s in starts[:5]]
    return Sky(spells=spells, temp_c=(-8.0, 38.0))


# --------------------------------------------------------------------------- registry


def test_every_kind_is_registered_with_its_metrics():
    assert set(FLEET_MODELS) == set(KINDS) == set(REQUIRED_METRICS)
    prefixes = [k.id_prefix for k in KINDS.values()]
    assert len(set(prefixes)) == len(prefixes)
    for name, cls in FLEET_MODELS.items():
        kind = cls.KIND
        assert kind is KINDS[name] and kind.name == name
        assert 2 <= len(kind.id_prefix) <= 3 and kind.id_prefix.isalpha()
        assert kind.id_prefix.isupper()
        assert REQUIRED_METRICS[name] <= {m.name for m in kind.metrics}, name
        assert set(kind.senses) <= set(SENSES), name  # only conditions the world knows
        assert kind.alarms
        for alarm in kind.alarms:  # "中文 English"
            zh, _, en = alarm.partition(" ")
            assert any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii(), alarm
        for m in kind.metrics:
            assert m.name.isidentifier() and m.name == m.name.lower()
            assert m.lo < m.hi and m.name_zh and m.name_en
        assert (cls.COMMANDS != {}) == (name == "smart_pole")


@pytest.mark.parametrize("kind", sorted(set(KINDS) - {"smart_pole"}))
def test_kinds_without_commands_say_unsupported(kind):
    fleet = fleet_of(kind, 2)
    status, detail = fleet.command(np.array([0]), "on", {}, 0.0)
    assert status == "unsupported" and kind in detail


# --------------------------------------------------------------------------- ranges


def wild_senses(kind: str, rng: np.random.Generator) -> Senses:
    """Occasional strong exposures (10 % of readings), some beyond what a sensor can measure."""
    scale = {
        "smoke_pct_m": 200,
        "heat_c": 300,
        "pm25_extra": 2500,
        "water_depth_cm": 500,
        "gas_lel_extra": 150,
        "pressure_drop_mpa": 1.0,
        "crowd": 8,
        "congestion": 1,
        "dust_extra": 6000,
        "noise_extra_db": 60,
        "leakage_extra_ma": 4000,
        "cable_heat_c": 300,
    }

    def senses(idx: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for s in KINDS[kind].senses:
            hit = rng.random(idx.size) < 0.1
            if s.endswith("_since"):
                out[s] = np.where(hit, t - rng.uniform(0, DAY, idx.size), np.nan)
            else:
                out[s] = np.where(hit, rng.uniform(0, scale[s], idx.size), 0.0)
        return out

    return senses


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_readings_stay_in_range_over_a_week(kind):
    interval = 3600.0 if kind == "air_station" else 900.0
    fleet = fleet_of(kind, 12, interval, seed=5)
    r = run(fleet, week_sky(3), 0.0, WEEK, wild_senses(kind, np.random.default_rng(4)))
    assert r.t.size == 12 * WEEK / interval
    assert set(r.v) == {m.name for m in KINDS[kind].metrics}
    for m in KINDS[kind].metrics:
        v = r.v[m.name]
        assert v.shape == r.t.shape
        assert np.all(np.isfinite(v)), m.name
        assert v.min() >= m.lo and v.max() <= m.hi, (m.name, v.min(), v.max())
        assert np.array_equal(np.round(v, m.decimals), v), m.name
        if m.name not in ("screen_on", "broadcast_on"):  # those change only by command
            assert np.ptp(v) > 0, m.name


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_fleets_are_reproducible_and_any_interval_works(kind):
    for interval, span in ((60.0, 4 * H), (3600.0, 2 * DAY)):
        a = run(fleet_of(kind, 4, interval, seed=9), week_sky(), 0.0, span)
        b = run(fleet_of(kind, 4, interval, seed=9), week_sky(), 0.0, span)
        assert a.t.size == 4 * span / interval
        for name in a.v:
            assert np.array_equal(a.v[name], b.v[name]), name


# --------------------------------------------------------------------------- senses


def _compare(kind: str, sense: str, value: float, **params: object):
    """The same fleet (same seed) over two days, with and without `sense` held at `value`
    during the second day: readings of that day without and with it."""

    def exposed(idx, t):
        if sense.endswith("_since"):
            return {sense: np.where(t >= DAY, DAY, np.nan)}
        return {sense: np.where(t >= DAY, value, 0.0)}

    sky = week_sky(1)
    base = run(fleet_of(kind, 20, 600.0, seed=7, **params), sky, 0.0, 2 * DAY)
    hit = run(fleet_of(kind, 20, 600.0, seed=7, **params), sky, 0.0, 2 * DAY, exposed)
    second = base.t >= DAY
    assert np.array_equal(base.t, hit.t)
    return (
        {k: v[second] for k, v in base.v.items()},
        {k: v[second] for k, v in hit.v.items()},
        base.tod[second],
    )


# kind, sense, value, metric, expected change of the metric's mean ("up" / "down")
DIRECTIONS = [
    ("smart_pole", "pm25_extra", 150.0, "pm25", "up"),
    ("smart_pole", "dust_extra", 200.0, "pm10", "up"),
    ("smart_pole", "noise_extra_db", 20.0, "noise_db", "up"),
    ("smart_pole", "crowd", 3.0, "wifi_users", "up"),
    ("smart_pole", "lamp_failed_since", 0.0, "lamp_on", "down"),
    ("air_station", "pm25_extra", 100.0, "pm25", "up"),
    ("air_station", "pm25_extra", 100.0, "pm10", "up"),
    ("air_station", "dust_extra", 300.0, "pm10", "up"),
    ("construction_site", "dust_extra", 300.0, "dust_pm10", "up"),
    ("construction_site", "noise_extra_db", 25.0, "noise_dba", "up"),
    ("water_level", "water_depth_cm", 40.0, "water_cm", "up"),
    ("pump_station", "pump_failed_since", 0.0, "pump_fault", "up"),
    ("manhole_cover", "manhole_open_since", 0.0, "tilt_deg", "up"),
    ("smoke_detector", "smoke_pct_m", 10.0, "smoke_pct_m", "up"),
    ("smoke_detector", "heat_c", 30.0, "temp_c", "up"),
    ("gas_detector", "gas_lel_extra", 30.0, "gas_lel_pct", "up"),
    ("electrical_fire", "leakage_extra_ma", 400.0, "leakage_ma", "up"),
    ("electrical_fire", "cable_heat_c", 40.0, "cable_temp_c", "up"),
    ("electrical_fire", "heat_c", 60.0, "cable_temp_c", "up"),
    ("hydrant", "pressure_drop_mpa", 0.15, "pressure_mpa", "down"),
    ("parking_space", "crowd", 2.0, "occupied", "up"),
    ("car_park", "crowd", 2.0, "occupancy_pct", "up"),
    ("car_park", "crowd", 2.0, "free_spaces", "down"),
    ("ev_charger", "charger_failed_since", 0.0, "power_kw", "down"),
    ("smart_bin", "bin_overflow_since", 0.0, "fill_pct", "up"),
    ("smart_bin", "heat_c", 80.0, "temp_c", "up"),
    ("smart_bin", "crowd", 2.0, "fill_pct", "up"),
    ("public_toilet", "crowd", 3.0, "people_count", "up"),
    ("public_toilet", "crowd", 3.0, "nh3_ppm", "up"),
    ("traffic_detector", "congestion", 1.0, "speed_kmh", "down"),
    ("traffic_detector", "congestion", 1.0, "occupancy_pct", "up"),
    ("traffic_detector", "congestion", 1.0, "flow_vph", "down"),
]


def test_every_sense_of_every_kind_is_exercised():
    covered = {(kind, sense) for kind, sense, *_ in DIRECTIONS}
    covered |= {("smart_pole", "sos_since")}  # tested on its own below
    wanted = {(k.name, s) for k in KINDS.values() for s in k.senses}
    assert wanted <= covered, wanted - covered


@pytest.mark.parametrize(("kind", "sense", "value", "metric", "direction"), DIRECTIONS)
def test_senses_move_readings_the_right_way(kind, sense, value, metric, direction):
    base, hit, _ = _compare(kind, sense, value)
    before, after = base[metric].mean(), hit[metric].mean()
    if direction == "up":
        assert after > before, (before, after)
    else:
        assert after < before, (before, after)
    # Nothing else moves the wrong way because of an unrelated metric's exposure.
    assert np.all(np.isfinite(hit[metric]))


def test_incident_flags_follow_their_since_condition():
    base, hit, _ = _compare("smart_pole", "sos_since", 0.0)
    assert np.all(hit["sos"] == 1) and np.all(base["sos"] == 0)
    base, hit, _ = _compare("manhole_cover", "manhole_open_since", 0.0)
    assert np.all(hit["open"] == 1) and np.all(base["open"] == 0)
    assert np.all(hit["tilt_deg"] > 10) and np.all(base["tilt_deg"] < 6)
    base, hit, _ = _compare("smart_bin", "bin_overflow_since", 0.0)
    assert np.all(hit["fill_pct"] >= 100) and np.all(base["fill_pct"] < 100)
    base, hit, _ = _compare("ev_charger", "charger_failed_since", 0.0)
    assert np.all(hit["status"] == 2) and np.all(hit["power_kw"] == 0)
    assert set(np.unique(base["status"])) == {0, 1}
    # A condition that has not started yet (a time after the reading) does nothing.
    fleet = fleet_of("smart_pole", 5)
    r = at(fleet, Sky(), 1000.0, sos_since=5000.0)
    assert np.all(r["sos"] == 0)


def test_gas_leak_adds_its_concentration():
    fleet = fleet_of("gas_detector", 30, nuisance_per_day=0.0)
    clean = at(fleet, Sky(), 10 * H)
    leak = at(fleet, Sky(), 10 * H + 600, gas_lel_extra=30.0)
    assert np.all(clean["gas_lel_pct"] < 2.0)
    assert np.all(np.abs(leak["gas_lel_pct"] - clean["gas_lel_pct"] - 30.0) < 1.0)


def test_hydrant_pressure_drop_never_reads_below_zero():
    fleet = fleet_of("hydrant", 30)
    normal = run(fleet_of("hydrant", 30), week_sky(), 0.0, WEEK)
    assert normal.v["pressure_mpa"].min() >= 0.14  # normal operation per GB 55036-2022
    assert normal.v["pressure_mpa"].max() < 0.5
    r = at(fleet, Sky(), 3 * H, pressure_drop_mpa=5.0)
    assert np.all(r["pressure_mpa"] == 0.0)
    half = at(fleet, Sky(), 3 * H, pressure_drop_mpa=0.2)
    assert np.all(half["pressure_mpa"] < 0.25)


def test_pump_fault_runs_fewer_pumps_and_the_sump_rises():
    def storm(idx, t):
        return {"pump_failed_since": np.where(t >= 0, 0.0, np.nan)}

    sky = Sky(spells=[(2 * H, 8 * H, 25.0)])
    ok = run(fleet_of("pump_station", 8, 300.0, seed=3), sky, 0.0, 12 * H)
    bad = run(fleet_of("pump_station", 8, 300.0, seed=3), sky, 0.0, 12 * H, storm)
    assert np.all(bad.v["pump_fault"] == 1) and np.all(ok.v["pump_fault"] == 0)
    assert bad.v["pumps_running"].max() <= 2 < ok.v["pumps_running"].max()
    rain = in_hours(ok.tod, 4, 8)
    assert bad.v["sump_level_m"][rain].mean() > ok.v["sump_level_m"][rain].mean() + 0.5
    assert bad.v["power_kw"].mean() < ok.v["power_kw"].mean()


def test_congestion_drops_speed_to_a_crawl():
    fleet = fleet_of("traffic_detector", 30, 300.0)
    free = at(fleet, Sky(), 8 * H)
    jam = at(fleet, Sky(), 8 * H, congestion=1.0)
    assert np.all(free["speed_kmh"] > 35)
    assert np.all(jam["speed_kmh"] < 13) and np.median(jam["speed_kmh"]) > 4
    assert np.all(jam["occupancy_pct"] > free["occupancy_pct"])
    assert jam["flow_vph"].mean() < 0.7 * free["flow_vph"].mean()
    # Partial congestion lies in between.
    half = at(fleet, Sky(), 8 * H, congestion=0.5)
    assert jam["speed_kmh"].mean() < half["speed_kmh"].mean() < free["speed_kmh"].mean()


# --------------------------------------------------------------------------- daily shape


def test_traffic_flow_peaks_in_the_morning_and_weekends_are_flatter():
    r = run(fleet_of("traffic_detector", 10, 300.0), Sky(), 0.0, WEEK)
    weekday = r.dow < 5
    rush = r.v["flow_vph"][weekday & in_hours(r.tod, 7.5, 8.5)].mean()
    night = r.v["flow_vph"][weekday & in_hours(r.tod, 2.5, 3.5)].mean()
    assert rush > 5 * night
    weekend_morning = r.v["flow_vph"][~weekday & in_hours(r.tod, 7.5, 8.5)].mean()
    assert weekend_morning < 0.7 * rush
    assert (
        r.v["speed_kmh"][weekday & in_hours(r.tod, 2.5, 3.5)].mean()
        > r.v["speed_kmh"][weekday & in_hours(r.tod, 7.5, 8.5)].mean()
    )


def test_street_noise_and_wifi_follow_the_day():
    r = run(fleet_of("smart_pole", 10, 300.0), Sky(), 0.0, 2 * DAY)
    noise, wifi = r.v["noise_db"], r.v["wifi_users"]
    assert noise[in_hours(r.tod, 7.5, 8.5)].mean() > noise[in_hours(r.tod, 2.5, 3.5)].mean() + 8
    assert 45 < noise.mean() < 75
    assert wifi[in_hours(r.tod, 19.5, 20.5)].mean() > 5 * max(
        wifi[in_hours(r.tod, 3.5, 4.5)].mean(), 0.5
    )


def test_construction_is_quiet_at_night_and_dusty_by_day():
    sky = Sky()  # dry
    r = run(fleet_of("construction_site", 10, 300.0), sky, 0.0, 3 * DAY)
    night = in_hours(r.tod, 22, 24) | in_hours(r.tod, 0, 6)
    work = in_hours(r.tod, 9, 11.5) | in_hours(r.tod, 14, 18)
    noise, dust = r.v["noise_dba"], r.v["dust_pm10"]
    assert noise[night].max() < 55  # GB 12523-2011 night limit
    assert noise[work].mean() > noise[night].mean() + 8
    assert np.mean(noise[work] > 70) < 0.02  # day limit 70: rarely exceeded without incidents
    assert dust[work].mean() > dust[night].mean() + 30
    # Rain damps the dust.
    wet = run(
        fleet_of("construction_site", 10, 300.0), Sky(spells=[(0, 3 * DAY, 3.0)]), 0.0, 3 * DAY
    )
    assert wet.v["dust_pm10"][work].mean() < dust[work].mean() - 20


def test_mist_cannon_switches_on_above_its_threshold_and_cuts_site_dust():
    fleet = fleet_of("construction_site", 20, 300.0, site_dust_ug=250.0, mist_threshold_ug=150)
    r = run(fleet, Sky(), 0.0, 2 * DAY)
    dust, mist = r.v["dust_pm10"], r.v["mist_on"]
    assert np.all(mist[dust > 150] == 1)
    assert np.all(mist[dust < 120] == 0)
    assert 0.05 < mist.mean() < 0.8
    never = fleet_of("construction_site", 20, 300.0, site_dust_ug=250.0, mist_threshold_ug=1e6)
    r2 = run(never, Sky(), 0.0, 2 * DAY)
    assert np.all(r2.v["mist_on"] == 0)
    assert dust.mean() < r2.v["dust_pm10"].mean() - 10


def test_hydrant_pressure_dips_at_demand_peaks():
    r = run(fleet_of("hydrant", 20, 300.0), Sky(), 0.0, 5 * DAY)
    p = r.v["pressure_mpa"]
    assert p[in_hours(r.tod, 7, 7.5)].mean() < p[in_hours(r.tod, 3, 3.5)].mean() - 0.03
    assert p[in_hours(r.tod, 19, 20)].mean() < p[in_hours(r.tod, 3, 3.5)].mean() - 0.03


def test_electrical_load_raises_leakage_and_cable_temperature_by_day():
    r = run(fleet_of("electrical_fire", 30, 300.0, commercial_share=1.0), Sky(), 0.0, 3 * DAY)
    day = in_hours(r.tod, 12, 15) & (r.dow < 5)
    night = in_hours(r.tod, 2, 5)
    assert r.v["leakage_ma"][day].mean() > 1.5 * r.v["leakage_ma"][night].mean()
    assert r.v["cable_temp_c"][day].mean() > r.v["cable_temp_c"][night].mean() + 5
    assert r.v["leakage_ma"].max() < 250  # natural leakage stays below a 300 mA alarm


def test_toilet_visits_follow_activity_and_cleaning_clears_odour():
    fleet = fleet_of("public_toilet", 20, 300.0)
    r = run(fleet, Sky(), 0.0, 3 * DAY)
    people, nh3 = r.v["people_count"], r.v["nh3_ppm"]
    assert people[in_hours(r.tod, 11, 12)].mean() > 5 * max(
        people[in_hours(r.tod, 3, 4)].mean(), 0.1
    )
    before = nh3[in_hours(r.tod, 11.75, 12.0)].mean()  # just before the noon round
    after = nh3[in_hours(r.tod, 12.0, 12.25)].mean()
    assert after < 0.5 * before
    assert r.v["h2s_ppm"].max() < 0.1 and nh3.max() < 3.0


def test_air_station_follows_the_background_with_siting():
    fleet = fleet_of("air_station", 30, 3600.0, roadside_share=0.5)
    r = run(fleet, Sky(), 0.0, 4 * DAY)
    sky = Sky()
    cond = sky.conditions(r.idx, r.t)
    for metric, ambient in (
        ("pm25", "ambient_pm25"),
        ("no2", "ambient_no2"),
        ("o3", "ambient_o3"),
        ("co", "ambient_co"),
    ):
        ratio = r.v[metric].mean() / cond[ambient].mean()
        assert 0.8 < ratio < 1.4, (metric, ratio)
        assert np.corrcoef(r.v[metric], cond[ambient])[0, 1] > 0.6, metric
    assert np.all(r.v["pm10"] >= r.v["pm25"])
    road = fleet.road[r.idx] > 0.5
    rush = in_hours(r.tod, 7, 9) & (r.dow < 5)
    assert r.v["no2"][road & rush].mean() > 1.2 * r.v["no2"][~road & rush].mean()


# --------------------------------------------------------------------------- water


def test_river_rises_slowly_after_rain_and_recedes_more_slowly():
    sky = Sky(spells=[(6 * H, 12 * H, 10.0)])  # 60 mm in six hours
    fleet = fleet_of("river_level", 10, 600.0)
    r = run(fleet, sky, 0.0, 3 * DAY)
    _, v = r.of(0)
    t, _ = r.of(0)
    base = v["level_m"][t < 6 * H].mean()
    peak_at = t[np.argmax(v["level_m"])]
    assert 12 * H <= peak_at < 20 * H  # after the rain, not at once
    assert v["level_m"].max() > base + 1.0
    assert v["level_m"][(t > 10 * H) & (t < 11 * H)].mean() > base + 0.3
    after = v["level_m"][(t > 2 * DAY) & (t < 2 * DAY + H)].mean()
    assert base + 0.1 < after < v["level_m"].max() - 0.5  # still receding a day and a half on
    total = r.v["rain_mm"][r.idx == 0].sum()
    assert 45 < total < 80  # 60 mm, give or take the gauge's catch and a patchy shower
    assert np.all(r.v["rain_mm"][(r.t < 6 * H) | (r.t >= 12 * H)] == 0)
    assert np.allclose(fleet.warning_level_m, 4.5)


def test_pump_station_runs_more_pumps_in_heavy_rain():
    sky = Sky(spells=[(DAY, DAY + 4 * H, 30.0)])
    r = run(fleet_of("pump_station", 10, 300.0), sky, 0.0, 2 * DAY)
    dry = r.t < DAY
    storm = (r.t >= DAY + 1 * H) & (r.t < DAY + 4 * H)
    assert r.v["pumps_running"][dry].max() <= 2
    assert r.v["pumps_running"][storm].mean() >= 3
    assert r.v["sump_level_m"][storm].mean() > r.v["sump_level_m"][dry].mean() + 0.5
    assert r.v["sump_level_m"][dry].max() < 3.0
    ratio = r.v["power_kw"] / np.maximum(r.v["pumps_running"], 1)
    assert np.all(ratio[r.v["pumps_running"] > 0] > 30)
    assert np.all(r.v["power_kw"][r.v["pumps_running"] == 0] < 3)


def test_manhole_water_rises_with_rain_and_stays_in_the_chamber():
    sky = Sky(spells=[(DAY, DAY + 3 * H, 40.0)])
    fleet = fleet_of("manhole_cover", 15, 300.0)
    r = run(fleet, sky, 0.0, 2 * DAY)
    dry = r.v["water_cm"][r.t < DAY]
    wet = r.v["water_cm"][(r.t >= DAY + H) & (r.t < DAY + 3 * H)]
    assert dry.max() < 60 and wet.mean() > dry.mean() + 40
    assert np.all(r.v["water_cm"] <= fleet.depth[r.idx] + 2.5)
    assert np.all(r.v["open"] == 0) and r.v["tilt_deg"].max() < 6


# --------------------------------------------------------------------------- stateful kinds


def test_parking_spaces_keep_their_state_with_realistic_dwell():
    fleet = fleet_of("parking_space", 200, 120.0, seed=11)
    r = run(fleet, Sky(), 0.0, 4 * DAY)
    changes = []
    for dev in range(fleet.n):
        _, v = r.of(dev)
        changes.append(np.count_nonzero(np.diff(v["occupied"])))
        assert np.all(np.diff(v["battery_pct"]) <= 0)
    per_day = np.array(changes) / 4.0
    assert 1 <= np.median(per_day) <= 25  # a few cars a day, not a coin toss per reading
    assert per_day.max() < 60
    shops = ~fleet.residential[r.idx]
    busy = in_hours(r.tod, 11, 17) & (r.dow < 5)
    night = in_hours(r.tod, 2, 5)
    assert r.v["occupied"][shops & busy].mean() > r.v["occupied"][shops & night].mean() + 0.4
    assert r.v["occupied"][~shops & night].mean() > r.v["occupied"][~shops & busy].mean() + 0.2


def test_car_park_free_spaces_match_capacity_and_use():
    fleet = fleet_of("car_park", 40, 300.0, seed=12)
    r = run(fleet, Sky(), 0.0, 7 * DAY)
    cap = fleet.capacity[r.idx]
    occupied = np.round(cap * r.v["occupancy_pct"] / 100.0)
    assert np.all(np.abs(occupied + r.v["free_spaces"] - cap) <= 1)
    office = fleet.use[r.idx] == 0
    work = in_hours(r.tod, 10, 16) & (r.dow < 5)
    assert r.v["occupancy_pct"][office & work].mean() > 70
    assert r.v["occupancy_pct"][office & in_hours(r.tod, 2, 5)].mean() < 30
    with pytest.raises(ValueError):
        fleet.capacity[0] = 1
    one = fleet_of("car_park", 3, use="mall", capacity=500)
    assert np.all(one.capacity == 500)


def test_ev_charger_sessions_and_meter():
    fleet = fleet_of("ev_charger", 30, 300.0, seed=13)
    r = run(fleet, Sky(), 0.0, 3 * DAY)
    status, power = r.v["status"], r.v["power_kw"]
    assert set(np.unique(status)) == {0, 1}
    assert np.all(power[status == 0] == 0) and np.all(power[status == 1] > 0)
    assert 0.05 < (status == 1).mean() < 0.6
    for dev in range(fleet.n):
        _, v = r.of(dev)
        meter = v["energy_kwh"]
        assert np.all(np.diff(meter) >= 0)
        # The meter adds at most the previous power over the interval.
        assert np.all(np.diff(meter) <= v["power_kw"][:-1] * 300 / 3600 * 1.05 + 0.02)
    assert np.all(power <= fleet.rated[r.idx] * 1.1)


def test_bins_fill_with_activity_and_are_emptied_on_rounds():
    fleet = fleet_of("smart_bin", 20, 300.0, seed=14)
    r = run(fleet, Sky(), 0.0, 3 * DAY)
    fill = r.v["fill_pct"]
    before = fill[in_hours(r.tod, 17.5, 18.0) & (r.t > DAY)].mean()
    after = fill[in_hours(r.tod, 18.0, 18.25) & (r.t > DAY)].mean()
    assert after < 10 and before > after + 20
    assert fill[in_hours(r.tod, 5.5, 6.0)].mean() > fill[in_hours(r.tod, 6.0, 6.25)].mean()
    assert fill.max() < 100  # only an overflow incident reaches the rim
    later = fleet_of("smart_bin", 20, 300.0, seed=14, collect_at=["09:00"])
    r2 = run(later, Sky(), 0.0, 2 * DAY)
    assert r2.v["fill_pct"][in_hours(r2.tod, 9.0, 9.25)].mean() < 10
    assert r2.v["fill_pct"][in_hours(r2.tod, 18.0, 18.25)].mean() > 20


def test_battery_only_drains():
    for kind in ("manhole_cover", "gas_detector", "parking_space"):
        r = run(fleet_of(kind, 5, 600.0), week_sky(), 0.0, 2 * DAY)
        for dev in range(5):
            _, v = r.of(dev)
            assert np.all(np.diff(v["battery_pct"]) <= 0), kind


# --------------------------------------------------------------------------- smart pole

POLE = {
    "rated_w": 200,
    "standby_w": 5,
    "lamp_on_at": "19:30",
    "lamp_off_at": "05:15",
    "dim_at": "23:30",
    "dim_pct": 60,
}


def pole(n: int = 6) -> SmartPoleFleet:
    return SmartPoleFleet(n, 300.0, np.random.default_rng(31), POLE)


def all_idx(fleet: Fleet) -> np.ndarray:
    return np.arange(fleet.n)


def test_pole_dim_command_halves_the_power():
    fleet = pole()
    sky = Sky()
    assert fleet.command(all_idx(fleet), "dim", {"pct": 50}, 0.0) == (
        "ok",
        "6 lamp(s) dimmed to 50% until 'auto'",
    )
    r = at(fleet, sky, clock_s("21:00"))
    assert np.all(r["dim_pct"] == 50) and np.all(r["lamp_on"] == 1)
    assert np.all(np.abs(r["power_w"] - (0.5 * 200 + 5)) < 8)
    # Manual brightness holds by day too, until 'auto'.
    assert np.all(at(fleet, sky, DAY + clock_s("12:00"))["lamp_on"] == 1)
    assert fleet.command(all_idx(fleet), "auto", {}, 0.0)[0] == "ok"
    assert np.all(at(fleet, sky, 2 * DAY + clock_s("12:00"))["lamp_on"] == 0)
    r = at(fleet, sky, 2 * DAY + clock_s("21:00"))
    assert np.all(r["dim_pct"] == 100) and np.all(np.abs(r["power_w"] - 205) < 12)


def test_pole_on_off_and_auto():
    fleet = pole()
    sky = Sky()
    idx = np.array([1, 3])
    assert fleet.command(idx, "off", {}, 0.0)[0] == "ok"
    r = at(fleet, sky, clock_s("21:00"))
    assert r["lamp_on"].tolist() == [1, 0, 1, 0, 1, 1]
    assert np.all(r["power_w"][idx] < 7) and np.all(r["dim_pct"][idx] == 0)
    assert fleet.command(np.array([0]), "on", {}, 0.0)[0] == "ok"
    noon = at(fleet, sky, DAY + clock_s("12:00"))
    assert noon["lamp_on"].tolist() == [1, 0, 0, 0, 0, 0]
    assert abs(noon["power_w"][0] - 205) < 12  # forced on: rated power
    fleet.command(all_idx(fleet), "auto", {}, 0.0)
    r = at(fleet, sky, DAY + clock_s("21:00"))
    assert np.all(r["lamp_on"] == 1) and np.all(r["dim_pct"] == 100)
    assert np.all(at(fleet, sky, 2 * DAY + clock_s("12:00"))["lamp_on"] == 0)


def test_pole_schedule_command_moves_dimming_and_switching():
    fleet = pole()
    sky = Sky()
    assert at(fleet, sky, clock_s("22:00"))["dim_pct"].tolist() == [100] * 6
    status, detail = fleet.command(
        np.array([0, 1, 2]), "schedule", {"dim_at": "21:00", "dim_pct": 30}, 0.0
    )
    assert status == "ok" and "dim_at" in detail
    r = at(fleet, sky, DAY + clock_s("22:00"))
    assert r["dim_pct"].tolist() == [30, 30, 30, 100, 100, 100]
    assert r["power_w"][:3].max() < r["power_w"][3:].min()
    assert at(fleet, sky, DAY + clock_s("20:30"))["dim_pct"].tolist() == [100] * 6
    fleet.command(all_idx(fleet), "schedule", {"lamp_on_at": "18:00", "lamp_off_at": "06:30"}, 0.0)
    assert np.all(at(fleet, sky, 2 * DAY + clock_s("18:30"))["lamp_on"] == 1)
    assert np.all(at(fleet, sky, 3 * DAY + clock_s("06:00"))["lamp_on"] == 1)
    assert np.all(at(fleet, sky, 3 * DAY + clock_s("06:45"))["lamp_on"] == 0)


def test_pole_failed_lamp_draws_standby_whatever_the_command():
    fleet = pole(4)
    sky = Sky()
    failed = np.array([0.0, np.nan, np.nan, np.nan])
    fleet.command(all_idx(fleet), "on", {}, 0.0)
    r = at(fleet, sky, clock_s("12:00"), lamp_failed_since=failed)
    assert r["lamp_on"].tolist() == [0, 1, 1, 1]
    assert r["power_w"][0] < 7 and r["lamp_fault"].tolist() == [1, 0, 0, 0]


def test_pole_screen_and_broadcast():
    fleet = pole(3)
    sky = Sky()
    assert np.all(at(fleet, sky, 0.0)["screen_on"] == 0)
    assert fleet.command(np.array([2]), "led_text", {"text": "前方积水 请绕行"}, 0.0)[0] == "ok"
    assert at(fleet, sky, 300.0)["screen_on"].tolist() == [0, 0, 1]
    assert fleet.led_text[2] == "前方积水 请绕行"
    fleet.command(np.array([2]), "led_text", {"text": ""}, 0.0)
    assert at(fleet, sky, 600.0)["screen_on"].tolist() == [0, 0, 0]
    fleet.command(np.array([0, 1]), "broadcast", {"on": True, "message": "请注意安全"}, 0.0)
    assert at(fleet, sky, 900.0)["broadcast_on"].tolist() == [1, 1, 0]
    fleet.command(np.array([0]), "broadcast", {"on": False}, 0.0)
    assert at(fleet, sky, 1200.0)["broadcast_on"].tolist() == [0, 1, 0]


@pytest.mark.parametrize(
    ("action", "params", "words"),
    [
        ("dim", {"pct": 150}, "between 0 and 100"),
        ("dim", {"pct": "50"}, "must be a number"),
        ("dim", {"pct": True}, "must be a number"),
        ("dim", {}, "missing parameter 'pct'"),
        ("dim", {"pct": 50, "fade_s": 3}, "unknown: fade_s"),
        ("schedule", {}, "at least one of"),
        ("schedule", {"lamp_on_at": "25:00"}, "clock time"),
        ("schedule", {"dim_at": 1900}, "clock time"),
        ("schedule", {"dim_at": "23:00", "dim_pct": -5}, "between 0 and 100"),
        ("schedule", {"sunset": "18:00"}, "unknown: sunset"),
        ("led_text", {}, "needs text"),
        ("led_text", {"text": 42}, "needs text"),
        ("led_text", {"text": "x" * 201}, "201 characters"),
        ("broadcast", {"on": "yes"}, "needs on"),
        ("broadcast", {"on": True, "message": 7}, "message must be a string"),
        ("on", {"pct": 10}, "takes no parameters"),
    ],
)
def test_pole_rejects_bad_params_and_changes_nothing(action, params, words):
    fleet = pole(3)
    before = at(fleet, Sky(), clock_s("22:00"))
    status, detail = fleet.command(all_idx(fleet), action, params, 0.0)
    assert status == "rejected" and words in detail, detail
    after = at(fleet, Sky(), clock_s("22:05"))
    for name in ("lamp_on", "dim_pct", "screen_on", "broadcast_on"):
        assert np.array_equal(before[name], after[name]), name
    assert np.all(fleet.dim_s == clock_s("23:30")) and np.all(fleet.dim_level == 60)


def test_pole_unknown_action_and_bad_devices():
    fleet = pole(3)
    status, detail = fleet.command(all_idx(fleet), "explode", {}, 0.0)
    assert status == "unsupported" and "explode" in detail
    assert fleet.command(np.array([3]), "on", {}, 0.0)[0] == "rejected"
    assert fleet.command(np.array([], dtype=int), "on", {}, 0.0)[0] == "rejected"
    assert set(SmartPoleFleet.COMMANDS) == {
        "on",
        "off",
        "auto",
        "dim",
        "schedule",
        "led_text",
        "broadcast",
    }


def test_pole_rated_power_is_per_device_and_read_only():
    fleet = SmartPoleFleet(50, 300.0, np.random.default_rng(1), {"rated_w": [100, 150, 250]})
    assert set(np.unique(fleet.rated_w)) == {100.0, 150.0, 250.0}
    with pytest.raises(ValueError):
        fleet.rated_w[0] = 1.0
    r = at(fleet, Sky(), clock_s("21:00"))
    assert np.all(np.abs(r["power_w"] - fleet.rated_w - 4) < 0.1 * fleet.rated_w)
    assert np.all(pole(2).rated_w == 200)


# --------------------------------------------------------------------------- per-device attrs


@pytest.mark.parametrize(
    ("kind", "attr", "params", "expected"),
    [
        ("smart_pole", "rated_w", {"rated_w": 120}, {120.0}),
        ("traffic_detector", "free_flow_kmh", {"free_speed_kmh": 80}, None),
        ("car_park", "capacity", {"capacity": 300}, {300}),
        ("river_level", "warning_level_m", {"warning_level_m": 5.2}, {5.2}),
        ("pump_station", "pumps", {"pumps": [2, 6]}, {2, 6}),
    ],
)
def test_per_device_attributes_the_registry_publishes(kind, attr, params, expected):
    """Arrays of one value per device, which the world publishes in the device registry."""
    fleet = fleet_of(kind, 40, **params)
    values = getattr(fleet, attr)
    assert isinstance(values, np.ndarray) and values.shape == (40,)
    if expected is not None:
        assert set(np.unique(values).tolist()) == expected
    else:
        assert 60 < values.mean() < 100 and np.ptp(values) > 0


def test_pump_stations_never_run_more_pumps_than_they_have():
    sky = Sky(spells=[(H, 5 * H, 60.0)])  # a cloudburst: every pump that can run, runs
    fleet = fleet_of("pump_station", 20, 300.0, pumps=[1, 3])
    r = run(fleet, sky, 0.0, 8 * H)
    pumps = fleet.pumps[r.idx]
    assert np.all(r.v["pumps_running"] <= pumps)
    storm = (r.t > 3 * H) & (r.t < 5 * H)
    assert np.all(r.v["pumps_running"][storm] == pumps[storm])
    assert r.v["sump_level_m"][storm].max() > 5.5  # more rain than even three pumps can lift
