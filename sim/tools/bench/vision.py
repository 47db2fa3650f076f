"""`citysim bench vision`: precision, recall and latency of the edge video analytics on
seeded, labelled synthetic clips (street_clips.py, country_clips.py), each preceded by a
pre-roll.

Every clip goes through a real `VisionPipeline` (analytic + `EventFilter`). A positive clip
counts as detected when a raised event of the analytic points at the target while it exists
(the event box's centre in the target's ground-truth box, with 4 px slack, or the box
covering the target's centre); every other raised event is a false positive (on negatives,
or elsewhere on positives). Latency runs from the target's first labelled frame to that event, so
for dwell-based analytics it includes the dwell time. Throughput counts only the analytic and
its filter (not the renderer), in frames per wall-clock second.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from devices.scenes import apparent_size_px, default_zones, object_label, tower_view
from edge.vision import RenderedSource, VisionEvent, VisionPipeline, make_analytic
from sim.tools.bench.clip import ANALYTIC_ORDER, BENCH_PARAMS, TARGET_LABEL, Analytic, Clip, W
from sim.tools.bench.country_clips import debris_clip, intrusion_clip, land_clip
from sim.tools.bench.street_clips import (
    crowd_clip,
    fire_clip,
    garbage_clip,
    parking_clip,
    vending_clip,
)

# Every clip is preceded by a pre-roll (before t = 0, nothing of the clip's own yet) so that
# background models start from a steady state, as on a camera that has been running.
PREROLL_S, PREROLL_FPS = 8.0, 1.0

# The clip maker of each analytic: (pair number, rng, scene seed, positive) -> a clip.
GENERATORS: dict[str, Callable[[int, np.random.Generator, int, bool], Clip]] = {
    Analytic.FIRE_SMOKE: fire_clip,
    Analytic.ILLEGAL_PARKING: parking_clip,
    Analytic.CROWD: crowd_clip,
    Analytic.STREET_VENDING: vending_clip,
    Analytic.FLOATING_DEBRIS: debris_clip,
    Analytic.EXPOSED_GARBAGE: garbage_clip,
    Analytic.INTRUSION: intrusion_clip,
    Analytic.LAND_CHANGE: land_clip,
}


def make_clips(analytic: str, seed: int, n: int) -> list[Clip]:
    """n clips for an analytic (alternately positive and negative), all from the seed."""
    gen = GENERATORS[analytic]
    clips = []
    a = ANALYTIC_ORDER.index(analytic)
    for k in range(n):
        rng = np.random.default_rng([seed, 9000 + a, k])
        scene_seed = (seed * 7919 + a * 1009 + k * 31) % 1_000_003
        clips.append(gen(k // 2, rng, scene_seed, k % 2 == 0))
    return clips


def _matches(event: VisionEvent, clip: Clip) -> bool:
    """Does a raised event point at the clip's target while the target exists?"""
    if clip.target is None:
        return False
    label = object_label(clip.spec, clip.target, event.t)
    if label is None or label.kind != TARGET_LABEL[clip.analytic]:
        return False
    ex, ey, ew, eh = event.bbox
    lx, ly, lw, lh = label.bbox
    m = 4  # pixels of slack around the label
    ecx, ecy = ex + ew / 2, ey + eh / 2
    if lx - m <= ecx <= lx + lw + m and ly - m <= ecy <= ly + lh + m:
        return True
    lcx, lcy = lx + lw / 2, ly + lh / 2
    return ex <= lcx <= ex + ew and ey <= lcy <= ey + eh


def _onset(clip: Clip) -> float | None:
    """Clip time of the target's first labelled frame."""
    if clip.target is None:
        return None
    n = round(clip.duration_s * clip.fps)
    for i in range(n):
        t = i / clip.fps
        if object_label(clip.spec, clip.target, t) is not None:
            return t
    return None


@dataclass
class ClipResult:
    """One clip through its analytic: detected, false positives, latency, work done."""

    clip: Clip
    detected: bool
    false_positives: int
    latency_s: float | None
    frames: int
    busy_s: float


def run_clip(clip: Clip, params: dict[str, Any] | None = None) -> ClipResult:
    """Run one clip through the analytic and its event filter, and score it."""
    zones = default_zones(clip.spec.kind, clip.spec.width, clip.spec.height)
    zones.update(clip.spec.zones)
    p = dict(BENCH_PARAMS.get(clip.analytic, {}))
    p.update(params or {})
    analytic = make_analytic(clip.analytic, zones, **p)
    source = RenderedSource(clip.spec, clip.fps, clip.duration_s, PREROLL_S, PREROLL_FPS)
    pipe = VisionPipeline(source, [analytic])
    detected, fps_count, latency = False, 0, None
    onset = _onset(clip)
    for ev in pipe.run():
        if ev.state != "raised" or ev.kind != clip.analytic:
            continue
        if _matches(ev, clip):
            if not detected and onset is not None:
                latency = ev.t - onset
            detected = True
        else:
            fps_count += 1
    return ClipResult(clip, detected, fps_count, latency, pipe.frames, pipe.busy_s[analytic.name])


def score(results: Sequence[ClipResult]) -> dict[str, float]:
    """Precision, recall, latency, throughput and per-condition figures of a set of clips."""
    pos = [r for r in results if r.clip.positive]
    neg = [r for r in results if not r.clip.positive]
    tp = sum(r.detected for r in pos)
    fp = sum(r.false_positives for r in results)
    lat = [r.latency_s for r in pos if r.latency_s is not None]
    busy = sum(r.busy_s for r in results)
    out: dict[str, float] = {
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / len(pos) if pos else 1.0,
        "mean_latency_s": float(np.mean(lat)) if lat else math.nan,
        "frames_per_s": sum(r.frames for r in results) / busy if busy > 0 else math.nan,
        "clips": float(len(results)),
        "positives": float(len(pos)),
        "false_positives": float(fp),
        "false_alarm_clips": float(sum(r.false_positives > 0 for r in neg)),
    }
    for cond in sorted({r.clip.condition for r in pos}):
        sel = [r for r in pos if r.clip.condition == cond]
        out[f"recall.{cond}"] = sum(r.detected for r in sel) / len(sel)
    for cond in sorted({r.clip.condition for r in neg}):
        sel = [r for r in neg if r.clip.condition == cond]
        out[f"false_alarm.{cond}"] = sum(r.false_positives > 0 for r in sel) / len(sel)
    return out


def bench_vision(
    seed: int = 0,
    clips_per_analytic: int = 40,
    quick: bool = False,
    analytics: Sequence[str] | None = None,
) -> dict[str, dict[str, float]]:
    """Precision/recall/latency/throughput per analytic on seeded labelled clips.

    `quick` runs 12 clips per analytic (for tests); `analytics` limits the set.
    Each analytic's figures include `wall_s`, the time its clips took (rendering included).
    """
    names = [str(a) for a in analytics] if analytics is not None else list(ANALYTIC_ORDER)
    unknown = [n for n in names if n not in GENERATORS]
    if unknown:
        raise ValueError(f"no bench clips for {unknown}; known: {', '.join(GENERATORS)}")
    n = 12 if quick else clips_per_analytic
    out: dict[str, dict[str, float]] = {}
    for name in names:
        start = time.perf_counter()
        results = [run_clip(c) for c in make_clips(name, seed, n)]
        figures = score(results)
        figures["wall_s"] = time.perf_counter() - start
        out[name] = figures
    return out


def tower_detection_probability(
    distances_m: Sequence[float] = (1000.0, 3000.0, 5000.0),
    plume_height_m: float = 50.0,
    trials: int = 10,
    seed: int = 0,
    night: bool = False,
    fog: float = 0.0,
    hfov_deg: float = 8.0,
    fps: float = 2.0,
    duration_s: float = 20.0,
) -> dict[str, float]:
    """Share of tower-camera views (`tower_view`) in which fire_smoke raises an event on the
    plume, per distance (keys "1000m", ...), with "px_<d>m" the plume's apparent height in
    pixels; "false_alarm" is the share of empty views (no plume) with an event and
    "false_alarm_distractors" the same with a drifting cloud and a steam plume at 3 km in
    view. A sanity check of far-field rendering and of what the analytic can see there."""
    out: dict[str, float] = {}
    for d in distances_m:
        hits = 0
        for k in range(trials):
            spec = tower_view(
                d, plume_height_m, hfov_deg=hfov_deg, night=night, fog=fog, seed=seed * 1000 + k
            )
            hits += run_clip(Clip("fire_smoke", spec, fps, duration_s, 0, "tower")).detected
        out[f"{d:.0f}m"] = hits / trials
        out[f"px_{d:.0f}m"] = apparent_size_px(plume_height_m, d, hfov_deg, W)
    for key, distractors in (("false_alarm", False), ("false_alarm_distractors", True)):
        alarms = 0
        for k in range(trials):
            spec = tower_view(
                3000.0,
                0.0,
                hfov_deg=hfov_deg,
                night=night,
                fog=fog,
                seed=seed * 1000 + 500 + k,
                distractors=distractors,
            )
            result = run_clip(Clip("fire_smoke", spec, fps, duration_s, None, "empty"))
            alarms += result.false_positives > 0
        out[key] = alarms / trials
    return out


def format_table(results: dict[str, dict[str, float]]) -> list[list[str]]:
    """Rows for a table: a header, then one row per analytic."""
    rows = [["analytic", "precision", "recall", "latency s", "frames/s", "clips", "wall s"]]
    for name, r in results.items():
        rows.append(
            [
                name,
                f"{r['precision']:.2f}",
                f"{r['recall']:.2f}",
                f"{r['mean_latency_s']:.1f}",
                f"{r['frames_per_s']:.0f}",
                f"{r['clips']:.0f}",
                f"{r.get('wall_s', math.nan):.1f}",
            ]
        )
    return rows
