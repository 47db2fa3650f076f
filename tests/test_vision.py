"""Synthetic scenes, classical OpenCV edge analytics, event debouncing, video sources and the
vision benchmark (all offline; the whole file runs in well under a minute)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from devices.scenes import (
    SceneObject,
    SceneSpec,
    apparent_size_px,
    default_zones,
    object_label,
    render,
    tower_view,
)
from edge.vision import (
    ANALYTICS,
    CaptureSource,
    Detection,
    EventFilter,
    RenderedSource,
    VisionEvent,
    VisionPipeline,
    make_analytic,
)
from sim.tools.bench.vision import bench_vision, format_table, tower_detection_probability

S = SceneObject


def run(
    spec: SceneSpec,
    name: str,
    fps: float,
    duration_s: float,
    preroll_s: float = 8.0,
    **params: object,
) -> list[VisionEvent]:
    """All events of one analytic on a rendered clip (after a pre-roll to learn the scene)."""
    zones = default_zones(spec.kind, spec.width, spec.height)
    analytic = make_analytic(name, zones, **params)
    source = RenderedSource(spec, fps, duration_s, preroll_s=preroll_s)
    return list(VisionPipeline(source, [analytic]).run())


def raised(events: list[VisionEvent]) -> list[VisionEvent]:
    return [e for e in events if e.state == "raised"]


def centre_in(bbox: tuple[int, int, int, int], label_bbox: tuple[int, int, int, int]) -> bool:
    x, y, w, h = bbox
    lx, ly, lw, lh = label_bbox
    return lx - 4 <= x + w / 2 <= lx + lw + 4 and ly - 4 <= y + h / 2 <= ly + lh + 4


def street_fire(seed: int = 3, t0: float = 2.0) -> SceneSpec:
    return SceneSpec(
        "street",
        seed,
        objects=(S("fire", 120, 160, 26, 55, t0=t0, grow_s=4),),
        background_traffic=3,
    )


# --------------------------------------------------------------------------------- scenes


def test_render_is_a_pure_function_with_labels() -> None:
    spec = street_fire()
    a, b = render(spec, 5.0), render(spec, 5.0)
    assert a.image.shape == (240, 320, 3) and a.image.dtype == np.uint8
    assert np.array_equal(a.image, b.image)
    assert not np.array_equal(a.image, render(spec, 5.25).image)  # flames flicker, cars move
    assert [lb.kind for lb in a.labels] == ["fire_smoke"]
    assert render(spec, 1.0).labels == []  # before the fire starts
    with pytest.raises(ValueError, match="unknown scene kind"):
        SceneSpec("moon", 1)


def test_crowd_label_needs_enough_people() -> None:
    spec = SceneSpec(
        "square",
        1,
        objects=(S("crowd", 100, 80, 110, 70, count=20), S("crowd", 20, 170, 40, 30, count=4)),
    )
    assert object_label(spec, 0, 1.0) is not None
    assert object_label(spec, 1, 1.0) is None  # a few people are not a crowd


# ------------------------------------------------------------------------------ fire/smoke


def test_rendered_fire_is_detected_with_a_jpeg_snapshot() -> None:
    spec = street_fire()
    events = raised(run(spec, "fire_smoke", 4.0, 10.0))
    assert events, "no fire event"
    ev = events[0]
    assert ev.kind == "fire_smoke" and 0 < ev.confidence <= 1 and ev.t >= 2.0
    label = object_label(spec, 0, ev.t)
    assert label is not None and centre_in(ev.bbox, label.bbox)
    assert ev.snapshot is not None
    img = cv2.imdecode(np.frombuffer(ev.snapshot, np.uint8), cv2.IMREAD_COLOR)
    assert img is not None and img.shape == (240, 320, 3)


def test_red_and_orange_cars_alone_are_not_fire() -> None:
    objs = (
        S("red_car", 140, 166, 40, 17, t0=2, style=0),  # parks (red)
        S("red_car", -42, 175, 40, 17, t0=1, vx=20, style=2),  # drives by (orange)
        S("lantern", 60, 40, 10, 14, t0=3),
    )
    for night in (False, True):
        spec = SceneSpec("street", 5, night=night, objects=objs, background_traffic=3)
        assert raised(run(spec, "fire_smoke", 4.0, 12.0)) == []


def test_thermal_hot_spot() -> None:
    spec = SceneSpec(
        "forest",
        2,
        night=True,
        thermal=True,
        objects=(S("fire", 150, 110, 30, 60, t0=2, grow_s=3),),
    )
    events = raised(run(spec, "fire_smoke", 4.0, 8.0))
    assert events and events[0].t < 6.0


# ---------------------------------------------------------------------------- parking


def parked_car(stay_s: float) -> SceneSpec:
    """A car that drives into the no-parking lane, stops at t = 4 s for stay_s, leaves."""
    y, x = 170.0, 140.0
    objs = (
        S("car", -42, y, 40, 17, t0=4 - 182 / 25, t1=4, vx=25, style=1),
        S("car", x, y, 40, 17, t0=4, t1=4 + stay_s, style=1),
        S("car", x, y, 40, 17, t0=4 + stay_s, vx=25, style=1),
    )
    return SceneSpec("street", 7, objects=objs, background_traffic=3)


def test_parking_dwell_threshold() -> None:
    short = run(parked_car(10.0), "illegal_parking", 1.0, 40.0, dwell_s=20.0)
    assert raised(short) == []
    spec = parked_car(60.0)
    events = raised(run(spec, "illegal_parking", 1.0, 40.0, dwell_s=20.0))
    assert len(events) == 1
    ev = events[0]
    assert ev.t >= 4 + 20  # not before the dwell time
    label = object_label(spec, 1, ev.t)
    assert label is not None and label.kind == "parked_car" and centre_in(ev.bbox, label.bbox)


# ------------------------------------------------------------------------------ crowd


def test_crowd_threshold() -> None:
    crowd = SceneSpec(
        "square",
        4,
        objects=(S("crowd", 100, 70, 95, 70, t0=2, grow_s=4, count=20),),
        background_traffic=4,
    )
    events = raised(run(crowd, "crowd", 2.0, 20.0))
    assert events and events[0].kind == "crowd"
    group = SceneSpec(
        "square", 4, objects=(S("crowd", 100, 70, 45, 35, t0=2, count=5),), background_traffic=4
    )
    assert raised(run(group, "crowd", 2.0, 20.0)) == []


# ------------------------------------------------------------------------ event filter


def test_event_filter_debounce_and_hysteresis() -> None:
    img = np.zeros((40, 40, 3), np.uint8)
    det = [Detection("x", 0.9, (1, 2, 3, 4), 0.0)]
    flt = EventFilter(raise_after=3, window=5, clear_after=2)
    pattern = [det, [], det, [], det, det, [], [], det]
    states = [[e.state for e in flt.update(img, float(i), d)] for i, d in enumerate(pattern)]
    assert states == [[], [], [], [], ["raised"], [], [], ["cleared"], []]
    with pytest.raises(ValueError):
        EventFilter(raise_after=6, window=5)


def test_unknown_analytic_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown analytic 'fire'.*fire_smoke.*illegal_parking"):
        make_analytic("fire")
    assert {
        "fire_smoke",
        "illegal_parking",
        "crowd",
        "street_vending",
        "floating_debris",
        "exposed_garbage",
        "intrusion",
        "land_change",
    } <= set(ANALYTICS)


# --------------------------------------------------------------------------- video files


def test_video_file_through_capture_source(tmp_path: Path) -> None:
    # MJPG in AVI: OpenCV writes and reads it with its own codec in the headless wheel
    path = tmp_path / "fire.avi"
    spec = street_fire(seed=9, t0=8.0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 8.0, (320, 240))
    assert writer.isOpened()
    for k in range(8 * 16):
        writer.write(render(spec, k / 8.0).image)
    writer.release()
    source = CaptureSource(path, fps=4.0)  # every other frame, skipped without decoding
    times = []
    events = []
    pipe = VisionPipeline(source, [make_analytic("fire_smoke")])
    for ev in pipe.run():
        events.append(ev)
    source.close()
    assert pipe.frames == 64
    first = raised(events)
    assert first and first[0].kind == "fire_smoke" and first[0].t >= 8.0
    # clip time comes from the container's timestamps
    with CaptureSource(path) as src:
        while (item := src.read()) is not None:
            times.append(item[0])
    assert (
        len(times) == 128
        and times[1] == pytest.approx(0.125)
        and times[-1] == pytest.approx(127 / 8)
    )


def test_missing_or_unreachable_video_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not found"):
        CaptureSource(tmp_path / "nope.avi")
    junk = tmp_path / "junk.avi"
    junk.write_text("not a video")
    with pytest.raises(ValueError, match="cannot decode"):
        CaptureSource(junk)
    with pytest.raises(ConnectionError):
        CaptureSource("rtsp://127.0.0.1:9/none")


# ---------------------------------------------------------------------------- benchmark


def test_bench_quick_metrics_stay_above_a_floor() -> None:
    results = bench_vision(quick=True, analytics=("fire_smoke", "illegal_parking", "crowd"))
    for name in ("fire_smoke", "illegal_parking", "crowd"):
        r = results[name]
        assert r["clips"] == 12 and r["positives"] == 6
        assert r["precision"] >= 0.8, (name, r)
        assert r["recall"] >= 0.8, (name, r)
        assert r["frames_per_s"] > 0 and r["mean_latency_s"] >= 0
    rows = format_table(results)
    assert rows[0][0] == "analytic" and len(rows) == 4


def test_tower_view_far_plumes_are_smaller_and_harder() -> None:
    near, far = tower_view(1000, 50, seed=1), tower_view(5000, 50, seed=1)
    assert far.objects[0].h < near.objects[0].h
    assert near.objects[0].h == pytest.approx(apparent_size_px(50, 1000, 8.0, 320))
    assert far.objects[0].contrast < near.objects[0].contrast  # more haze in between
    assert tower_view(3000, 0).objects == ()
    rates = tower_detection_probability((1000.0, 5000.0), trials=3, seed=1)
    assert rates["1000m"] > rates["5000m"]
    assert rates["false_alarm"] == 0.0
