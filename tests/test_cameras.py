"""Cameras at the edge and in the IOC: analytics kept per view across looks, tower optics and
localisation, edge events filed as cases with their evidence, and a tower camera finding a
rendered forest fire end to end (sim -> gateway -> Mosquitto -> IOC -> case with snapshot)."""

from __future__ import annotations

import json
import math
import subprocess
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import CITYSIM, ROOT, start_ioc
from ioc_harness import GW, LAT, LON, MIN, T0, Harness

from devices.scenes import SceneObject, SceneSpec, render
from edge.camera_analytics import (
    CameraEdge,
    CameraSetup,
    Look,
    TowerOptics,
    ViewAnalytics,
    offset_lonlat,
)
from ioc.contract import DeviceAnnouncement, DeviceInfo, EdgeEvent, Topics
from ioc.geo import ground_distance_m

S = SceneObject


def frames(
    spec: SceneSpec, t0: float, n: int = 12, fps: float = 4.0
) -> list[tuple[float, np.ndarray]]:
    return [(t0 + k / fps, render(spec, t0 + k / fps).image) for k in range(n)]


def jpeg(seed: int = 0) -> bytes:
    img = render(SceneSpec("forest", seed), 1.0).image
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return buf.tobytes()


# ------------------------------------------------------------------------------- views


def test_a_view_raises_once_per_event_and_clears_after_quiet_looks() -> None:
    # a fire from t = 100 s to t = 400 s in a street camera's view, looked at every minute
    spec = SceneSpec(
        "street",
        3,
        objects=(S("fire", 120, 160, 26, 55, t0=100, t1=400, grow_s=4),),
        background_traffic=3,
    )
    view = ViewAnalytics(["fire_smoke"], raise_after=3, window=5, clear_looks=2)
    view.prime(frames(spec, 0.0, 8))
    states = []
    for t in range(40, 600, 60):
        states.append([(ev.state, serial) for ev, serial in view.look(frames(spec, float(t)))])
    flat = [s for look in states for s in look]
    assert flat == [("raised", 1), ("cleared", 1)], states
    raised_at = 40 + 60 * next(i for i, s in enumerate(states) if s)
    cleared_at = 40 + 60 * max(i for i, s in enumerate(states) if s)
    assert 100 <= raised_at <= 160  # the first look that sees the fire
    assert cleared_at >= 400 + 60  # two quiet looks after it went out
    assert not view.busy and view.looks == len(states)


def test_each_view_keeps_its_own_state() -> None:
    setup = CameraSetup("CAM-1", LON, LAT, "street", ["fire_smoke"])
    edge = CameraEdge(setup)
    fire = SceneSpec("street", 3, objects=(S("fire", 120, 160, 26, 55, t0=0, grow_s=2),))
    calm = SceneSpec("street", 4)
    first = edge.look(Look("CAM-1", "a", frames(fire, 5.0), history=frames(fire, -3.0, 2)))
    other = edge.look(Look("CAM-1", "b", frames(calm, 5.0), history=frames(calm, -3.0, 2)))
    assert [e.state for e in first] == ["raised"] and other == []
    assert edge.busy("a") and not edge.busy("b")
    ev = first[0]
    assert ev.event_id == "CAM-1-a-1" and ev.kind == "fire_smoke" and ev.snapshot is not None
    assert ev.lon is None and ev.bearing_deg is None  # a fixed camera does not range


def test_a_river_camera_sees_debris_drifting_by_between_looks() -> None:
    """Floating debris (漂浮物) from 100 s to 700 s: pieces drift through a river view; looks
    a minute apart, each with lead-in frames, raise it once and clear it after it ends."""
    from types import SimpleNamespace

    from devices.scenes import default_zones
    from sim.world.camera_feed import _fixed_objects

    inc = SimpleNamespace(start=100.0, end=700.0, kind=SimpleNamespace(seen_as="floating_debris"))
    edge = CameraEdge(
        CameraSetup(
            "CAM-R",
            LON,
            LAT,
            "river",
            ["floating_debris", "fire_smoke"],
            default_zones("river", 320, 240),
        )
    )
    got = []
    for t in range(40, 1000, 60):
        objs = tuple(_fixed_objects(inc, "river", 5, float(t))) if t + 10 >= inc.start else ()
        spec = SceneSpec("river", 5, objects=objs, background_traffic=1)
        look = Look(
            "CAM-R",
            "main",
            frames(spec, float(t)),
            history=[(t + d, render(spec, t + d).image) for d in (-6.0, -3.0)],
        )
        got += [(t, e.kind, e.state) for e in edge.look(look)]
    assert [g[1:] for g in got] == [("floating_debris", "raised"), ("floating_debris", "cleared")]
    assert 100 <= got[0][0] <= 220 and got[1][0] >= 700


def test_a_scenario_camera_can_watch_a_video_file_instead(tmp_path: Path) -> None:
    """An integrator's footage (here an MJPG file of a street fire starting at 8 s) feeds the
    same looks and edge analytics as rendered frames; a missing file is a scenario error."""
    import yaml

    from sim.scenario import ScenarioError, load_scenario
    from sim.world import World
    from sim.world.camera_feed import CameraFeed

    spec = SceneSpec(
        "street", 9, objects=(S("fire", 120, 160, 26, 55, t0=8, grow_s=4),), background_traffic=3
    )
    writer = cv2.VideoWriter(
        str(tmp_path / "fire.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 8.0, (320, 240)
    )
    for k in range(8 * 40):
        writer.write(render(spec, k / 8.0).image)
    writer.release()
    data = {
        "name": "footage",
        "city": "test",
        "start": "2026-04-01T10:00:00+08:00",
        "duration_h": 1,
        "geometry": {"crs": "local_m", "origin": {"lon": LON, "lat": LAT}},
        "districts": [
            {
                "code": "D",
                "name": "d",
                "streets": [
                    {
                        "code": "S",
                        "name": "s",
                        "grids": [
                            {"code": "G1", "polygon": [[0, 0], [500, 0], [500, 500], [0, 500]]}
                        ],
                    }
                ],
            }
        ],
        "fleets": [
            {
                "kind": "camera",
                "count": 1,
                "interval_s": 300,
                "params": {"video": "fire.avi", "look_s": 10, "analytics": ["fire_smoke"]},
            }
        ],
    }
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    feed = CameraFeed(World(load_scenario(path)))
    [(_, [setup])] = feed.setups().items()
    edge = CameraEdge(setup)
    looks = list(feed.looks(0.0, 3600.0, lambda *a: False))
    feed.close()
    assert len(looks) == 4 and all(len(look.frames) == 12 for _, look in looks)  # 40 s of video
    events = [ev for _, look in looks for ev in edge.look(look)]
    assert [e.state for e in events] == ["raised"] and events[0].kind == "fire_smoke"
    start = feed.world.start_ms / 1000
    assert 8 <= events[0].t - start <= 30

    data["fleets"][0]["params"]["video"] = "missing.avi"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"fleets\[0\]\.params\.video.*missing\.avi"):
        load_scenario(path)


# ------------------------------------------------------------------------------- towers


def test_tower_optics_row_and_range_are_inverse() -> None:
    optics = TowerOptics(height_m=45, hfov_deg=8)
    for rng in (300.0, 1000.0, 3000.0, 5000.0):
        row = optics.row_for_range(rng)
        assert row > optics.horizon_row
        assert optics.range_for_row(row) == pytest.approx(rng, rel=1e-9)
    assert optics.row_for_range(1000) > optics.row_for_range(3000)  # nearer is lower
    assert optics.range_for_row(optics.horizon_row) is None
    assert optics.range_for_row(optics.horizon_row - 5) is None  # sky has no range
    assert optics.bearing_for_column(90, 160) == pytest.approx(90)
    assert optics.bearing_for_column(90, 0) == pytest.approx(86)
    assert optics.bearing_for_column(358, 320) == pytest.approx(2)  # wraps past north


def test_offset_lonlat_goes_the_right_way_and_distance() -> None:
    for bearing in (0, 45, 90, 200, 315):
        lon, lat = offset_lonlat(LON, LAT, bearing, 3000)
        assert ground_distance_m(LON, LAT, lon, lat) == pytest.approx(3000, rel=2e-3)
        east, north = lon - LON, lat - LAT
        assert math.degrees(math.atan2(east * math.cos(math.radians(LAT)), north)) % 360 == (
            pytest.approx(bearing, abs=0.2)
        )


def test_a_tower_locates_a_fire_from_pan_angle_and_image_row() -> None:
    optics = TowerOptics(height_m=45, hfov_deg=8)
    setup = CameraSetup("TW-1", LON, LAT, "forest", ["fire_smoke"], optics=optics)
    edge = CameraEdge(setup)
    # a 15 m plume 1 km out (34 px tall), 1 degree right of where the camera points
    base = optics.row_for_range(1000)
    x = (0.5 + 1 / 8) * 320
    plume = S("fire", x - 7.5, base - 34, 15, 34, t0=-1e9)
    spec = SceneSpec("forest", 5, objects=(plume,))
    events = edge.look(
        Look(
            "TW-1",
            "s07",
            frames(spec, 10.0),
            frames(SceneSpec("forest", 5), -110.0, 2),
            azimuth_deg=60.0,
        )
    )
    assert [e.state for e in events] == ["raised"]
    ev = events[0]
    assert ev.bearing_deg == pytest.approx(61, abs=0.6)
    assert ev.range_m is not None and ev.range_m == pytest.approx(1000, rel=0.35)
    where = offset_lonlat(LON, LAT, 61, 1000)
    assert ground_distance_m(ev.lon, ev.lat, *where) < 400


def test_a_tower_files_each_preset_by_the_land_it_looks_at(tmp_path: Path) -> None:
    """`sector_scenes`: a tower between forest (west) and fields (east) sees a straw fire in
    the east as farmland (秸秆焚烧), not as the forest tower it mostly is."""
    import yaml

    from sim.scenario import ScenarioError, load_scenario
    from sim.world import World
    from sim.world.camera_feed import CameraFeed

    def square(x: float, y: float, d: float) -> dict:
        ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }

    (tmp_path / "forest.json").write_text(json.dumps(square(117.0, 37.0, 0.1)))
    (tmp_path / "fields.json").write_text(json.dumps(square(117.1, 37.0, 0.1)))
    grid = [[117.0, 37.0], [117.2, 37.0], [117.2, 37.1], [117.0, 37.1]]
    data = {
        "name": "presets",
        "city": "test",
        "start": "2026-10-20T09:00:00+08:00",
        "duration_h": 1,
        "geometry": {"crs": "lonlat", "areas": {"forest": "forest.json", "fields": "fields.json"}},
        "districts": [
            {
                "code": "D",
                "name": "d",
                "streets": [{"code": "S", "name": "s", "grids": [{"code": "G1", "polygon": grid}]}],
            }
        ],
        "fleets": [
            {
                "kind": "tower_camera",
                "count": 1,
                "interval_s": 300,
                "placement": {"points": [[117.1, 37.05]]},
                "params": {
                    "height_m": 45,
                    "radius_m": 4000,
                    "sweep_s": 120,
                    "hfov_deg": 8,
                    "scene": "forest",
                    "analytics": ["fire_smoke"],
                    "idle_per_h": 0,
                    "sector_scenes": {"fields": "farmland"},
                },
            }
        ],
        "incidents": {
            "timeline": [{"kind": "straw_burning", "at": "09:05", "point": [117.1113, 37.05]}]
        },  # 1 km east
    }
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    world = World(load_scenario(path))
    feed = CameraFeed(world)
    [tower] = feed.towers
    assert tower.sector_scenes[11] == "farmland" and tower.sector_scenes[33] == "forest"
    [(_, [setup])] = feed.setups().items()
    edge = CameraEdge(setup)
    events = []
    for t in range(60, 1860, 60):  # tick by tick, as the clock drives it
        world.advance(float(t))
        for _, look in feed.looks(t - 60.0, float(t), lambda *a: False):
            events += edge.look(look)
    raised = [e for e in events if e.state == "raised"]
    assert raised and raised[0].scene == "farmland" and raised[0].kind == "fire_smoke"

    data["fleets"][0]["params"]["sector_scenes"] = {"lake": "river"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "no area 'lake'" in str(err.value) and "scene 'river'" in str(err.value)


# -------------------------------------------------------------------------- IOC engine


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "ioc")
    harness.org()
    return harness


def announce(h: Harness) -> None:
    infos = [
        DeviceInfo(device_id="CAM-1", kind="camera", lon=LON, lat=LAT, grid="g1", interval_s=300),
        DeviceInfo(
            device_id="TW-1",
            kind="tower_camera",
            lon=LON,
            lat=LAT,
            grid="g1",
            interval_s=300,
            attrs={"radius_m": 3000.0},
        ),
    ]
    h.send(Topics.devices(GW), DeviceAnnouncement, GW, ts=T0, devices=infos)


def event(h: Harness, t_min: float, **fields: object) -> None:
    fields.setdefault("device_id", "CAM-1")
    fields.setdefault("event_id", "CAM-1-v-1")
    fields.setdefault("state", "raised")
    h.send(Topics.events(GW), EdgeEvent, GW, ts=T0 + int(t_min * MIN), **fields)


def test_an_edge_event_becomes_a_case_with_its_snapshot(h: Harness) -> None:
    announce(h)
    snap = jpeg()
    event(
        h,
        1,
        kind="fire_smoke",
        scene="street",
        confidence=0.8,
        bbox=(10, 20, 30, 40),
        snapshot_jpeg=snap,
    )
    h.tick(2)
    [case] = h.views.cases()
    assert case["category"] == "SJ0502" and case["channel"] == "iot"
    [ev] = case["evidence"]
    assert ev["evidence_id"] == f"{GW}.CAM-1-v-1" and ev["url"].endswith(".jpg")
    path = h.engine.store.evidence_path(f"{ev['evidence_id']}.jpg")
    assert path is not None and path.read_bytes() == snap
    event(h, 30, kind="fire_smoke", scene="street")  # the same event raised again: no new case
    event(h, 40, kind="fire_smoke", scene="street", state="cleared")
    h.tick(41)
    assert len(h.views.cases()) == 1
    [alarm] = h.views.alarms()
    assert alarm["cleared_ts"] == T0 + 40 * MIN
    stored = h.engine.store.edge_events(device_id="CAM-1")
    assert {e["state"] for e in stored} == {"raised", "cleared"}


def test_the_scene_picks_the_catalogue_item(h: Harness) -> None:
    announce(h)
    # a tower over forest: 森林火情; bearing only (smoke above the skyline) -> radius/2 out
    event(
        h,
        1,
        device_id="TW-1",
        event_id="TW-1-s03-1",
        kind="fire_smoke",
        scene="forest",
        confidence=0.9,
        bearing_deg=90.0,
    )
    event(
        h,
        2,
        device_id="TW-1",
        event_id="TW-1-s09-1",
        kind="fire_smoke",
        scene="farmland",
        confidence=0.9,
        lon=LON - 0.02,
        lat=LAT + 0.005,
    )
    h.tick(3)
    forest, farm = sorted(h.views.cases(), key=lambda c: c["reported_ts"])
    assert forest["category"] == "SJ0506" and farm["category"] == "SJ0505"
    out = ground_distance_m(LON, LAT, forest["lon"], forest["lat"])
    assert out == pytest.approx(1500, rel=0.01)
    assert forest["lon"] > LON  # east
    assert (farm["lon"], farm["lat"]) == (LON - 0.02, LAT + 0.005)


def test_bad_edge_events_are_dead_lettered(h: Harness) -> None:
    announce(h)
    event(h, 1, kind="unicorn", scene="street", confidence=0.9)  # no rule files it
    event(h, 1, device_id="CAM-9", kind="fire_smoke", confidence=0.9)  # not registered
    event(h, 1, event_id="CAM-1-v-2", kind="fire_smoke", confidence=0.2)  # too unsure
    # a snapshot that is not a JPEG fails the contract
    h.msg_seq[GW] += 1
    bad = json.dumps(
        {
            "v": 1,
            "source": GW,
            "msg_seq": h.msg_seq[GW],
            "event_id": "x",
            "device_id": "CAM-1",
            "kind": "fire_smoke",
            "state": "raised",
            "ts": T0,
            "snapshot_jpeg": "aGVsbG8=",
        }
    ).encode()
    h.engine.handle(Topics.events(GW), bad)
    h.tick(2)
    assert h.views.cases() == []
    counts = h.engine.store.dead_letter_counts()
    assert counts == {"no_event_rule": 1, "unknown_device": 1, "schema": 1}
    letters = {d["reason"]: d for d in h.engine.store.dead_letters()}
    assert "unicorn" in letters["no_event_rule"]["detail"]
    assert "JPEG" in letters["schema"]["detail"]
    assert h.engine.counters["edge_events.below_confidence"] == 1


# ---------------------------------------------------------------------- end to end


def test_a_tower_camera_sees_a_forest_fire_and_the_ioc_serves_the_snapshot(
    tmp_path: Path, mosquitto
) -> None:
    """scenarios/tower-fire.yaml for its first 4 hours: the 09:00 fire 1 km from the tower."""
    ioc = start_ioc(mosquitto, tmp_path / "ioc-data", tmp_path / "ioc.log")
    out = tmp_path / "run"
    try:
        proc = subprocess.run(
            [
                *CITYSIM,
                "run",
                str(ROOT / "scenarios" / "tower-fire.yaml"),
                "--hours",
                "4",
                "--out",
                str(out),
                "--quiet",
                "--broker",
                mosquitto.address.url,
                "--ioc",
                "external",
                "--ioc-url",
                ioc.url,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        summary = json.loads((out / "summary.json").read_text())
        fires = [c for c in ioc.client.cases() if c["category"] == "SJ0506"]
        assert fires, f"no forest-fire case: {ioc.client.cases()}"
        case = fires[0]
        assert case["channel"] == "iot" and case["evidence"]
        with urllib.request.urlopen(ioc.url + case["evidence"][0]["url"], timeout=10) as resp:
            assert resp.headers["content-type"] == "image/jpeg"
            img = cv2.imdecode(np.frombuffer(resp.read(), np.uint8), cv2.IMREAD_COLOR)
        assert img is not None and img.shape == (240, 320, 3)
        # placed near the truth (1 km at 45 degrees from the tower), within the match radius
        records = [json.loads(line) for line in (out / "truth.jsonl").read_text().splitlines()]
        [truth] = [r for r in records if r["type"] == "incident" and r["kind"] == "forest_fire"]
        assert ground_distance_m(case["lon"], case["lat"], truth["lon"], truth["lat"]) < 1500
        [row] = [r for r in summary["towers"]["fires"] if r["kind"] == "forest_fire"]
        assert row["latency_s"] is not None and row["latency_s"] < 20 * 60
        assert summary["run"]["camera_looks"] > 0 and summary["run"]["edge_events"] >= 1
    finally:
        ioc.client.close()
        ioc.proc.terminate()
        ioc.proc.wait(30)
