"""The commitments file (YAML → checked models, errors naming file + key path + line) and
every metric evaluator on hand-built data: pass, fail and not_evaluable."""

from __future__ import annotations

import copy
import json
import math

import pytest
import yaml
from shapely.geometry import LineString, box

from ioc.assessment.commitments import (
    AqiDay,
    AqiDaysParams,
    CommitmentsError,
    CoverageAreaParams,
    CoverageCorridorParams,
    CoveragePointsParams,
    Device,
    DeviceCountParams,
    DeviceParams,
    EvaluationData,
    Goal,
    KpiParams,
    Latency,
    LatencyParams,
    Lighting,
    LightingParams,
    PatrolParams,
    StatusSample,
    aqi_days,
    coverage_area,
    coverage_corridor,
    coverage_points,
    data_completeness,
    detection_latency,
    device_count,
    evaluate,
    kpi,
    lighting_saving,
    load_commitments,
    online_rate,
    parse_commitments,
    patrol_24h,
    resolve_window,
    status_from_heartbeats,
)
from ioc.assessment.coverage import Sweep
from ioc.assessment.geometry import AreaProjection

P = AreaProjection(117.6, 37.75)
H = 3_600_000
T0 = 1_777_564_800_000  # 2026-04-30T16:00Z = 2026-05-01 00:00 +08:00
WD11 = "拟建设采集终端点位 58 处,实现无棣县域全覆盖"


def ll(x_km: float, y_km: float) -> tuple[float, float]:
    lon, lat = P.lonlat(x_km * 1000, y_km * 1000)
    return float(lon), float(lat)


def square(side_km: float, cx: float = 0.0, cy: float = 0.0):
    h = side_km * 500
    return P.to_lonlat(box(cx * 1000 - h, cy * 1000 - h, cx * 1000 + h, cy * 1000 + h))


def ring(geom) -> list[list[float]]:
    return [list(c) for c in geom.exterior.coords][:-1]


def tower(i: str, x: float, y: float, r: float | None = 3000, **attrs) -> Device:
    a = dict(attrs)
    if r is not None:
        a["radius_m"] = r
    lon, lat = ll(x, y)
    return Device(i, "tower_camera", lon, lat, attrs=a)


BASE: dict = {
    "pilot": {
        "name": "Wudi County",
        "name_zh": "无棣县",
        "task_book": "数字强省办发〔2022〕1号",
        "source": "000_374f0060077f0281.txt",
    },
    "areas": {
        "county": {"file": "county.geojson", "name_zh": "县域"},
        "key_area": {"polygon": ring(square(4))},
        "rail": {"line": [list(ll(-2, 0)), list(ll(2, 0))], "buffer_m": 500},
        "pumps": {
            "points": {"PS-01": list(ll(0, 1)), "PS-02": list(ll(1, 0)), "PS-03": list(ll(15, 15))}
        },
    },
    "commitments": [
        {
            "id": "WD-11",
            "quote": WD11,
            "domain": "video",
            "metric": "coverage_area",
            "params": {"kinds": ["tower_camera"], "radius_m": 3000, "stated_count": 58},
            "scope": "county",
            "target": 100,
            "unit": "%",
        },
        {
            "id": "DCF-78",
            "quote": "结案率",
            "domain": "city-management",
            "metric": "kpi",
            "params": {"name": "结案率"},
            "target": 90,
            "unit": "%",
        },
        {
            "id": "DCF-97",
            "quote": "针对东昌府区12个扬水站",
            "domain": "water",
            "metric": "device_count",
            "params": {"kinds": ["pump_station"]},
            "target": 12,
        },
        {
            "id": "ZP-08",
            "quote": "高铁沿线监控防护",
            "domain": "video",
            "metric": "coverage_corridor",
            "params": {"kinds": ["tower_camera"]},
            "scope": "rail",
            "target": 100,
            "unit": "%",
        },
        {
            "id": "PS-cov",
            "quote": "扬水站视频覆盖",
            "domain": "water",
            "metric": "coverage_points",
            "params": {"kinds": ["tower_camera"]},
            "scope": "pumps",
            "target": 60,
            "unit": "%",
        },
        {
            "id": "LAT",
            "quote": "快速发现",
            "domain": "city-management",
            "metric": "detection_latency",
            "params": {"percentile": 90},
            "comparison": "<=",
            "target": 300,
            "unit": "s",
        },
        {
            "id": "ON",
            "quote": "设备在线率",
            "domain": "data-platform",
            "metric": "online_rate",
            "window": "last_24h",
            "target": 95,
            "unit": "%",
        },
        {
            "id": "AIR",
            "quote": "优良天数",
            "domain": "environment",
            "metric": "aqi_days",
            "params": {"levels": ["优", "良"], "mode": "share"},
            "window": {"from": "2026-05-01T00:00:00+08:00", "to": "2026-05-11T00:00:00+08:00"},
            "target": 80,
            "unit": "%",
        },
    ],
}


def write(tmp_path, data: dict, county_km: float = math.sqrt(1998)) -> object:
    (tmp_path / "county.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "无棣县"},
                        "geometry": square(county_km).__geo_interface__,
                    }
                ],
            }
        )
    )
    path = tmp_path / "wudi.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return path


@pytest.fixture
def loaded(tmp_path):
    return load_commitments(write(tmp_path, BASE))


# ----------------------------------------------------------------------------- file format


def test_load_resolves_areas_and_params(loaded):
    areas = loaded.resolved_areas
    assert {k: a.kind for k, a in areas.items()} == {
        "county": "polygon",
        "key_area": "polygon",
        "rail": "line",
        "pumps": "points",
    }
    assert areas["rail"].buffer_m == 500 and sorted(areas["pumps"].points) == [
        "PS-01",
        "PS-02",
        "PS-03",
    ]
    assert isinstance(loaded.params_of(0), CoverageAreaParams)
    assert loaded.params_of(0).stated_count == 58
    assert loaded.params_of(7).levels == [1, 2]  # names → AQI levels
    assert loaded.commitments[1].comparison == ">="
    assert loaded.pilot.name_zh == "无棣县"


def test_wd11_is_impossible_as_written_without_any_data(loaded):
    rows = evaluate(loaded, EvaluationData())
    assert set(rows[0]) >= {
        "id",
        "quote",
        "metric",
        "target",
        "value",
        "verdict",
        "evidence",
        "why",
    }
    wd = rows[0]
    assert wd["id"] == "WD-11" and wd["quote"] == WD11
    assert wd["verdict"] == "fail" and wd["value"] is None
    assert (
        "58 × π × 3.0² km² = 1 639.9 km² < 1 998.0 km² county area → at most 82.1 % "
        "even with no overlap"
    ) in wd["why"]
    assert wd["evidence"]["as_written"]["upper_bound_pct"] == pytest.approx(82.08, abs=0.01)
    # the others have no data to go on
    assert {r["id"]: r["verdict"] for r in rows[1:]} == dict.fromkeys(
        ["DCF-78", "DCF-97", "ZP-08", "PS-cov", "LAT", "ON", "AIR"], "not_evaluable"
    )
    assert all(r["why"].startswith("not evaluable: ") for r in rows[1:])


def test_wd11_with_58_deployed_towers_fails_with_measured_coverage(loaded):
    towers = [tower(f"T{k:02d}", -20 + 5.5 * (k % 8), -20 + 5.5 * (k // 8)) for k in range(58)]
    row = evaluate(loaded, EvaluationData(devices=towers))[0]
    assert row["verdict"] == "fail"
    assert 0 < row["value"] < 82.1
    # 58 sites of 3 km are the stated count and radius: the arithmetic is said once
    assert row["why"].count("1 639.9") == 1 and "measured" in row["why"]
    assert row["evidence"]["sites"] == 58 and row["evidence"]["overlap_km2"] >= 0
    # a city that built more than it wrote can still cover its county
    grid = [
        tower(f"T{i}_{j}", x, y)
        for i, x in enumerate(range(-22, 23, 4))
        for j, y in enumerate(range(-22, 23, 4))
    ]
    built = evaluate(loaded, EvaluationData(devices=grid))[0]
    assert built["verdict"] == "pass" and built["value"] == 100.0
    assert "impossible as written: 58 × π × 3.0² km²" in built["why"]


def mutate(path_keys: tuple, value) -> dict:
    data = copy.deepcopy(BASE)
    node = data
    for k in path_keys[:-1]:
        node = node[k]
    if value is KeyError:
        del node[path_keys[-1]]
    else:
        node[path_keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("keys", "value", "where", "what"),
    [
        (("commitments", 1, "target"), "95%", "commitments[1].target (line", "valid number"),
        (("commitments", 2, "targt"), 12, "commitments[2].targt (line", "Extra inputs"),
        (
            ("commitments", 5, "params"),
            {"percentile": 120},
            "commitments[5].params.percentile",
            "less than or equal to 100",
        ),
        (("commitments", 5, "params"), {"pct": 90}, "commitments[5].params.pct", "Extra inputs"),
        (("commitments", 0, "scope"), "nowhere", "commitments[0].scope (line", "no area 'nowhere'"),
        (("commitments", 0, "scope"), "rail", "commitments[0].scope", "needs a polygon area"),
        (("commitments", 0, "scope"), KeyError, "commitments[0].scope", "needs a scope"),
        (
            ("commitments", 0, "metric"),
            "coverage",
            "commitments[0].metric (line",
            "Input should be",
        ),
        (("commitments", 6, "window"), "last_day", "commitments[6].window", "last_<N>h"),
        (
            ("commitments", 7, "window"),
            {"from": "2026-05-01T00:00:00", "to": "2026-05-02T00:00:00"},
            "commitments[7].window.from",
            "timezone",
        ),
        (("commitments", 3, "unit"), "km", "commitments[3].unit", "percent"),
        (("commitments", 3, "window"), "last_24h", "commitments[3].window", "does not read"),
        (("commitments", 1, "scope"), "county", "commitments[1].scope", "takes no scope"),
        (
            ("commitments", 0, "params"),
            {"kinds": ["tower_camera"], "stated_count": 58},
            "commitments[0].params",
            "stated_count needs radius_m",
        ),
        (
            ("commitments", 7, "params"),
            {"levels": ["很好"]},
            "commitments[7].params.levels[0]",
            "AQI level",
        ),
        (("commitments", 4, "id"), "WD-11", "commitments[4].id", "also commitments[0]"),
        (("areas", "county", "file"), "missing.geojson", "areas.county.file", "cannot read"),
        (
            ("areas", "key_area", "polygon"),
            [[117.6, 37.7], [117.7, 37.8], [117.6, 37.8], [117.7, 37.7]],
            "areas.key_area.polygon",
            "not a valid ring",
        ),
        (("areas", "rail", "polygon"), ring(square(1)), "areas.rail", "exactly one of"),
        (
            ("areas", "rail", "buffer_m"),
            KeyError,
            "commitments[3].params.half_width_m",
            "half-width",
        ),
        (("pilot", "name"), KeyError, "pilot.name", "Field required"),
    ],
)
def test_bad_files_name_file_key_path_and_expectation(tmp_path, keys, value, where, what):
    path = write(tmp_path, mutate(keys, value))
    with pytest.raises(CommitmentsError) as err:
        load_commitments(path)
    text = str(err.value)
    assert str(path) in text
    assert any(p.startswith(where) and what in m for p, m in err.value.problems), text


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("pilot:\n  name: x\ncommitments: [\n  - id: a\n")
    with pytest.raises(CommitmentsError, match=r"(?s)broken\.yaml.*\(yaml\): line \d+"):
        load_commitments(path)


def test_parse_from_memory_and_missing_file(tmp_path):
    data = copy.deepcopy(BASE)
    data["areas"] = {"key_area": data["areas"]["key_area"]}
    data["commitments"] = [data["commitments"][1]]
    assert parse_commitments(data).commitments[0].id == "DCF-78"
    with pytest.raises(CommitmentsError, match="cannot read"):
        load_commitments(tmp_path / "nope.yaml")
    with pytest.raises(CommitmentsError, match="expected a mapping"):
        parse_commitments([1, 2])


# ----------------------------------------------------------------------------- evaluators

GE = Goal(">=", 100, "%")


def area(name: str, loaded_file) -> object:
    return loaded_file.resolved_areas[name]


def test_device_count(loaded):
    devs = [Device(f"PS{k}", "pump_station", *ll(k, 0)) for k in range(12)]
    devs.append(Device("X", "smoke_detector", *ll(0, 0)))
    data = EvaluationData(devices=devs)
    p = DeviceCountParams(kinds=["pump_station"])
    ok = device_count(Goal(">=", 12), p, data)
    assert (ok.value, ok.verdict) == (12, "pass")
    assert ok.evidence["by_kind"] == {"pump_station": 12}
    inside = device_count(Goal(">=", 12), p, data, area("key_area", loaded))  # x in -2..2
    assert (inside.value, inside.verdict) == (3, "fail")
    assert "3 device(s) of pump_station in key_area" in inside.why
    assert (
        device_count(Goal(">=", 1), DeviceCountParams(), EvaluationData()).verdict
        == "not_evaluable"
    )


def test_coverage_area_pass_fail_not_evaluable(loaded):
    key = area("key_area", loaded)  # 4 km square
    p = CoverageAreaParams(kinds=["tower_camera"])
    full = coverage_area(GE, p, EvaluationData(devices=[tower("T", 0, 0, 3000)]), key)
    assert (full.value, full.verdict) == (100.0, "pass")
    half = coverage_area(GE, p, EvaluationData(devices=[tower("T", 2, 0, 1500)]), key)
    assert half.verdict == "fail"  # a half disc on the edge
    assert half.value == pytest.approx(100 * math.pi * 1.5**2 / 2 / 16, rel=0.005)
    small = coverage_area(GE, p, EvaluationData(devices=[tower("T", 0, 0, 1000)]), key)
    assert small.verdict == "fail" and "impossible with these sites" in small.why
    assert "1 × π × 1.0² km² = 3.1 km² < 16.0 km² key_area area" in small.why
    no_radius = coverage_area(GE, p, EvaluationData(devices=[tower("T", 0, 0, None)]), key)
    assert no_radius.verdict == "not_evaluable" and "radius_m" in no_radius.why
    fallback = CoverageAreaParams(kinds=["tower_camera"], radius_m=3000)
    assert (
        coverage_area(GE, fallback, EvaluationData(devices=[tower("T", 0, 0, None)]), key).verdict
        == "pass"
    )
    assert coverage_area(GE, p, EvaluationData(), key).verdict == "not_evaluable"
    # a sector looking away covers only its wedge
    sector = tower("S", 0, 0, 3000, azimuth_deg=0, width_deg=90)
    wedge = coverage_area(Goal(">=", 20, "%"), p, EvaluationData(devices=[sector]), key)
    assert wedge.value == pytest.approx(25.0, abs=0.5)


def test_coverage_corridor(loaded):
    rail = area("rail", loaded)  # 4 km, ±500 m
    p = CoverageCorridorParams(kinds=["tower_camera"])
    on = coverage_corridor(GE, p, EvaluationData(devices=[tower("T", 0, 0, 3000)]), rail)
    assert (on.value, on.verdict) == (100.0, "pass")
    by_len = CoverageCorridorParams(kinds=["tower_camera"], measure="length")
    half = coverage_corridor(
        Goal(">=", 50, "%"), by_len, EvaluationData(devices=[tower("T", -2, 0, 2000)]), rail
    )
    assert half.value == pytest.approx(50.0, abs=0.1) and half.verdict == "pass"
    off = coverage_corridor(GE, p, EvaluationData(devices=[tower("T", 30, 30)]), rail)
    assert (off.value, off.verdict) == (0.0, "fail")
    assert coverage_corridor(GE, p, EvaluationData(), rail).verdict == "not_evaluable"


def test_coverage_points_named_and_from_devices(loaded):
    pumps = area("pumps", loaded)
    p = CoveragePointsParams(kinds=["tower_camera"])
    data = EvaluationData(devices=[tower("T", 0, 0, 3000)])
    res = coverage_points(Goal(">=", 60, "%"), p, data, pumps)
    assert res.value == pytest.approx(66.667) and res.verdict == "pass"
    assert res.evidence["uncovered_ids"] == ["PS-03"]
    assert coverage_points(GE, p, data, pumps).verdict == "fail"
    # the points as devices of a kind
    devs = [
        *data.devices,
        Device("PS-A", "pump_station", *ll(1, 1)),
        Device("PS-B", "pump_station", *ll(9, 9)),
    ]
    by_kind = CoveragePointsParams(kinds=["tower_camera"], point_kinds=["pump_station"])
    res2 = coverage_points(GE, by_kind, EvaluationData(devices=devs))
    assert res2.value == 50.0 and res2.evidence["uncovered_ids"] == ["PS-B"]
    assert coverage_points(GE, by_kind, EvaluationData()).verdict == "not_evaluable"


def test_online_rate():
    devs = [
        Device("A", "air_station", *ll(0, 0), interval_s=60),
        Device("B", "air_station", *ll(0, 0), interval_s=60),
    ]
    status = [
        StatusSample("A", T0 - H, True),  # online since before the window
        StatusSample("B", T0, True),
        StatusSample("B", T0 + 5 * H, False),
    ]
    data = EvaluationData(start_ms=T0, end_ms=T0 + 10 * H, devices=devs, status=status)
    win = resolve_window(None, data)
    res = online_rate(Goal(">=", 95, "%"), DeviceParams(), data, None, win)
    assert (res.value, res.verdict) == (75.0, "fail")
    assert res.evidence["worst"] == {"B": 0.5, "A": 1.0}
    assert online_rate(Goal(">=", 70, "%"), DeviceParams(), data, None, win).verdict == "pass"
    # from heartbeats: heard every minute for 2 h, then silent: offline 3 minutes later
    beats = status_from_heartbeats("A", [T0 + k * 60_000 for k in range(121)], 60)
    assert beats[-1] == StatusSample("A", T0 + 120 * 60_000 + 180_000, False)
    hb = EvaluationData(start_ms=T0, end_ms=T0 + 4 * H, devices=devs[:1], status=beats)
    r2 = online_rate(GE, DeviceParams(), hb, None, resolve_window(None, hb))
    assert r2.value == pytest.approx(100 * (2 * H + 180_000) / (4 * H), abs=1e-3)
    none = online_rate(GE, DeviceParams(), EvaluationData(devices=devs), None, (None, "x"))
    assert none.verdict == "not_evaluable" and "status" in none.why


def test_data_completeness_counts_duplicates_once():
    devs = [
        Device("A", "water_level", *ll(0, 0), interval_s=60),
        Device("B", "water_level", *ll(0, 0), interval_s=60),
    ]
    readings = {
        "A": [T0 + k * 60_000 for k in range(60)],
        "B": [T0 + k * 120_000 for k in range(30)] * 2,
    }  # every other, sent twice
    data = EvaluationData(start_ms=T0, end_ms=T0 + H, devices=devs, readings=readings)
    res = data_completeness(
        Goal(">=", 95, "%"), DeviceParams(), data, None, resolve_window(None, data)
    )
    assert (res.value, res.verdict) == (75.0, "fail")
    assert res.evidence["expected"] == 120 and res.evidence["received"] == 90
    ok = data_completeness(
        Goal(">=", 70, "%"), DeviceParams(), data, None, resolve_window(None, data)
    )
    assert ok.verdict == "pass"
    no = data_completeness(GE, DeviceParams(), EvaluationData(devices=devs), None, (None, "-"))
    assert no.verdict == "not_evaluable" and "readings" in no.why


def test_patrol_24h_min_and_mean():
    towers = [tower("T1", 0, 0), tower("T2", 5, 0), tower("T3", 9, 0)]
    h0 = T0 // H
    sweeps = [Sweep("T1", h0 + h) for h in range(24)] + [Sweep("T2", h0 + h) for h in range(12)]
    sweeps += [Sweep("T3", h0 + h) for h in range(24)]
    data = EvaluationData(start_ms=T0, end_ms=T0 + 24 * H, devices=towers, sweeps=sweeps)
    win = resolve_window(None, data)
    low = patrol_24h(GE, PatrolParams(), data, None, win)
    assert (low.value, low.verdict) == (50.0, "fail")
    assert low.evidence["missed_hours"] == {"T2": 12}
    mean = patrol_24h(Goal(">=", 80, "%"), PatrolParams(aggregate="mean"), data, None, win)
    assert mean.value == pytest.approx(83.333) and mean.verdict == "pass"
    nodata = patrol_24h(GE, PatrolParams(), EvaluationData(devices=towers), None, win)
    assert nodata.verdict == "not_evaluable" and "sweeps" in nodata.why


def test_kpi_by_key_and_chinese_name():
    data = EvaluationData(
        kpis={"closure_rate": 0.93, "mean_handling_hours": 5.2, "handling_rate": None}
    )
    by_zh = kpi(Goal(">=", 90, "%"), KpiParams(name="结案率"), data)
    assert (by_zh.value, by_zh.verdict) == (93.0, "pass")
    assert by_zh.evidence["kpi"] == "closure_rate" and by_zh.evidence["raw"] == 0.93
    hours = kpi(Goal("<=", 4, "h"), KpiParams(name="mean_handling_hours"), data)
    assert (hours.value, hours.verdict) == (5.2, "fail")
    missing = kpi(GE, KpiParams(name="discovery_rate"), data)
    assert missing.verdict == "not_evaluable" and "closure_rate" in missing.why
    null = kpi(GE, KpiParams(name="handling_rate"), data)
    assert null.verdict == "not_evaluable" and "null" in null.why
    assert kpi(GE, KpiParams(name="x"), EvaluationData()).verdict == "not_evaluable"


def test_detection_latency_percentiles():
    lat = [Latency(f"I{k}", 10.0 * k) for k in range(1, 11)] + [Latency("I11", None)]
    data = EvaluationData(latencies=lat)
    p90 = detection_latency(Goal("<=", 120, "s"), LatencyParams(percentile=90), data)
    assert (p90.value, p90.verdict) == (90.0, "pass")
    assert p90.evidence["undetected_ids"] == ["I11"] and p90.evidence["p50"] == 50.0
    p95 = detection_latency(Goal("<=", 60, "s"), LatencyParams(percentile=95), data)
    assert (p95.value, p95.verdict) == (100.0, "fail")
    assert (
        detection_latency(GE, LatencyParams(), EvaluationData(latencies=[])).verdict
        == "not_evaluable"
    )
    blind = detection_latency(GE, LatencyParams(), EvaluationData(latencies=[Latency("I1", None)]))
    assert blind.verdict == "fail" and "none of 1" in blind.why


def test_aqi_days_count_share_and_window():
    levels = [1, 2, 2, 3, 1, 2, 4, 2, 1, 2, None]
    days = [
        AqiDay(f"2026-05-{k + 1:02d}", None if lv is None else 40.0 * lv, lv)
        for k, lv in enumerate(levels)
    ]
    days.append(AqiDay("2026-05-12", 120.0, None))  # level from the AQI: 轻度污染
    data = EvaluationData(start_ms=T0, end_ms=T0 + 12 * 24 * H, aqi_days=days)
    share = aqi_days(
        Goal(">=", 80, "%"),
        AqiDaysParams(levels=["优", "良"], mode="share"),
        data,
        None,
        resolve_window(None, data),
    )
    assert share.value == pytest.approx(100 * 8 / 11, abs=1e-3) and share.verdict == "fail"
    assert share.evidence["invalid_days"] == 1 and share.evidence["by_level"]["轻度污染"] == 2
    count = aqi_days(
        Goal("<=", 1, "days"),
        AqiDaysParams(levels=[4, 5, 6]),
        data,
        None,
        resolve_window(None, data),
    )
    assert (count.value, count.verdict) == (1.0, "pass")
    first5 = resolve_window(
        parse_window({"from": "2026-05-01T00:00:00+08:00", "to": "2026-05-06T00:00:00+08:00"}), data
    )
    five = aqi_days(Goal(">=", 4, "days"), AqiDaysParams(levels=[1, 2]), data, None, first5)
    assert (five.value, five.verdict) == (4.0, "pass")
    assert (
        aqi_days(GE, AqiDaysParams(levels=[1]), EvaluationData(), None, (None, None)).verdict
        == "not_evaluable"
    )


def parse_window(w):
    data = copy.deepcopy(BASE)
    data["areas"] = {}
    data["commitments"] = [data["commitments"][7]]
    data["commitments"][0]["window"] = w
    return parse_commitments(data).commitments[0].window


def test_lighting_saving():
    ok = lighting_saving(
        Goal(">=", 25, "%"), LightingParams(), EvaluationData(lighting=Lighting(70.0, 100.0, 0.3))
    )
    assert (ok.value, ok.verdict) == (30.0, "pass")
    computed = lighting_saving(
        Goal(">=", 40, "%"), LightingParams(), EvaluationData(lighting=Lighting(70.0, 100.0))
    )
    assert (computed.value, computed.verdict) == (30.0, "fail")
    dark = lighting_saving(GE, LightingParams(), EvaluationData(lighting=Lighting(0.0, 0.0)))
    assert dark.verdict == "not_evaluable"
    assert lighting_saving(GE, LightingParams(), EvaluationData()).verdict == "not_evaluable"


def test_window_last_24h_clipped_to_the_data():
    data = EvaluationData(start_ms=T0, end_ms=T0 + 6 * H)
    (span, note) = resolve_window("last_24h", data)
    assert span == (T0, T0 + 6 * H) and "6.0 h of the 24.0 h" in note
    assert resolve_window("last_24h", EvaluationData())[0] is None


def test_evaluate_end_to_end(loaded):
    devs = [tower(f"T{k}", x, 0) for k, x in enumerate((-1.0, 1.0))]
    devs += [Device(f"PS{k}", "pump_station", *ll(k, 3)) for k in range(12)]
    status = [StatusSample(d.device_id, T0, True) for d in devs]
    data = EvaluationData(
        start_ms=T0,
        end_ms=T0 + 24 * H,
        devices=devs,
        status=status,
        kpis={"closure_rate": 0.8},
        latencies=[Latency("I1", 30.0), Latency("I2", 400.0)],
    )
    rows = {r["id"]: r for r in evaluate(loaded, data)}
    assert rows["DCF-97"]["verdict"] == "pass" and rows["DCF-97"]["value"] == 12
    assert rows["DCF-78"]["verdict"] == "fail" and rows["DCF-78"]["value"] == 80.0
    assert rows["ZP-08"]["verdict"] == "pass"
    assert rows["PS-cov"]["verdict"] == "pass"
    assert rows["LAT"]["verdict"] == "fail" and rows["LAT"]["value"] == 400.0
    assert rows["ON"]["verdict"] == "pass" and rows["ON"]["value"] == 100.0
    assert rows["AIR"]["verdict"] == "not_evaluable"
    assert rows["WD-11"]["verdict"] == "fail"
    json.dumps(list(rows.values()))  # JSON-ready


def test_line_scope_counts_devices_within_the_buffer(loaded):
    rail = loaded.resolved_areas["rail"]
    assert list(rail.contains(*zip(ll(0, 0.4), ll(0, 0.6), ll(5, 0), strict=True))) == [
        True,
        False,
        False,
    ]
    assert LineString(rail.geometry.coords).length > 0
