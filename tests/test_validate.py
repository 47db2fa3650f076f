"""`python -m ioc validate` and `python -m ioc plan coverage`: evidence from a run folder
(one hand-built with known figures, one from a short real run with tower and street
cameras), verdicts and exit codes, report.json and report.html, the documented example."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import CITYSIM, ROOT
from shapely.geometry import box, mapping

from ioc.assessment.evidence import RunFolderError, load_run
from ioc.assessment.geometry import AreaProjection
from ioc.registry.devices import Device as RegistryDevice
from ioc.storage.store import Store

IOC = [sys.executable, "-m", "ioc"]
H = 3_600_000
T0 = 1_777_564_800_000  # 2026-05-01 00:00 +08:00
LON, LAT = 117.60, 37.75


def ioc(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*IOC, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def write_yaml(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def commitment(cid: str, metric: str, target: float, **kw) -> dict:
    return {
        "id": cid,
        "quote": f"承诺 {cid}",
        "domain": "other",
        "metric": metric,
        "target": target,
        **kw,
    }


# --------------------------------------------------------------------------- a hand-built run


def jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )


@pytest.fixture
def hand_run(tmp_path: Path) -> Path:
    """4 hours: a water sensor heard for the first 2 h only, a tower camera heard throughout
    whose video is down in the third hour; two incidents, one found twice (IoT first, then a
    hotline call), one missed; four cases filed, three dispatched."""
    run = tmp_path / "hand-run"
    run.mkdir()
    summary = {
        "scenario": "hand-built",
        "city": "测试县",
        "seed": 1,
        "start": "2026-05-01T00:00:00+08:00",
        "duration_h": 4,
        "kpis": {
            "filed": 4,
            "dispatched": 3,
            "closed": 2,
            "due_to_close": 4,
            "closure_rate": 0.5,
            "mean_handling_hours": 1.5,
            "as_of_ts": T0 + 4 * H,
            "online_samples": 4,
        },
        "indicators": {
            "air_quality": {"daily": []},
            "lighting": {"energy_kwh": 6.0, "baseline_kwh": 10.0, "saving": 0.4},
        },
        "truth": {
            "incidents": 2,
            "discovered": 1,
            "discovery_rate": 0.5,
            "mean_detection_latency_s": 120.0,
            "match": {"radius_m": 300.0, "grace_s": 3600.0},
        },
        "run": {"run_id": "hand-1"},
    }
    (run / "summary.json").write_text(json.dumps(summary, ensure_ascii=False))
    inc = {"type": "incident", "lon": LON, "lat": LAT, "end_ts": None}
    jsonl(
        run / "truth.jsonl",
        [
            {**inc, "id": "I1", "kind": "fire", "start_ts": T0 + H},
            {**inc, "id": "I2", "kind": "exposed_garbage", "start_ts": T0 + 2 * H},
            {
                "type": "report",
                "report_id": "H-1",
                "channel": "hotline",
                "incident": "I1",
                "ts": T0 + H + 600_000,
            },
        ],
    )
    filed = [{"action": "filed"}]
    jsonl(
        run / "cases.jsonl",
        [
            {
                "case_id": "C1",
                "channel": "iot",
                "stage": "closed",
                "overdue": False,
                "reported_ts": T0 + H + 120_000,
                "matched_incidents": ["I1"],
                "report_refs": [
                    {"channel": "iot", "ref": "A1", "ts": T0 + H + 120_000, "lon": LON, "lat": LAT}
                ],
                "timeline": [*filed, {"action": "dispatched"}],
            },
            {
                "case_id": "C2",
                "channel": "hotline",
                "stage": "filed",
                "overdue": True,
                "reported_ts": T0 + H + 600_000,
                "matched_incidents": ["I1"],
                "report_refs": [
                    {
                        "channel": "hotline",
                        "ref": "H-1",
                        "ts": T0 + H + 600_000,
                        "lon": LON,
                        "lat": LAT,
                    }
                ],
                "timeline": filed,
            },
        ],
    )
    store = Store(run / "ioc-data")
    for dev_id, kind, attrs in (
        ("WL-1", "water_level", {}),
        ("TWR-1", "tower_camera", {"radius_m": 500.0}),
    ):
        store.put_device(
            RegistryDevice(dev_id, kind, LON, LAT, "g1", 600.0, None, "gw1", T0, None, attrs)
        )
    for k in range(24):  # every 10 minutes over the 4 hours
        ts = T0 + k * 600_000
        if k < 12:
            store.add_reading("WL-1", ts, k + 1, {"water_cm": 1.0})
        up = 0.0 if 2 * H <= ts - T0 < 3 * H else 1.0
        store.add_reading("TWR-1", ts, k + 1, {"stream_ok": up, "sweeps": 5.0 * k})
    store.close()
    return run


def test_evidence_from_a_hand_built_run(hand_run: Path) -> None:
    ev = load_run(hand_run)
    d = ev.data
    assert (d.start_ms, d.end_ms, d.utc_offset_min) == (T0, T0 + 4 * H, 480)
    assert sorted(x.device_id for x in d.devices) == ["TWR-1", "WL-1"]
    assert d.readings["WL-1"] == [T0 + k * 600_000 for k in range(12)]
    # an hour is swept when the count rose at a reading with the stream up: not hour 2
    assert [s.hour - T0 // H for s in d.sweeps] == [0, 1, 3]
    assert d.kpis["dispatch_rate"] == 0.75 and d.kpis["discovery_rate"] == 0.5
    assert "as_of_ts" not in d.kpis and "online_samples" not in d.kpis
    assert d.kpi_evidence["dispatch_rate"]["filed_not_dispatched_ids"] == ["C2"]
    assert d.kpi_evidence["closure_rate"]["open_case_ids"] == ["C2"]
    assert d.kpi_evidence["closure_rate"]["overdue_case_ids"] == ["C2"]
    assert d.kpi_evidence["discovery_rate"]["missed_incident_ids"] == ["I2"]
    lat = {x.incident_id: x for x in d.latencies}
    assert (lat["I1"].latency_s, lat["I1"].case_id, lat["I1"].channel, lat["I1"].kind) == (
        120.0,
        "C1",
        "iot",
        "fire",
    )
    assert lat["I2"].latency_s is None
    assert ev.checks["detection_latency"]["consistent"] is True
    assert d.lighting.saving == 0.4 and d.aqi_days == []
    # read-only and immutable: nothing written beside the store
    assert sorted(p.name for p in (hand_run / "ioc-data").iterdir()) == ["evidence", "ioc.sqlite3"]


def test_validate_figures_on_the_hand_built_run(hand_run: Path, tmp_path: Path) -> None:
    spec = {
        "pilot": {"name": "Hand", "name_zh": "手工县", "task_book": "测试任务书"},
        "commitments": [
            commitment("ON", "online_rate", 80, unit="%"),
            commitment("DC", "data_completeness", 75, unit="%"),
            commitment("PAT", "patrol_24h", 75, unit="%"),
            commitment("DISP", "kpi", 75, unit="%", params={"name": "派单率"}),
            commitment(
                "HOURS", "kpi", 2, unit="h", comparison="<=", params={"name": "平均处置时长"}
            ),
            commitment(
                "FIRE",
                "detection_latency",
                120,
                unit="s",
                comparison="<=",
                params={"kinds": ["fire"]},
            ),
            commitment("LIGHT", "lighting_saving", 40, unit="%"),
            commitment("AQI", "aqi_days", 1, params={"levels": ["优"]}),
        ],
    }
    out = tmp_path / "report"
    proc = ioc(
        "validate",
        "--commitments",
        str(write_yaml(tmp_path / "c.yaml", spec)),
        "--run",
        str(hand_run),
        "--out",
        str(out),
    )
    assert proc.returncode == 1, proc.stderr
    rows = {r["id"]: r for r in json.loads((out / "report.json").read_text())["commitments"]}
    # WL-1 online 2 h 20 min (last reading + 3 intervals) of 4 h, TWR-1 all 4 h
    assert rows["ON"]["value"] == pytest.approx(100 * (8400 / 14400 + 1) / 2, abs=1e-3)
    assert rows["ON"]["verdict"] == "fail" and "ON" in proc.stdout + proc.stderr
    assert rows["DC"]["value"] == 75.0 and rows["DC"]["verdict"] == "pass"
    assert rows["DC"]["evidence"]["worst"] == {"WL-1": 0.5}
    assert rows["PAT"]["value"] == 75.0 and rows["PAT"]["verdict"] == "pass"
    assert rows["DISP"]["value"] == 75.0 and rows["DISP"]["evidence"]["filed"] == 4
    assert rows["HOURS"]["value"] == 1.5 and rows["HOURS"]["verdict"] == "pass"
    assert rows["FIRE"]["value"] == 120.0 and rows["FIRE"]["verdict"] == "pass"
    assert rows["FIRE"]["evidence"]["slowest"][0]["case_id"] == "C1"
    assert rows["LIGHT"]["value"] == 40.0 and rows["LIGHT"]["verdict"] == "pass"
    assert rows["AQI"]["verdict"] == "not_evaluable"
    failed = [line for line in proc.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and "ON:" in failed[0]


def test_not_a_run_folder_names_the_missing_files(hand_run: Path, tmp_path: Path) -> None:
    (hand_run / "cases.jsonl").unlink()
    with pytest.raises(RunFolderError) as err:
        load_run(hand_run)
    assert "cases.jsonl" in str(err.value) and str(hand_run) in str(err.value)
    spec = write_yaml(
        tmp_path / "c.yaml",
        {"pilot": {"name": "x"}, "commitments": [commitment("A", "device_count", 1)]},
    )
    proc = ioc(
        "validate", "--commitments", str(spec), "--run", str(hand_run), "--out", str(tmp_path / "o")
    )
    assert proc.returncode == 2 and "cases.jsonl" in proc.stderr
    shutil.rmtree(hand_run / "ioc-data")
    with pytest.raises(RunFolderError, match=r"ioc-data/ioc\.sqlite3"):
        load_run(hand_run)
    with pytest.raises(RunFolderError, match="no such folder"):
        load_run(tmp_path / "nowhere")


def test_a_broken_store_or_line_is_named(hand_run: Path) -> None:
    truth = hand_run / "truth.jsonl"
    good = truth.read_text()
    truth.write_text('{"type": "incident"}\n{oops\n')
    with pytest.raises(RunFolderError, match=r"truth\.jsonl: 1 problem\(s\)\n  line 2"):
        load_run(hand_run)
    truth.write_text(good)
    db = hand_run / "ioc-data" / "ioc.sqlite3"
    db.unlink()
    sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
    with pytest.raises(RunFolderError, match="not an IOC store"):
        load_run(hand_run)


# --------------------------------------------------------------------------- a real run


@pytest.fixture(scope="module")
def real_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three hours of the demo city with two tower cameras (800 m) and four street cameras."""
    base = tmp_path_factory.mktemp("validate")
    scenario = yaml.safe_load((ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    scenario["fleets"] += [
        {"kind": "tower_camera", "count": 2, "interval_s": 300, "params": {"radius_m": 800}},
        {"kind": "camera", "count": 4, "interval_s": 300},
    ]
    scenario["ioc"] = {"config": str(ROOT / "scenarios" / "ioc" / "default.yaml")}
    path = write_yaml(base / "towers.yaml", scenario)
    out = base / "run"
    proc = subprocess.run(
        [*CITYSIM, "run", str(path), "--hours", "3", "--quiet", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, f"citysim run failed:\n{proc.stdout}\n{proc.stderr}"
    return out


# The demo's southern street (three 500 m cells) in lon/lat, and the street line above it.
GULOU = [[115.985, 36.455], [116.00177, 36.455], [116.00177, 36.4595], [115.985, 36.4595]]


def pilot_file(tmp_path: Path, commitments: list[dict], name: str = "c.yaml") -> Path:
    return write_yaml(
        tmp_path / name,
        {
            "pilot": {
                "name": "Demo <District> & Co",
                "name_zh": "示范区",
                "task_book": "示范〔2026〕1号",
            },
            "areas": {
                "gulou": {"name_zh": "古楼街道", "polygon": GULOU},
                "street": {"line": [[115.985, 36.4595], [116.00177, 36.4595]], "buffer_m": 40},
            },
            "commitments": commitments,
        },
    )


def test_evidence_from_a_real_run_agrees_with_its_summary(real_run: Path) -> None:
    summary = json.loads((real_run / "summary.json").read_text())
    ev = load_run(real_run)
    d = ev.data
    assert len(d.devices) == summary["devices"]
    assert d.end_ms - d.start_ms == 3 * H
    k = summary["kpis"]
    assert d.kpis["dispatch_rate"] == pytest.approx(k["dispatched"] / k["filed"], abs=1e-6)
    assert d.kpis["discovery_rate"] == summary["truth"]["discovery_rate"]
    assert ev.checks["detection_latency"]["consistent"] is True
    towers = {x.device_id for x in d.devices if x.kind == "tower_camera"}
    assert len(towers) == 2 and {s.tower_id for s in d.sweeps} == towers
    db = sqlite3.connect(f"{(real_run / 'ioc-data' / 'ioc.sqlite3').as_uri()}?mode=ro", uri=True)
    n = db.execute("SELECT COUNT(*) FROM readings").fetchone()[0]
    db.close()
    assert sum(len(v) for v in d.readings.values()) == n


def test_validate_exit_1_names_the_failing_commitment(real_run: Path, tmp_path: Path) -> None:
    quote = '高点监控 <全覆盖> & "无死角"'
    spec = pilot_file(
        tmp_path,
        [
            commitment(
                "TOWERS", "device_count", 2, comparison="==", params={"kinds": ["tower_camera"]}
            ),
            commitment("POLES", "device_count", 100000, params={"kinds": ["smart_pole"]}),
            {
                **commitment(
                    "COVER",
                    "coverage_area",
                    100,
                    unit="%",
                    scope="gulou",
                    params={"kinds": ["tower_camera"], "radius_m": 100, "stated_count": 1},
                ),
                "quote": quote,
            },
            commitment(
                "STREET",
                "coverage_corridor",
                0,
                unit="%",
                scope="street",
                params={
                    "kinds": ["camera"],
                    "radius_attr": "range_m",
                    "azimuth_attr": "heading_deg",
                    "width_attr": "fov_deg",
                },
            ),
            commitment("ONLINE", "online_rate", 90, unit="%"),
            commitment("FOUND", "kpi", 0, unit="%", params={"name": "事件发现率"}),
            commitment("LAT", "detection_latency", 36000, unit="s", comparison="<="),
            commitment("AIR", "aqi_days", 1, params={"levels": [1, 2]}),
        ],
    )
    out = tmp_path / "out"
    proc = ioc("validate", "--commitments", str(spec), "--run", str(real_run), "--out", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    fail_lines = [x for x in proc.stdout.splitlines() if x.startswith("FAIL")]
    assert any("POLES" in x for x in fail_lines)
    assert "POLES" in proc.stderr
    doc = json.loads((out / "report.json").read_text())
    assert doc["pilot"] == {
        "name": "Demo <District> & Co",
        "name_zh": "示范区",
        "task_book": "示范〔2026〕1号",
        "source": None,
    }
    assert doc["run"]["window"]["hours"] == 3.0 and doc["run"]["seed"] == 7
    rows = {r["id"]: r for r in doc["commitments"]}
    for r in rows.values():
        assert {
            "id",
            "quote",
            "domain",
            "metric",
            "comparison",
            "target",
            "unit",
            "value",
            "verdict",
            "verdict_zh",
            "why",
            "evidence",
        } <= set(r)
    assert rows["TOWERS"]["verdict"] == "pass" and rows["TOWERS"]["value"] == 2
    assert rows["POLES"]["verdict"] == "fail"
    assert rows["POLES"]["value"] == sum(
        1 for d in load_run(real_run).data.devices if d.kind == "smart_pole"
    )
    # as written (1 tower of 100 m) it is impossible: the arithmetic is in the reason; the
    # two 800 m towers built are measured
    assert rows["COVER"]["evidence"]["as_written"]["count"] == 1
    assert "impossible as written: 1 × π × 0.1² km²" in rows["COVER"]["why"]
    assert rows["COVER"]["evidence"]["sites"] == 2
    assert rows["STREET"]["verdict"] == "pass"
    summary = json.loads((real_run / "summary.json").read_text())
    assert rows["FOUND"]["value"] == round(100 * summary["truth"]["discovery_rate"], 3)
    assert rows["AIR"]["verdict"] == "not_evaluable" and rows["AIR"]["verdict_zh"] == "无法评估"
    assert doc["summary"]["fail"] == sum(r["verdict"] == "fail" for r in rows.values())

    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "高点监控 &lt;全覆盖&gt; &amp; &quot;无死角&quot;" in page and quote not in page
    assert "Demo &lt;District&gt; &amp; Co" in page
    assert "承诺 POLES" in page and "未通过 Fail" in page and "通过 Pass" in page
    assert "无法评估 Not evaluable" in page
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 4  # targets chart, per-kind chart, latency chart, coverage maps
    assert 'alt="coverage map COVER"' in page and 'alt="coverage map STREET"' in page
    assert "http://" not in page and "https://" not in page  # self-contained
    assert "Warning" not in proc.stderr


def test_validate_exit_0_when_nothing_fails(real_run: Path, tmp_path: Path) -> None:
    spec = pilot_file(
        tmp_path,
        [
            commitment("TOWERS", "device_count", 2, params={"kinds": ["tower_camera"]}),
            commitment("PATROL", "patrol_24h", 100, unit="%"),
            commitment("DATA", "data_completeness", 50, unit="%", window="last_2h"),
            commitment("AIR", "aqi_days", 1, params={"levels": ["优", "良"]}),  # not evaluable
        ],
    )
    proc = ioc(
        "validate",
        "--commitments",
        str(spec),
        "--run",
        str(real_run),
        "--out",
        str(tmp_path / "out"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "N/A" in proc.stdout and "AIR" in proc.stdout
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert doc["summary"] == {"pass": 3, "fail": 0, "not_evaluable": 1, "total": 4}


def test_bad_commitments_exit_2_with_file_and_key_path(real_run: Path, tmp_path: Path) -> None:
    spec = pilot_file(
        tmp_path, [commitment("A", "kpi", "lots", params={"name": "结案率"})], name="bad.yaml"
    )
    proc = ioc(
        "validate",
        "--commitments",
        str(spec),
        "--run",
        str(real_run),
        "--out",
        str(tmp_path / "out"),
    )
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr and "commitments[0].target" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_the_documented_example_works_unchanged(real_run: Path, tmp_path: Path) -> None:
    text = (ROOT / "docs" / "commitments.md").read_text(encoding="utf-8")
    example = re.findall(r"```yaml\n(.*?)```", text, re.S)[0]
    spec = tmp_path / "dongchangfu.yaml"
    spec.write_text(example, encoding="utf-8")
    proc = ioc(
        "validate",
        "--commitments",
        str(spec),
        "--run",
        str(real_run),
        "--out",
        str(tmp_path / "out"),
    )
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    metrics = {r["metric"] for r in doc["commitments"]}
    assert metrics == {
        "device_count",
        "coverage_area",
        "coverage_corridor",
        "coverage_points",
        "online_rate",
        "data_completeness",
        "patrol_24h",
        "kpi",
        "detection_latency",
        "aqi_days",
        "lighting_saving",
    }


# --------------------------------------------------------------------------- planning


def test_plan_coverage_on_a_square(tmp_path: Path) -> None:
    proj = AreaProjection(LON, LAT)
    square = proj.to_lonlat(box(-5000, -5000, 5000, 5000))  # 100 km²
    area = tmp_path / "square.geojson"
    area.write_text(json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(square)}))
    plan_json, plan_png = tmp_path / "plan.json", tmp_path / "plan.png"
    proc = ioc(
        "plan",
        "coverage",
        "--area",
        str(area),
        "--radius-km",
        "3",
        "--target",
        "95",
        "--stated",
        "3",
        "--json",
        str(plan_json),
        "--map",
        str(plan_png),
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(plan_json.read_text())
    assert plan["lower_bound"] == 4  # ceil(0.95 × 100 / (π × 9))
    assert plan["needed"] >= plan["lower_bound"] and plan["reached"]
    assert "stated 3" in proc.stdout and f"({plan['needed'] - 3} more)" in proc.stdout
    assert plan_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = ioc("plan", "coverage", "--area", str(area), "--radius-km", "3", "--target", "0.95e3")
    assert bad.returncode == 2 and "--target" in bad.stderr
    missing = ioc(
        "plan",
        "coverage",
        "--area",
        str(tmp_path / "no.geojson"),
        "--radius-km",
        "3",
        "--target",
        "95",
    )
    assert missing.returncode == 2 and "no.geojson" in missing.stderr
