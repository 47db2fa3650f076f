"""The SimPy world: incidents acting on nearby devices, faults, determinism, ground truth and
shortened runs. Small scenarios are built in the tests; the demo scenario is only loaded."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from ioc.contract import Reading
from sim.scenario import INCIDENT_KINDS, Scenario, load_scenario
from sim.world import World

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"
H = 3600.0


def scenario(fleets: list[dict[str, Any]], **extra: Any) -> Scenario:
    """Two 1 km x 1 km grid cells (local metres) starting at midnight, plus `extra` keys."""
    data: dict[str, Any] = {
        "name": "test city",
        "city": "Testville",
        "start": "2026-07-15T00:00:00+08:00",
        "duration_h": 24,
        "seed": 3,
        "geometry": {"crs": "local_m", "origin": {"lon": 115.985, "lat": 36.455}},
        "districts": [
            {
                "code": "D1",
                "name": "district",
                "streets": [
                    {
                        "code": "S1",
                        "name": "street",
                        "grids": [
                            {"code": "G1", "polygon": [[0, 0], [1000, 0], [1000, 1000], [0, 1000]]},
                            {
                                "code": "G2",
                                "polygon": [[1000, 0], [2000, 0], [2000, 1000], [1000, 1000]],
                            },
                        ],
                    }
                ],
            }
        ],
        "fleets": fleets,
    }
    data.update(extra)
    return Scenario.model_validate(data)


def run(world: World, t_end: float, step: float = 600.0) -> list[dict[str, Any]]:
    """Advance from world.now to t_end window by window; the readings, each with its gateway
    and its time in simulated seconds."""
    out = []
    t = world.now
    while t < t_end:
        t1 = min(t + step, t_end)
        world.advance(t1)
        for gw, readings in world.collect(t, t1).items():
            for r in readings:
                out.append({**r, "gw": gw, "t": (r["ts"] - world.start_ms) / 1000.0})
        t = t1
    return out


def series(
    readings: list[dict[str, Any]], device: str, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    mine = sorted((r["t"], r["values"][metric]) for r in readings if r["device_id"] == device)
    t, v = zip(*mine, strict=True)
    return np.array(t), np.array(v)


def incident_of(world: World, kind: str):
    found = [inc for inc in world.incidents if inc.kind.name == kind]
    assert len(found) == 1
    return found[0]


# --------------------------------------------------------------------------- fire


def test_fire_raises_the_nearby_detector_only():
    fleets = [
        {"kind": "smoke_detector", "count": 40, "interval_s": 60, "params": {"nuisance_per_day": 0}}
    ]
    probe = World(scenario(fleets))
    det = probe.fleets_of("smoke_detector")[0]
    k = 7
    fire_xy = det.xy[k] + np.array([4.0, -3.0])
    sc = scenario(
        fleets,
        incidents={
            "timeline": [
                {"kind": "fire", "at": "01:00", "duration_min": 60, "point": fire_xy.tolist()}
            ]
        },
    )
    world = World(sc)
    det = world.fleets_of("smoke_detector")[0]
    assert np.array_equal(det.xy, probe.fleets_of("smoke_detector")[0].xy)  # same placement
    readings = run(world, 3 * H)

    t, smoke = series(readings, det.ids[k], "smoke_pct_m")
    assert np.all(smoke[t < 1 * H] < 1.0)
    burning = (t >= 1 * H + 6 * 60) & (t < 2 * H)  # after the 5-minute ramp
    assert burning.sum() >= 50
    assert np.all(smoke[burning] > 3.0)
    assert np.all(smoke[t >= 2 * H + 60] < 1.0)  # burnt out after its 60 minutes
    # Smoke falls off with distance as a Gaussian of 30 m: 12 %/m x exp(-(5/30)^2) here.
    assert smoke[burning].mean() == pytest.approx(12 * np.exp(-((5 / 30) ** 2)), abs=0.3)
    _, temp = series(readings, det.ids[k], "temp_c")
    assert temp[burning].mean() > temp[t < 1 * H].mean() + 15  # heat near the fire

    far = np.flatnonzero(np.hypot(*(det.xy - fire_xy).T) > 300)
    assert far.size > 20
    far_ids = {det.ids[i] for i in far}
    far_smoke = [r["values"]["smoke_pct_m"] for r in readings if r["device_id"] in far_ids]
    assert len(far_smoke) == far.size * 180
    assert max(far_smoke) < 1.0

    fire = incident_of(world, "fire")
    assert fire.ended_by == "natural" and fire.end == pytest.approx(2 * H, abs=60)
    assert fire.peak == pytest.approx(1.0)


def test_handled_fire_clears_early():
    fleets = [
        {"kind": "smoke_detector", "count": 10, "interval_s": 60, "params": {"nuisance_per_day": 0}}
    ]
    det = World(scenario(fleets)).fleets_of("smoke_detector")[0]
    sc = scenario(
        fleets,
        incidents={
            "timeline": [
                {"kind": "fire", "at": "01:00", "duration_min": 120, "point": det.xy[0].tolist()}
            ]
        },
    )
    world = World(sc)
    run(world, 1.5 * H)
    fire = incident_of(world, "fire")
    fire.resolve(world.now, "CASE-9")
    readings = run(world, 2.5 * H)
    assert fire.ended_by == "response" and fire.handled_by == "CASE-9"
    assert 1.5 * H < fire.end <= 1.5 * H + 6 * 60  # 5-minute decay
    t, smoke = series(readings, world.fleets[0].ids[0], "smoke_pct_m")
    assert np.all(smoke[t >= fire.end] < 1.0)
    assert smoke[t < 1.5 * H + 60].min() > 3.0


# --------------------------------------------------------------------------- waterlogging


def waterlogging_world() -> tuple[World, str]:
    fleets = [{"kind": "water_level", "count": 12, "interval_s": 60}]
    wl = World(scenario(fleets)).fleets_of("water_level")[0]
    sc = scenario(
        fleets,
        weather={"rain": [{"start": "02:00", "end": "04:00", "mm_h": 20}]},
        incidents={
            "timeline": [{"kind": "waterlogging", "at": "01:00", "point": wl.xy[3].tolist()}]
        },
    )
    return World(sc), wl.ids[3]


def test_waterlogging_rises_in_rain_and_drains_when_handled():
    world, sensor = waterlogging_world()
    before = run(world, 5 * H)
    t, water = series(before, sensor, "water_cm")
    assert np.all(water[t < 2 * H] < 1.5)  # the drain is blocked, but it has not rained yet
    early = (t >= 2 * H + 20 * 60) & (t < 2 * H + 30 * 60)
    later = (t >= 2 * H + 50 * 60) & (t < 3 * H)
    # Rising while it rains, at 0.6 cm/min scaled to the rain (20 of 30 mm/h): 12 cm in 30 min.
    assert water[later].mean() - water[early].mean() == pytest.approx(12, abs=2)
    assert np.all(water[(t >= 3.8 * H) & (t < 4 * H)] > 39)  # filled up to 40 cm plus film
    assert np.all(water[(t >= 3.8 * H) & (t < 4 * H)] < 43.5)
    inc = incident_of(world, "waterlogging")
    assert inc.end is None

    inc.resolve(world.now, "CASE-1")
    after = run(world, 7 * H)
    assert inc.ended_by == "response"
    assert 5 * H < inc.end < 5 * H + 20 * 60  # pumped out at 2.5 cm/min
    t2, water2 = series(after, sensor, "water_cm")
    assert water2[0] > 25
    assert np.all(water2[t2 >= inc.end] < 1.5)


def test_waterlogging_recedes_slowly_without_handling():
    world, sensor = waterlogging_world()
    readings = run(world, 20 * H, step=3600)
    t, water = series(readings, sensor, "water_cm")
    at = {h: water[(t >= h * H - 300) & (t < h * H)].mean() for h in (4, 6, 10)}
    # 0.05 cm/min on its own: about 6 cm in two hours, not gone for many hours.
    assert 3.5 < at[4] - at[6] < 9
    assert 15 < at[4] - at[10] < 21
    inc = incident_of(world, "waterlogging")
    assert inc.ended_by == "natural" and inc.handled_ts is None
    # The peak depth (40 cm) receding at 0.05 cm/min after the rain stopped at 04:00.
    assert inc.end == pytest.approx(4 * H + 40 / 0.05 * 60, abs=30 * 60)
    assert np.all(water[t >= inc.end] < 1.5)
    # Sensors far away only ever see the film of rain water on the road.
    wl = world.fleets[0]
    far = [wl.ids[i] for i in np.flatnonzero(np.hypot(*(wl.xy - inc.xy).T) > 200)]
    assert far
    assert max(r["values"]["water_cm"] for r in readings if r["device_id"] in far) < 4.0


# --------------------------------------------------------------------------- lamp fault


def test_lamp_fault_targets_the_nearest_pole_only():
    fleets = [{"kind": "smart_pole", "count": 30, "interval_s": 300}]
    poles = World(scenario(fleets)).fleets_of("smart_pole")[0]
    point = poles.xy[11] + np.array([2.0, 1.0])
    nearest = int(np.argmin(np.hypot(*(poles.xy - point).T)))
    sc = scenario(
        fleets,
        incidents={"timeline": [{"kind": "lamp_fault", "at": "10:00", "point": point.tolist()}]},
    )
    world = World(sc)
    inc = incident_of(world, "lamp_fault")
    assert inc.target == (0, nearest)  # (fleet number, device index)
    assert np.array_equal(inc.xy, world.fleets[0].xy[nearest])

    readings = run(world, 22 * H)
    target = world.fleets[0].ids[nearest]
    faulty = {r["device_id"] for r in readings if r["values"]["lamp_fault"] == 1}
    assert faulty == {target}
    t, fault = series(readings, target, "lamp_fault")
    assert np.all(fault[t < 19.5 * H] == 0)  # failed by day, noticed at dusk
    assert np.all(fault[t >= 19.5 * H] == 1)
    assert (t >= 19.5 * H).sum() >= 20
    dusk = [r for r in readings if r["t"] >= 19.5 * H]
    lit = {r["device_id"] for r in dusk if r["values"]["lamp_on"] == 1}
    assert lit == set(world.fleets[0].ids) - {target}

    inc.resolve(world.now, "CASE-2")  # repaired: lit again, fault cleared
    assert inc.ended_by == "response"
    t2, fault2 = series(run(world, 23 * H), target, "lamp_fault")
    assert t2.size == 12 and np.all(fault2 == 0)


def test_lamp_fault_with_two_pole_fleets_hits_one_pole():
    fleets = [
        {"kind": "smart_pole", "count": 10, "interval_s": 300},
        {"kind": "smart_pole", "count": 10, "interval_s": 300, "params": {"rated_w": 250}},
    ]
    second = World(scenario(fleets)).fleets[1]
    sc = scenario(
        fleets,
        incidents={
            "timeline": [{"kind": "lamp_fault", "at": "10:00", "point": second.xy[4].tolist()}]
        },
    )
    world = World(sc)
    readings = run(world, 21 * H)
    assert second.ids[4] == "SP-0015"
    assert {r["device_id"] for r in readings if r["values"]["lamp_fault"] == 1} == {"SP-0015"}


def test_lamp_fault_grid_is_where_its_pole_is():
    fleets = [
        {"kind": "smart_pole", "count": 10, "interval_s": 300, "placement": {"grids": ["G1"]}}
    ]
    sc = scenario(
        fleets, incidents={"timeline": [{"kind": "lamp_fault", "at": "10:00", "grid": "G2"}]}
    )
    world = World(sc)
    inc = incident_of(world, "lamp_fault")
    assert inc.xy[0] < 1000  # it moved onto a pole in G1 ...
    assert world.truth_records()[0]["grid"] == "G1"  # ... and the truth says so


# --------------------------------------------------------------------------- faults


def test_offline_fault_silences_devices_for_its_duration():
    fleets = [
        {"kind": "water_level", "count": 10, "interval_s": 60},
        {"kind": "smart_pole", "count": 5, "interval_s": 300},
    ]
    sc = scenario(
        fleets,
        faults=[
            {
                "kind": "offline",
                "fleet": "water_level",
                "count": 3,
                "at": "01:00",
                "duration_min": 60,
            }
        ],
    )
    world = World(sc)
    readings = run(world, 3 * H)
    wl = world.fleets_of("water_level")[0]
    silent = {r["device_id"] for r in readings if r["device_id"].startswith("WL")}
    silent -= {r["device_id"] for r in readings if 1 * H <= r["t"] < 2 * H}
    assert len(silent) == 3
    for dev in wl.ids:
        t, _ = series(readings, dev, "water_cm")
        if dev in silent:
            assert t.size == 120
            assert (t < 1 * H).sum() == 60 and (t >= 2 * H).sum() == 60
        else:
            assert t.size == 180
        seq = sorted(r["seq"] for r in readings if r["device_id"] == dev)
        assert seq == list(range(1, t.size + 1))  # no gaps: nothing was sent while offline
    assert all(
        len(series(readings, dev, "power_w")[0]) == 36
        for dev in world.fleets_of("smart_pole")[0].ids
    )

    faults = [r for r in world.truth_records() if r["type"] == "fault"]
    assert len(faults) == 1
    f = faults[0]
    assert f["id"] == "FLT-0001" and f["kind"] == "offline"
    assert set(f["devices"]) == silent and len(f["devices"]) == 3
    assert f["start_ts"] == world.ms(1 * H) and f["end_ts"] == world.ms(2 * H)
    assert datetime.fromisoformat(f["start"]) == datetime.fromisoformat("2026-07-15T01:00:00+08:00")
    assert datetime.fromisoformat(f["end"]) == datetime.fromisoformat("2026-07-15T02:00:00+08:00")


# --------------------------------------------------------------------------- determinism


def busy_scenario(seed: int) -> Scenario:
    fleets = [
        {"kind": "smart_pole", "count": 20, "interval_s": 300},
        {"kind": "water_level", "count": 10, "interval_s": 60},
        {
            "kind": "smoke_detector",
            "count": 20,
            "interval_s": 120,
            "params": {"nuisance_per_day": 2},
        },
    ]
    return scenario(
        fleets,
        seed=seed,
        duration_h=6,
        weather={"rain": [{"start": "01:00", "end": "03:00", "mm_h": 25}]},
        incidents={
            "timeline": [
                {"kind": "waterlogging", "at": "00:30", "near": "water_level", "within_m": 20}
            ],
            "rates": [
                {"kind": "fire", "per_day": 40, "near": "smoke_detector", "within_m": 20},
                {"kind": "lamp_fault", "per_day": 30, "near": "smart_pole", "within_m": 0},
            ],
        },
        faults=[
            {
                "kind": "offline",
                "fleet": "smoke_detector",
                "count": 2,
                "at": "01:30",
                "duration_min": 45,
            }
        ],
    )


def test_same_seed_same_output_different_seed_different_output():
    a, b, c = World(busy_scenario(5)), World(busy_scenario(5)), World(busy_scenario(6))
    out_a, out_b, out_c = run(a, 3 * H), run(b, 3 * H), run(c, 3 * H)
    assert len(out_a) > 1000
    assert out_a == out_b
    assert a.truth_records() == b.truth_records()
    assert out_a != out_c
    assert [r["values"] for r in out_a] != [r["values"] for r in out_c]
    assert a.truth_records() != c.truth_records()


def test_readings_follow_the_contract_and_gateways():
    world = World(busy_scenario(5))
    grid_of = {dev: str(f.grids[i]) for f in world.fleets for i, dev in enumerate(f.ids)}
    by_gw = world.collect(0.0, 0.0)  # an empty window
    assert by_gw == {}
    world.advance(H)
    by_gw = world.collect(0.0, H)
    assert set(by_gw) <= {"gw-G1", "gw-G2"} and len(by_gw) == 2
    n = 0
    for gw, readings in by_gw.items():
        for r in readings:
            Reading.model_validate(r)
            assert gw == f"gw-{grid_of[r['device_id']]}"
            assert world.ms(0) <= r["ts"] < world.ms(H)
            n += 1
    assert n == 20 * 12 + 10 * 60 + 20 * 30
    infos = world.device_infos()
    assert {gw: sorted(d.device_id for d in devs) for gw, devs in infos.items()} == {
        gw: sorted({r["device_id"] for r in rs}) for gw, rs in by_gw.items()
    }


# --------------------------------------------------------------------------- truth


def test_truth_records(tmp_path):
    fleets = [
        {"kind": "smart_pole", "count": 15, "interval_s": 300},
        {"kind": "water_level", "count": 8, "interval_s": 60},
        {"kind": "smoke_detector", "count": 15, "interval_s": 120},
    ]
    data = {
        "name": "truth",
        "city": "Testville",
        "start": "2026-07-15T06:00:00+08:00",
        "duration_h": 8,
        "seed": 9,
        "geometry": {"crs": "local_m", "origin": {"lon": 115.985, "lat": 36.455}},
        "districts": [
            {
                "code": "D1",
                "name": "d",
                "streets": [
                    {
                        "code": "S1",
                        "name": "s",
                        "grids": [
                            {"code": "G1", "polygon": [[0, 0], [800, 0], [800, 800], [0, 800]]}
                        ],
                    }
                ],
            }
        ],
        "fleets": fleets,
        "weather": {"rain": [{"start": "07:00", "end": "08:30", "mm_h": 40}]},
        "incidents": {
            # Listed out of order on purpose: ids follow the start times.
            "timeline": [
                {"kind": "fire", "at": "11:00", "near": "smoke_detector", "within_m": 10},
                {"kind": "waterlogging", "at": "06:40", "near": "water_level"},
                {"kind": "lamp_fault", "at": "09:15", "grid": "G1"},
                {"kind": "fire", "at": "07:05", "point": [400, 400], "duration_min": 30},
            ],
            "rates": [{"kind": "fire", "per_day": 12, "grid": "G1"}],
        },
    }
    path = tmp_path / "truth.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    world = World(load_scenario(path))
    run(world, 8 * H, step=1800)
    records = world.truth_records()
    incidents = [r for r in records if r["type"] == "incident"]
    assert records[: len(incidents)] == incidents  # incidents first, then faults
    assert len(incidents) >= 5
    assert [r["id"] for r in incidents] == [f"INC-{i:04d}" for i in range(1, len(incidents) + 1)]
    starts = [r["start_ts"] for r in incidents]
    assert starts == sorted(starts)
    assert [r["origin"] for r in incidents].count("timeline") == 4
    timeline = [r for r in incidents if r["origin"] == "timeline"]
    assert [r["kind"] for r in timeline] == ["waterlogging", "fire", "lamp_fault", "fire"]
    for r in incidents:
        for key in (
            "id",
            "kind",
            "category",
            "lon",
            "lat",
            "start",
            "start_ts",
            "end",
            "end_ts",
            "ended_by",
            "grid",
        ):
            assert key in r, key
        assert r["category"] == INCIDENT_KINDS[r["kind"]].category
        assert r["grid"] == "G1"
        assert 115.985 <= r["lon"] <= 115.995 and 36.455 <= r["lat"] <= 36.463
        start = datetime.fromisoformat(r["start"])
        assert abs(start.timestamp() * 1000 - r["start_ts"]) < 1000
        assert world.ms(0) <= r["start_ts"] < world.ms(8 * H)
        if r["end"] is None:
            assert r["end_ts"] is None and r["ended_by"] is None
        else:
            assert r["ended_by"] in ("natural", "response")
            assert r["end_ts"] > r["start_ts"]
            assert abs(datetime.fromisoformat(r["end"]).timestamp() * 1000 - r["end_ts"]) < 1000
    short_fire = next(
        r for r in timeline if r["kind"] == "fire" and r["start"].endswith("07:05:00+08:00")
    )
    assert short_fire["ended_by"] == "natural"
    assert short_fire["end_ts"] - short_fire["start_ts"] == pytest.approx(30 * 60_000, abs=60_000)
    lamp = next(r for r in timeline if r["kind"] == "lamp_fault")
    assert lamp["end"] is None  # nobody repaired it
    water = next(r for r in timeline if r["kind"] == "waterlogging")
    assert water["peak_level"] > 10


# --------------------------------------------------------------------------- shortened runs


def test_shortened_demo_keeps_the_first_hours():
    full = World(load_scenario(DEMO))
    short_sc = load_scenario(DEMO, duration_h=3)
    assert short_sc.duration_h == 3 and short_sc.seed == full.scenario.seed
    short = World(short_sc)
    assert all(inc.start < 3 * H for inc in short.incidents)
    assert all(fault.start < 3 * H for fault in short.faults.faults)
    assert any(inc.start >= 3 * H for inc in full.incidents)
    for fs, ff in zip(short.fleets, full.fleets, strict=True):
        assert fs.ids == ff.ids and np.array_equal(fs.xy, ff.xy)

    def timeline(world: World) -> list[tuple[str, float, tuple[float, float], Any]]:
        return [
            (inc.kind.name, inc.start, tuple(inc.xy.round(6)), inc.target)
            for inc in world.incidents
            if inc.origin == "timeline" and inc.start < 3 * H
        ]

    first = timeline(full)
    assert len(first) >= 2  # the demo has a lamp fault at 01:10 and a fire at 02:40
    assert timeline(short) == first
    assert [inc.duration_s for inc in short.incidents if inc.origin == "timeline"] == [
        inc.duration_s for inc in full.incidents if inc.origin == "timeline" and inc.start < 3 * H
    ]

    def faults(world: World, before: float) -> list[tuple[str, float, dict[int, list[int]]]]:
        return [
            (f.kind, f.start, {n: d.tolist() for n, d in f.devices.items()})
            for f in world.faults.faults
            if f.start < before
        ]

    assert faults(short, 3 * H) == faults(full, 3 * H)


def test_offline_fault_picks_among_every_fleet_of_its_kind():
    fleets = [
        {"kind": "water_level", "count": 3, "interval_s": 60},
        {"kind": "water_level", "count": 3, "interval_s": 60, "params": {"noise_cm": 0.1}},
    ]
    sc = scenario(
        fleets,
        faults=[
            {
                "kind": "offline",
                "fleet": "water_level",
                "count": 6,
                "at": "01:00",
                "duration_min": 60,
            }
        ],
    )
    world = World(sc)
    assert sorted(world.faults.faults[0].devices) == [0, 1]  # both fleets, all six devices
    heard = {r["device_id"] for r in run(world, 2 * H) if H + 60 <= r["t"] < 2 * H - 60}
    assert heard == set()
    assert len(world.truth_records()[0]["devices"]) == 6
