"""Scenario files fail before a run starts, naming the file, the key path and the line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
import yaml

from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "scenarios" / "demo.yaml"


def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return err.value


def test_demo_meets_the_foundation_brief() -> None:
    sc = load_scenario(DEMO)
    assert len(sc.grids()) >= 3
    assert sum(f.count for f in sc.fleets) >= 200
    assert {f.kind for f in sc.fleets} >= {"smart_pole", "water_level", "smoke_detector"}
    kinds = {i.kind for i in sc.incidents.timeline}
    assert len(kinds) >= 3 and len(sc.incidents.timeline) >= 20
    assert sc.duration_h == 24


def test_bad_value_names_file_key_path_and_line(tmp_path: Path) -> None:
    data = demo_data()
    data["fleets"][2]["interval_s"] = -5
    path = write(tmp_path, data)
    err = problems(path)
    text = str(err)
    assert str(path) in text
    assert "fleets[2].interval_s" in text and "greater than 0" in text and "-5" in text
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "-5" in ln)
    assert f"(line {line})" in text


def test_missing_and_unknown_keys(tmp_path: Path) -> None:
    data = demo_data()
    del data["city"]
    data["fleets"][0]["intervall_s"] = 60  # typo
    err = problems(write(tmp_path, data))
    paths = [p for p, _ in err.problems]
    assert "city" in paths
    assert any(p.startswith("fleets[0].intervall_s") for p in paths)


def test_cross_references_are_checked(tmp_path: Path) -> None:
    data = demo_data()
    data["fleets"][1]["kind"] = "water_levle"
    data["incidents"]["timeline"][2]["grid"] = "nowhere"
    data["incidents"]["timeline"][3]["at"] = "25:00"
    data["incidents"]["timeline"][4]["near"] = "tower_camera"
    data["faults"][0]["at"] = "D3 01:00"
    err = problems(write(tmp_path, data))
    text = str(err)
    assert "fleets[1].kind" in text and "unknown device kind 'water_levle'" in text
    assert "incidents.timeline[2].grid" in text and "'nowhere'" in text
    assert "incidents.timeline[3].at" in text
    assert "incidents.timeline[4].near" in text
    assert "faults[0].at" in text and "outside the run" in text


def test_device_bound_incidents_need_their_fleet(tmp_path: Path) -> None:
    data = demo_data()
    data["fleets"] = [f for f in data["fleets"] if f["kind"] != "smart_pole"]
    data["incidents"]["timeline"] = [{"kind": "lamp_fault", "at": "01:00", "grid": "371502001001"}]
    data["incidents"]["rates"] = []
    err = problems(write(tmp_path, data))
    assert "incidents.timeline[0].kind" in str(err) and "needs a fleet of smart_pole" in str(err)


def test_place_needs_exactly_one_of_point_grid_near(tmp_path: Path) -> None:
    data = demo_data()
    data["incidents"]["timeline"][0]["point"] = [10, 10]  # it already has `near`
    err = problems(write(tmp_path, data))
    assert any(p.startswith("incidents.timeline[0]") for p, _ in err.problems)
    assert "exactly one of point, grid, near or area" in str(err)


def _geojson(path: Path, features: list[tuple[dict, dict]]) -> None:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": p, "geometry": g} for p, g in features
                ],
            }
        )
    )


def _square(x: float, y: float, d: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]],
    }


def test_geometry_from_geojson_files(tmp_path: Path) -> None:
    """Grid outlines, named areas and tower sites from GeoJSON (how pilot packs share their
    geometry with their commitments), placed where the files say."""
    from sim.world import World

    _geojson(
        tmp_path / "grids.geojson",
        [({"code": "G1"}, _square(117.0, 37.0, 0.1)), ({"code": "G2"}, _square(117.1, 37.0, 0.1))],
    )
    _geojson(tmp_path / "forest.geojson", [({}, _square(117.15, 37.02, 0.02))])
    _geojson(
        tmp_path / "rail.geojson",
        [({}, {"type": "LineString", "coordinates": [[117.0, 37.05], [117.2, 37.05]]})],
    )
    _geojson(
        tmp_path / "towers.geojson",
        [
            ({}, {"type": "Point", "coordinates": [117.05, 37.05]}),
            ({}, {"type": "Point", "coordinates": [117.15, 37.05]}),
        ],
    )
    data = {
        "name": "files",
        "city": "test",
        "start": "2026-04-01T00:00:00+08:00",
        "duration_h": 1,
        "geometry": {
            "crs": "lonlat",
            "grids_file": "grids.geojson",
            "areas": {"forest": "forest.geojson", "rail": "rail.geojson"},
        },
        "districts": [
            {
                "code": "D",
                "name": "d",
                "streets": [{"code": "S", "name": "s", "grids": [{"code": "G1"}, {"code": "G2"}]}],
            }
        ],
        "fleets": [
            {
                "kind": "tower_camera",
                "count": 2,
                "interval_s": 300,
                "placement": {"points_file": "towers.geojson"},
            },
            {
                "kind": "smoke_detector",
                "count": 20,
                "interval_s": 300,
                "placement": {"area": "forest"},
            },
        ],
        "incidents": {
            "timeline": [
                {"kind": "forest_fire", "at": "00:10", "area": "forest"},
                {"kind": "rail_intrusion", "at": "00:20", "area": "rail", "within_m": 30},
            ]
        },
    }
    path = write(tmp_path, data)
    world = World(load_scenario(path))
    towers, smoke = world.fleets
    assert np.allclose(towers.lonlat, [[117.05, 37.05], [117.15, 37.05]], atol=1e-6)
    assert list(towers.grids) == ["G1", "G2"]
    assert all(world.areas["forest"].covers(shapely.Point(p)) for p in smoke.xy)
    fire, intrusion = world.incidents
    assert world.areas["forest"].covers(shapely.Point(fire.xy))
    assert world.areas["rail"].distance(shapely.Point(intrusion.xy)) <= 30.001

    data["geometry"]["areas"]["forest"] = "missing.geojson"
    data["districts"][0]["streets"][0]["grids"].append({"code": "G3"})
    data["fleets"][0]["count"] = 3
    err = problems(write(tmp_path, data))
    text = str(err)
    assert "geometry.areas.forest" in text and "missing.geojson" in text
    assert "no outline for grid 'G3'" in text
    assert "towers.geojson has 2 sites for count 3" in text


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nfleets:\n  - kind: smart_pole\n    count: [1, 2\n", encoding="utf-8")
    err = problems(path)
    assert err.problems[0][0] == "(yaml)" and "line" in err.problems[0][1]


def test_yaml_boolean_keys_are_reported(tmp_path: Path) -> None:
    # YAML 1.1 reads `on:` as true: the error must point at it, not crash.
    data = demo_data()
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    text = text.replace("lamp_on_at:", "on:")
    path = tmp_path / "city.yaml"
    path.write_text(text, encoding="utf-8")
    err = problems(path)
    assert "fleets[0].params[True] (as a key)" in str(err)


def test_shortened_run_keeps_the_file_checked(tmp_path: Path) -> None:
    sc = load_scenario(DEMO, duration_h=3)
    assert sc.duration_h == 3 and sc.path == DEMO.resolve()
    with pytest.raises(ScenarioError, match="duration_h"):
        load_scenario(DEMO, duration_h=48)


def test_cli_check_exits_2_on_a_bad_file(tmp_path: Path) -> None:
    data = demo_data()
    data["fleets"][2]["interval_s"] = 0
    path = write(tmp_path, data)
    bad = subprocess.run(
        [sys.executable, "-m", "sim.cli", "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2
    assert "fleets[2].interval_s" in bad.stderr
    good = subprocess.run(
        [sys.executable, "-m", "sim.cli", "check", str(DEMO)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert good.returncode == 0, good.stderr
    assert "240" not in good.stderr


def test_a_missing_ioc_bundle_is_named_before_the_run(tmp_path: Path) -> None:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    data["ioc"] = {"config": "nope/ioc.yaml"}
    err = problems(write(tmp_path, data))
    assert "ioc.config" in str(err) and "nope/ioc.yaml" in str(err)
    del data["ioc"]  # none given: the project's default bundle, wherever the file is
    assert load_scenario(write(tmp_path, data)).ioc_config_path().is_file()
