"""Device fleets: reporting schedule, ranges, controller logic and sensor behaviour.

Fleets are driven directly with condition arrays built from `Weather.ambient` plus the
kind-specific senses, the way the world drives them, but without incidents or SimPy.
"""

from __future__ import annotations

import numpy as np
import pytest

from devices import COMMON_CONDITIONS, FLEET_MODELS, KINDS
from devices.base import Fleet
from devices.schedule import clock_s
from devices.smart_pole import SmartPoleFleet
from devices.smoke_detector import SmokeDetectorFleet
from devices.water_level import WaterLevelFleet
from sim.world.weather import Weather

H = 3600.0
DAY = 86400.0
WEEK = 7 * DAY


def calm_weather(start_tod_s: float = 0.0, spells=()) -> Weather:
    return Weather((24.0, 33.0), (50.0, 85.0), (25.0, 55.0), list(spells), start_tod_s)


def no_senses(kind: str, size: int) -> dict[str, np.ndarray]:
    """The kind-specific conditions when nothing is happening at the devices."""
    out = {}
    for sense in KINDS[kind].senses:
        out[sense] = np.full(size, np.nan) if sense.endswith("_since") else np.zeros(size)
    return out


def conditions(weather: Weather, kind: str, t: np.ndarray, **senses: np.ndarray):
    cond = weather.ambient(t)
    # The world adds the grids' correlated noise; anything else the weather model does not
    # (yet) supply gets a neutral value.
    pm25 = cond["ambient_pm25"]
    neutral = {
        "dow": np.full(t.size, 2.0),
        "rain_6h_mm": 6.0 * cond["rain_mm_h"],
        "wind_ms": np.full(t.size, 2.0),
        "ambient_pm10": 1.7 * pm25,
        "ambient_no2": np.full(t.size, 30.0),
        "ambient_so2": np.full(t.size, 8.0),
        "ambient_o3": np.full(t.size, 60.0),
        "ambient_co": np.full(t.size, 0.6),
        "activity": np.full(t.size, 0.5),
        "traffic": np.full(t.size, 0.5),
        "area_noise": np.zeros(t.size),
    }
    for name in set(COMMON_CONDITIONS) - set(cond):
        cond[name] = neutral[name]
    cond.update(no_senses(kind, t.size))
    cond.update(senses)
    return cond


def run_fleet(fleet: Fleet, weather: Weather, t0: float, t1: float, senses=None):
    """Every reading of `fleet` in [t0, t1): (device index, time, seq, values) arrays.

    `senses(idx, t)` may return kind-specific conditions to override the quiet defaults.
    """
    kind = fleet.KIND.name
    idx_all, t_all, seq_all = [], [], []
    values: dict[str, list[np.ndarray]] = {m.name: [] for m in fleet.KIND.metrics}
    for idx, t in fleet.due(t0, t1):
        extra = senses(idx, t) if senses else {}
        out = fleet.produce(idx, t, conditions(weather, kind, t, **extra))
        seq = fleet.take_seq(idx)
        idx_all.append(idx)
        t_all.append(t)
        seq_all.append(seq)
        for name, col in out.items():
            values[name].append(col)
    return (
        np.concatenate(idx_all),
        np.concatenate(t_all),
        np.concatenate(seq_all),
        {name: np.concatenate(cols) for name, cols in values.items()},
    )


def at_times(fleet: Fleet, weather: Weather, times: list[float], **senses: np.ndarray):
    """Readings of every device at each given time (one produce call per time)."""
    idx = np.arange(fleet.n)
    rows = []
    for t_s in times:
        t = np.full(fleet.n, float(t_s))
        extra = {k: (v(t_s) if callable(v) else v) for k, v in senses.items()}
        rows.append(fleet.produce(idx, t, conditions(weather, fleet.KIND.name, t, **extra)))
    return rows


# --------------------------------------------------------------------------- kinds


def test_fleet_models_and_kinds_agree():
    assert set(FLEET_MODELS) == set(KINDS)
    assert {"smart_pole", "water_level", "smoke_detector"} <= set(KINDS)
    for name, cls in FLEET_MODELS.items():
        assert cls.KIND is KINDS[name]
    prefixes = [k.id_prefix for k in KINDS.values()]
    assert len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_description(kind):
    k = KINDS[kind]
    assert k.name == kind
    for text in (k.name_zh, k.name_en, k.id_prefix):
        assert isinstance(text, str) and text.strip()
    assert k.id_prefix.isalnum() and k.id_prefix.isupper()
    assert len(k.metrics) >= 1
    names = [m.name for m in k.metrics]
    assert len(set(names)) == len(names)
    for m in k.metrics:
        assert isinstance(m.unit, str)
        assert m.name_zh.strip() and m.name_en.strip()
        assert m.lo < m.hi
        assert isinstance(m.decimals, int) and m.decimals >= 0
    # The world supplies the common conditions plus exactly these senses.
    assert not set(k.senses) & set(COMMON_CONDITIONS)
    desc = k.describe()
    assert desc["name"] == kind
    assert [r["name"] for r in desc["readings"]] == names
    assert all(isinstance(r["unit"], str) for r in desc["readings"])
    assert [r["range"] for r in desc["readings"]] == [[m.lo, m.hi] for m in k.metrics]
    assert desc["alarms"] and all(isinstance(a, str) for a in desc["alarms"])


# --------------------------------------------------------------------------- ranges


def _wild_senses(kind: str, rng: np.random.Generator):
    """Occasional strong exposures, some beyond what a sensor can measure."""

    def senses(idx: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        size = idx.size
        hit = rng.random(size) < 0.1
        if kind == "smart_pole":
            failed = np.where(hit, t - rng.uniform(0, 2 * DAY, size), np.nan)
            return {
                "lamp_failed_since": failed,
                "pm25_extra": np.where(rng.random(size) < 0.1, rng.uniform(0, 2500, size), 0.0),
            }
        if kind == "water_level":
            return {"water_depth_cm": np.where(hit, rng.uniform(0, 500, size), 0.0)}
        return {
            "smoke_pct_m": np.where(hit, rng.uniform(0, 200, size), 0.0),
            "heat_c": np.where(hit, rng.uniform(0, 200, size), 0.0),
        }

    return senses


# Every other kind: tests/test_device_kinds.py.
@pytest.mark.parametrize("kind", ["smart_pole", "smoke_detector", "water_level"])
def test_readings_stay_in_range_over_a_week(kind):
    rng = np.random.default_rng(11)
    # Extreme ambient ranges so that the clipping of temperature and humidity is exercised.
    starts = np.arange(7) * DAY + rng.uniform(0, 20 * H, 7)
    spells = [(s, s + rng.uniform(0.5, 4) * H, rng.uniform(1, 120)) for s in starts]
    weather = Weather((-55.0, 75.0), (0.0, 100.0), (0.0, 600.0), spells, 6 * H)
    fleet = FLEET_MODELS[kind](
        25,
        300,
        np.random.default_rng(12),
        {"nuisance_per_day": 3.0} if kind == "smoke_detector" else {},
    )
    _, t, _, values = run_fleet(fleet, weather, 0.0, WEEK, _wild_senses(kind, rng))
    assert t.size == 25 * 7 * 288
    assert set(values) == {m.name for m in KINDS[kind].metrics}
    for m in KINDS[kind].metrics:
        v = values[m.name]
        assert v.shape == t.shape
        assert np.all(np.isfinite(v)), m.name
        assert v.min() >= m.lo and v.max() <= m.hi, (m.name, v.min(), v.max())
        assert np.array_equal(np.round(v, m.decimals), v), m.name
        if m.name not in ("sos", "screen_on", "broadcast_on"):  # incident / command only
            assert np.ptp(v) > 0, m.name  # readings actually vary


# --------------------------------------------------------------------------- due()


@pytest.mark.parametrize(
    ("window", "interval"), [(6 * H, 300.0), (10_000.0, 300.0), (DAY, 60.0), (5 * H, 7 * 60.0 + 13)]
)
def test_due_schedule(window, interval):
    n = 40
    fleet = WaterLevelFleet(n, interval, np.random.default_rng(3))
    seen = np.zeros(n, dtype=int)
    last_t = np.full(n, -np.inf)
    rounds = 0
    for idx, t in fleet.due(0.0, window):
        rounds += 1
        assert idx.shape == t.shape
        assert np.unique(idx).size == idx.size  # a device at most once per round
        assert np.all((t >= 0.0) & (t < window))
        assert np.all(t > last_t[idx])  # each device's readings in time order
        gaps = t - last_t[idx]
        first = np.isinf(last_t[idx])
        assert np.allclose(gaps[~first], interval)
        assert np.all(t[first] < interval)  # first reading within one interval (random phase)
        last_t[idx] = t
        seen[idx] += 1
    lo, hi = int(np.floor(window / interval)), int(np.ceil(window / interval))
    assert np.all((seen >= lo) & (seen <= hi)), (lo, hi, seen.min(), seen.max())
    assert seen.sum() > 0 and rounds == seen.max()
    # Phases are random: not every device reports at the same moment.
    assert np.unique(fleet.next_due).size == n
    # Nothing more is due in the same window.
    assert list(fleet.due(0.0, window)) == []


def test_due_consecutive_windows_lose_and_repeat_nothing():
    interval = 120.0
    one = SmokeDetectorFleet(30, interval, np.random.default_rng(5))
    two = SmokeDetectorFleet(30, interval, np.random.default_rng(5))
    whole = [(i, t) for idx, ts in one.due(0.0, 4 * H) for i, t in zip(idx, ts, strict=True)]
    pieces = [
        (i, t)
        for k in range(24)
        for idx, ts in two.due(k * 600.0, (k + 1) * 600.0)
        for i, t in zip(idx, ts, strict=True)
    ]
    assert sorted(whole) == sorted(pieces)
    assert len(whole) == 30 * 4 * H / interval


def test_due_late_start_skips_earlier_readings():
    fleet = SmartPoleFleet(20, 300.0, np.random.default_rng(8))
    got = [(idx, t) for idx, t in fleet.due(5000.0, 5000.0 + H)]
    t = np.concatenate([ts for _, ts in got])
    idx = np.concatenate([i for i, _ in got])
    assert t.min() >= 5000.0 and t.max() < 5000.0 + H
    assert np.array_equal(np.bincount(idx, minlength=20), np.full(20, 12))


def test_due_window_edges():
    """A reading exactly at t1 belongs to the next window; one just before t0 is skipped."""
    fleet = SmokeDetectorFleet(10, 120.0, np.random.default_rng(9))
    first = fleet.next_due.copy()
    edge = float(first[4])
    got = [(i, t) for idx, ts in fleet.due(0.0, edge) for i, t in zip(idx, ts, strict=True)]
    assert 4 not in {i for i, _ in got}
    assert {i for i, _ in got} == set(np.flatnonzero(first < edge).tolist())
    nxt = [(i, t) for idx, ts in fleet.due(edge, edge + 1.0) for i, t in zip(idx, ts, strict=True)]
    assert (4, edge) in nxt

    late = SmokeDetectorFleet(10, 120.0, np.random.default_rng(9))
    t0 = float(late.next_due[6]) + 0.5  # device 6's first reading is half a second too early
    got = [(i, t) for idx, ts in late.due(t0, t0 + 120.0) for i, t in zip(idx, ts, strict=True)]
    assert sorted(i for i, _ in got) == list(range(10))  # everyone once, device 6 a round later
    assert dict(got)[6] == pytest.approx(t0 - 0.5 + 120.0)
    assert all(t0 <= t < t0 + 120.0 for _, t in got)


def test_seq_counts_up_by_one_per_reading():
    fleet = WaterLevelFleet(15, 60.0, np.random.default_rng(4))
    weather = calm_weather()
    for k in range(3):  # several windows: numbering continues across them
        idx, t, seq, _ = run_fleet(fleet, weather, k * H, (k + 1) * H)
        for dev in range(15):
            mine = idx == dev
            order = np.argsort(t[mine])
            assert np.array_equal(seq[mine][order], np.arange(1, 61) + 60 * k)
    assert np.array_equal(fleet.seq, np.full(15, 180))


# --------------------------------------------------------------------------- smart pole

POLE_PARAMS = {
    "rated_w": 200,
    "standby_w": 5,
    "lamp_on_at": "19:30",
    "lamp_off_at": "05:15",
    "dim_at": "01:00",
    "dim_pct": 40,
}


def pole_fleet(n: int = 12, seed: int = 21) -> SmartPoleFleet:
    return SmartPoleFleet(n, 300.0, np.random.default_rng(seed), POLE_PARAMS)


def test_pole_lamp_schedule_power_and_dimming():
    fleet = pole_fleet()
    weather = calm_weather()
    times = [
        clock_s(c) for c in ("12:00", "19:29", "19:30", "21:00", "00:30", "01:30", "05:14", "05:15")
    ]
    r = dict(
        zip(
            ("noon", "dusk-", "dusk", "21", "0030", "0130", "dawn-", "dawn"),
            at_times(fleet, weather, times),
            strict=True,
        )
    )
    for key in ("noon", "dusk-", "dawn"):
        assert np.all(r[key]["lamp_on"] == 0) and np.all(r[key]["dim_pct"] == 0), key
        assert np.all(np.abs(r[key]["power_w"] - 5.0) < 1.5), key  # standby only
    for key in ("dusk", "21", "0030"):
        assert np.all(r[key]["lamp_on"] == 1) and np.all(r[key]["dim_pct"] == 100), key
        assert np.all(np.abs(r[key]["power_w"] - 205.0) < 0.1 * 200), key
    for key in ("0130", "dawn-"):
        assert np.all(r[key]["lamp_on"] == 1) and np.all(r[key]["dim_pct"] == 40), key
        assert np.all(np.abs(r[key]["power_w"] - (0.4 * 200 + 5)) < 0.1 * 80), key
    assert np.all(r["21"]["lamp_fault"] == 0)
    assert r["21"]["power_w"].mean() > 2 * r["0130"]["power_w"].mean()


def test_pole_default_schedule():
    fleet = SmartPoleFleet(5, 300.0, np.random.default_rng(2))
    at = at_times(
        fleet,
        calm_weather(),
        [clock_s("19:00"), clock_s("20:00"), clock_s("23:00"), clock_s("23:45"), clock_s("06:00")],
    )
    assert [int(r["lamp_on"][0]) for r in at] == [0, 1, 1, 1, 0]
    assert [int(r["dim_pct"][0]) for r in at] == [0, 100, 100, 60, 0]
    assert abs(at[1]["power_w"].mean() - 154.0) < 5.0


@pytest.mark.parametrize("start_tod_s", [0.0, 8 * H, 21 * H])
def test_pole_day_failure_latched_at_dusk(start_tod_s):
    """A lamp failing at 10:00 is not noticed by day; from 19:30 lamp_fault stays 1."""
    n, bad = 6, 2
    fleet = pole_fleet(n)
    weather = calm_weather(start_tod_s)
    fail_t = (clock_s("10:00") - start_tod_s) % DAY + DAY  # the second 10:00 of the run
    dusk_t = fail_t + (clock_s("19:30") - clock_s("10:00"))

    def senses(idx, t):
        failed = np.where((idx == bad) & (t >= fail_t), fail_t, np.nan)
        return {"lamp_failed_since": failed}

    idx, t, _, v = run_fleet(fleet, weather, fail_t - 2 * H, fail_t + DAY + 4 * H, senses)
    mine = idx == bad
    before_dusk = mine & (t < dusk_t)
    after_dusk = mine & (t >= dusk_t)
    assert before_dusk.sum() > 80 and after_dusk.sum() > 80
    assert np.all(v["lamp_fault"][before_dusk] == 0)
    assert np.all(v["lamp_fault"][after_dusk] == 1)  # latched, also the next morning
    next_morning = after_dusk & (weather.tod(t) > clock_s("08:00")) & (t > fail_t + 12 * H)
    assert next_morning.sum() > 20
    assert np.all(v["lamp_fault"][next_morning] == 1)
    # Dark and drawing standby power once it failed, even when it should be lit.
    failed = mine & (t >= fail_t)
    assert np.all(v["lamp_on"][failed] == 0)
    assert np.all(v["power_w"][failed] < 7.0)
    # The other poles are healthy and light up at dusk.
    others = ~mine & (t >= dusk_t) & (t < dusk_t + 2 * H)
    assert np.all(v["lamp_fault"][~mine] == 0)
    assert np.all(v["lamp_on"][others] == 1)


def test_pole_night_failure_detected_at_once():
    fleet = pole_fleet(4)
    weather = calm_weather()
    fail_t = clock_s("22:00")
    failed = np.array([fail_t, np.nan, np.nan, np.nan])
    times = [fail_t, fail_t + 300, clock_s("23:59") + 0.0, DAY + clock_s("12:00")]
    rows = at_times(fleet, weather, times, lamp_failed_since=failed)
    for r in rows:
        assert r["lamp_fault"].tolist() == [1, 0, 0, 0]
    assert rows[0]["lamp_on"].tolist() == [0, 1, 1, 1]
    # Before the failure (and after a repair: the world stops sending a failure time) it is 0.
    healthy = at_times(fleet, weather, [fail_t - 300, DAY + clock_s("21:00")])
    for r in healthy:
        assert r["lamp_fault"].tolist() == [0, 0, 0, 0]
        assert r["lamp_on"].tolist() == [1, 1, 1, 1]


def test_pole_energy_never_decreases_and_integrates_power():
    n = 10
    fleet = pole_fleet(n, seed=30)
    weather = calm_weather()
    rng = np.random.default_rng(31)
    fail_at = np.where(rng.random(n) < 0.5, rng.uniform(0, 2 * DAY, n), np.inf)

    def senses(idx, t):
        return {"lamp_failed_since": np.where(t >= fail_at[idx], fail_at[idx], np.nan)}

    idx, t, _, v = run_fleet(fleet, weather, 0.0, 3 * DAY, senses)
    for dev in range(n):
        mine = np.flatnonzero(idx == dev)
        mine = mine[np.argsort(t[mine])]
        energy = v["energy_kwh"][mine]
        assert np.all(np.diff(energy) >= 0), dev
        # The meter adds power x interval for every reading after the first.
        expected = v["power_w"][mine][1:].sum() * 300.0 / 3.6e6
        assert energy[-1] - energy[0] == pytest.approx(expected, abs=0.003), dev
        assert energy[-1] - energy[0] > 0.03  # at least standby power over three days
    assert (fail_at < 2 * DAY).any() and (fail_at == np.inf).any()


# --------------------------------------------------------------------------- water level


def test_water_level_tracks_depth_and_is_never_negative():
    n = 20
    fleet = WaterLevelFleet(n, 60.0, np.random.default_rng(40))
    weather = calm_weather()

    def depth_at(t):  # dry, then a flood up to 80 cm over three hours, then draining
        return np.interp(t, [0, 2 * H, 5 * H, 8 * H, DAY], [0, 0, 80, 0, 0])

    idx, t, _, v = run_fleet(
        fleet, weather, 0.0, DAY, lambda idx, t: {"water_depth_cm": depth_at(t)}
    )
    water = v["water_cm"]
    depth = depth_at(t)
    assert np.all(water >= 0) and not np.any(np.signbit(water))
    wet = depth > 3.0
    err = water[wet] - depth[wet]
    assert wet.sum() > 1000
    assert np.abs(err).max() < 2.5  # calibration offset plus noise
    assert abs(err.mean()) < 0.3
    assert np.corrcoef(water[wet], depth[wet])[0, 1] > 0.99
    dry = depth == 0
    assert np.all(water[dry] < 1.5)
    assert water[dry].mean() < 0.5
    assert water.max() > 75
    # Battery only drains.
    for dev in range(n):
        mine = np.flatnonzero(idx == dev)
        battery = v["battery_pct"][mine[np.argsort(t[mine])]]
        assert np.all(np.diff(battery) <= 0) and battery[0] - battery[-1] < 0.2


# --------------------------------------------------------------------------- smoke detector


def _runs(high: np.ndarray) -> np.ndarray:
    """Lengths of runs of True."""
    padded = np.concatenate([[False], high, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return edges[1::2] - edges[::2]


def test_smoke_nuisance_episodes_are_short_and_rare():
    n, rate = 100, 0.5
    fleet = SmokeDetectorFleet(n, 120.0, np.random.default_rng(50), {"nuisance_per_day": rate})
    idx, t, _, v = run_fleet(fleet, calm_weather(), 0.0, WEEK)
    smoke = v["smoke_pct_m"]
    high = smoke > 3.0
    # Clean air reads near zero; a nuisance episode reads in the nuisance range.
    assert np.all(smoke[~high] < 0.2)
    assert np.all((smoke[high] >= 3.4) & (smoke[high] <= 8.3))
    runs = []
    for dev in range(n):
        mine = np.flatnonzero(idx == dev)
        runs.append(_runs(high[mine[np.argsort(t[mine])]]))
    runs = np.concatenate(runs)
    expected = rate * n * 7
    assert 0.7 * expected < runs.size < 1.3 * expected
    assert runs.max() <= 3  # episodes last one to three readings
    assert high.sum() == runs.sum()
    assert 1.2 < runs.mean() < 1.6  # lengths 1, 2, 3 with p 0.7, 0.2, 0.1: mean 1.4


def test_smoke_without_nuisance_stays_low():
    fleet = SmokeDetectorFleet(50, 120.0, np.random.default_rng(51), {"nuisance_per_day": 0})
    _, _, _, v = run_fleet(fleet, calm_weather(), 0.0, WEEK)
    assert v["smoke_pct_m"].max() < 1.0
    assert v["smoke_pct_m"].min() >= 0.0


def test_smoke_exposure_raises_reading_and_heat_raises_temperature():
    fleet = SmokeDetectorFleet(30, 120.0, np.random.default_rng(52), {"nuisance_per_day": 0})
    weather = calm_weather()
    times = [clock_s("03:00"), clock_s("15:00")]
    quiet = at_times(fleet, weather, times)
    smoky = at_times(fleet, weather, times, smoke_pct_m=np.full(30, 10.0), heat_c=np.full(30, 25.0))
    for q, s in zip(quiet, smoky, strict=True):
        assert np.all(s["smoke_pct_m"] > 3.0)
        assert np.all(np.abs(s["smoke_pct_m"] - 10.05) < 0.2)
        assert np.all(q["smoke_pct_m"] < 1.0)
        assert np.all(np.abs(s["temp_c"] - q["temp_c"] - 25.0) < 1.5)
