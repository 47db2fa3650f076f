"""`citysim bench vision`: precision, recall and latency of the edge video analytics on
seeded, labelled synthetic clips.

For each analytic a set of short clips is generated from the seed: half positives (the
target appears during the clip) and half negatives, cycling through hard conditions: night,
fog, partial occlusion, and look-alike distractors (red and orange cars, red signs and
lanterns for fire; steam and clouds for smoke; moving traffic and short stops for parking;
passers-by and people waiting for vending; a few people vs a crowd; waves, glints and
reflections for debris; trains and people beside the fence for intrusion; cloud shadows and
tractors for land change). Distractors appear mid-clip, like targets, so that the background
models cannot simply learn them away; what is always there (reflections, cloud shadows) is
there from long before the clip, and each clip is preceded by a pre-roll.

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

from devices.scenes import (
    SceneObject,
    SceneSpec,
    apparent_size_px,
    default_zones,
    layout,
    object_label,
    tower_view,
)
from edge.vision import RenderedSource, VisionEvent, VisionPipeline, make_analytic

W, H = 320, 240

# Parameters the bench runs the analytics with (where they differ from the defaults): dwell
# times are shortened from product values (60 s) to keep clips short; the technique and
# thresholds are the same.
BENCH_PARAMS: dict[str, dict[str, Any]] = {
    "illegal_parking": {"dwell_s": 30.0},
    "street_vending": {"dwell_s": 30.0},
}
# Every clip is preceded by a pre-roll (before t = 0, nothing of the clip's own yet) so that
# background models start from a steady state, as on a camera that has been running.
PREROLL_S, PREROLL_FPS = 8.0, 1.0
# Ground-truth label kind of each analytic's target.
TARGET_LABEL = {
    "fire_smoke": "fire_smoke",
    "illegal_parking": "parked_car",
    "crowd": "crowd",
    "street_vending": "stall",
    "floating_debris": "debris",
    "exposed_garbage": "garbage",
    "intrusion": "intrusion",
    "land_change": "land_change",
}
ANALYTIC_ORDER = tuple(TARGET_LABEL)


@dataclass(frozen=True)
class Clip:
    """One labelled clip: a scene, how it is sampled, and what is to be found in it."""

    analytic: str
    spec: SceneSpec
    fps: float
    duration_s: float
    target: int | None  # index of the target object in spec.objects; None for negatives
    condition: str  # e.g. "night", "fog", "occlusion", "red_car", "steam"

    @property
    def positive(self) -> bool:
        return self.target is not None


def _spec(kind: str, seed: int, objects: Sequence[SceneObject], **kw: Any) -> SceneSpec:
    return SceneSpec(kind, seed, W, H, objects=tuple(objects), **kw)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _always(obj: SceneObject) -> SceneObject:
    """The object as part of the scene since long before the clip (and its pre-roll): at its
    given place at t = 0, having drifted there at its velocity."""
    back = 1000.0
    return SceneObject(
        obj.kind,
        obj.x - obj.vx * back,
        obj.y - obj.vy * back,
        obj.w,
        obj.h,
        t0=-back,
        t1=obj.t1,
        vx=obj.vx,
        vy=obj.vy,
        count=obj.count,
        contrast=obj.contrast,
        style=obj.style,
    )


def _drive_in(
    kind: str,
    rng: np.random.Generator,
    x_stop: float,
    y: float,
    w: float,
    h: float,
    t_stop: float,
    stay_s: float,
    style: int,
) -> list[SceneObject]:
    """A vehicle (or cart) that drives in from a side, stops at x_stop for stay_s seconds
    and drives off: three objects of one style; the parked one is the middle one."""
    speed = _u(rng, 15, 30) if kind != "stall" else _u(rng, 10, 15)
    left = x_stop + w / 2 < W / 2  # from the nearer side
    x_from = -w - 2 if left else W + 2
    # arrive after t = 0: nothing of the clip moves during the pre-roll
    t_stop = max(t_stop, 1.0 + abs(x_stop - x_from) / speed)
    t_arr = t_stop - abs(x_stop - x_from) / speed
    v_in = speed if left else -speed
    t_leave = t_stop + stay_s
    return [
        SceneObject(kind, x_from, y, w, h, t0=t_arr, t1=t_stop, vx=v_in, style=style),
        SceneObject(kind, x_stop, y, w, h, t0=t_stop, t1=t_leave, style=style),
        SceneObject(kind, x_stop, y, w, h, t0=t_leave, vx=v_in, style=style),
    ]


# -------------------------------------------------------------------------------- fire/smoke


def _fire_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 4.0, 12.0
    t0 = _u(rng, 2.0, 4.0)
    st = layout("street", W, H)
    objs: list[SceneObject] = []
    kw: dict[str, Any] = {}
    if positive:
        cond = (
            "day_red_car",
            "night",
            "fog",
            "occlusion",
            "smoke_only",
            "thermal",
            "farmland",
            "lantern",
            "tower_1500m",
            "street_fog",
        )[i % 10]
        grow = _u(rng, 3.0, 8.0)
        fw, fh = _u(rng, 18, 30), _u(rng, 40, 65)
        if cond in ("day_red_car", "night", "lantern", "street_fog"):
            scene = "street"
            if rng.random() < 0.5:
                bottom = _u(rng, st["lower_walk"][0] + 4, H - 2)
            else:
                bottom = _u(rng, st["upper_walk"][0] + 4, st["upper_walk"][1])
            objs.append(
                SceneObject("fire", _u(rng, 20, W - 50), bottom - fh, fw, fh, t0=t0, grow_s=grow)
            )
            kw = {
                "background_traffic": int(rng.integers(2, 5)),
                "night": cond == "night",
                "fog": _u(rng, 0.3, 0.6) if cond == "street_fog" else 0.0,
            }
            if cond == "day_red_car":
                objs += _drive_in(
                    "red_car",
                    rng,
                    _u(rng, 40, 240),
                    _u(rng, 160, 182),
                    40,
                    17,
                    _u(rng, 2, 6),
                    30,
                    int(rng.integers(4)),
                )
            if cond == "lantern":
                objs += [
                    SceneObject(
                        "lantern", _u(rng, 20, 290), _u(rng, 25, 50), 10, 14, t0=_u(rng, 1, 4)
                    )
                    for _ in range(2)
                ]
        elif cond == "tower_1500m":
            spec = tower_view(_u(rng, 1000, 2000), _u(rng, 25, 40), seed=seed, fog=0.3)
            obj = spec.objects[0]
            objs = [
                SceneObject(
                    obj.kind, obj.x, obj.y, obj.w, obj.h, t0=t0, grow_s=grow, contrast=obj.contrast
                )
            ]
            return Clip("fire_smoke", _spec("forest", seed, objs, fog=spec.fog), fps, dur, 0, cond)
        else:
            scene = "farmland" if cond in ("occlusion", "farmland") else "forest"
            top = layout(scene, W, H)["sky"][1] + 10
            fw, fh = _u(rng, 22, 45), _u(rng, 50, 90)
            kind = "smoke" if cond == "smoke_only" else "fire"
            bottom = _u(rng, top + fh * 0.6, H - 10)
            objs.append(
                SceneObject(kind, _u(rng, 20, W - 70), bottom - fh, fw, fh, t0=t0, grow_s=grow)
            )
            kw = {
                "fog": _u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
                "occlusion": _u(rng, 0.3, 0.5) if cond == "occlusion" else 0.0,
                "thermal": cond == "thermal",
                "night": cond == "thermal",
                "background_traffic": 1 if cond == "farmland" else 0,
            }
        return Clip("fire_smoke", _spec(scene, seed, objs, **kw), fps, dur, 0, cond)
    cond = (
        "red_car_parks",
        "red_car_passes",
        "sign_lantern",
        "lanterns_night",
        "steam",
        "steam_fog",
        "cloud",
        "thermal_traffic",
        "farmland_tractor",
        "night_traffic",
    )[i % 10]
    scene, kw = "street", {"background_traffic": int(rng.integers(2, 5))}
    if cond == "red_car_parks":
        objs = _drive_in(
            "red_car",
            rng,
            _u(rng, 40, 240),
            _u(rng, 160, 182),
            40,
            17,
            t0,
            30,
            int(rng.integers(4)),
        )
    elif cond == "red_car_passes":
        objs = [
            SceneObject(
                "red_car",
                -42,
                _u(rng, 162, 180),
                40,
                17,
                t0=t0,
                vx=_u(rng, 8, 25),
                style=int(rng.integers(4)),
            )
        ]
    elif cond == "sign_lantern":
        objs = [
            SceneObject("red_sign", _u(rng, 20, 280), _u(rng, 30, 50), 22, 14, t0=t0),
            SceneObject("lantern", _u(rng, 20, 290), _u(rng, 20, 45), 10, 14, t0=t0 + 1),
        ]
    elif cond == "lanterns_night":
        objs = [
            SceneObject("lantern", _u(rng, 20, 290), _u(rng, 20, 50), 10, 14, t0=t0)
            for _ in range(3)
        ]
        kw["night"] = True
    elif cond in ("steam", "steam_fog"):
        objs = [
            SceneObject(
                "steam", _u(rng, 20, 280), _u(rng, 20, 45), _u(rng, 12, 20), _u(rng, 40, 60), t0=t0
            )
        ]
        kw["fog"] = _u(rng, 0.3, 0.6) if cond == "steam_fog" else 0.0
    elif cond == "cloud":
        scene, kw = "forest", {"fog": _u(rng, 0.0, 0.4)}
        objs = [
            _always(
                SceneObject(
                    "cloud",
                    _u(rng, -60, 100),
                    _u(rng, 0, 40),
                    _u(rng, 60, 110),
                    _u(rng, 20, 35),
                    vx=_u(rng, 1, 4),
                )
            ),
            SceneObject(
                "cloud",
                -120,
                _u(rng, 10, 40),
                _u(rng, 60, 110),
                _u(rng, 20, 35),
                t0=t0 - 3,
                vx=_u(rng, 6, 12),
            ),
        ]
    elif cond == "thermal_traffic":
        kw.update(thermal=True, night=True, background_traffic=int(rng.integers(4, 7)))
        objs = _drive_in("car", rng, _u(rng, 40, 240), _u(rng, 160, 182), 40, 17, t0, 30, 0)
    elif cond == "farmland_tractor":
        scene, kw = "farmland", {"background_traffic": 2}
    else:
        kw.update(night=True, background_traffic=int(rng.integers(4, 7)))
        objs = _drive_in(
            "red_car",
            rng,
            _u(rng, 40, 240),
            _u(rng, 160, 182),
            40,
            17,
            t0,
            30,
            int(rng.integers(4)),
        )
    return Clip("fire_smoke", _spec(scene, seed, objs, **kw), fps, dur, None, cond)


# ---------------------------------------------------------------------------- parking


def _parking_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 1.0, 75.0
    lay = layout("street", W, H)
    y_zone = _u(rng, lay["lane_b"][0] + 2, lay["road"][1] - 19)
    cw, ch = _u(rng, 36, 44), _u(rng, 15, 18)
    style = int(rng.integers(7))
    t_stop = _u(rng, 8, 16)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(2, 5))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "heavy_traffic", "red_car")[i % 6]
        kind = "red_car" if cond == "red_car" else "car"
        objs = _drive_in(kind, rng, _u(rng, 30, 250), y_zone, cw, ch, t_stop, 120, style)
        kw.update(
            night=cond == "night",
            fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=_u(rng, 0.2, 0.4) if cond == "occlusion" else 0.0,
        )
        if cond == "heavy_traffic":
            kw["background_traffic"] = int(rng.integers(6, 9))
        return Clip("illegal_parking", _spec("street", seed, objs, **kw), fps, dur, 1, cond)
    cond = (
        "short_stop",
        "traffic",
        "outside_zone",
        "person_waiting",
        "night_short_stop",
        "fog_short_stop",
        "two_short_stops",
        "near_dwell_stop",
    )[i % 8]
    objs = []
    if cond in ("short_stop", "night_short_stop", "fog_short_stop", "two_short_stops"):
        objs = _drive_in(
            "car", rng, _u(rng, 30, 250), y_zone, cw, ch, t_stop, _u(rng, 8, 20), style
        )
    elif cond == "near_dwell_stop":  # stops for 60-85 % of the dwell time, then leaves
        dwell = BENCH_PARAMS["illegal_parking"]["dwell_s"]
        objs = _drive_in(
            "car", rng, _u(rng, 30, 250), y_zone, cw, ch, t_stop, _u(rng, 0.6, 0.85) * dwell, style
        )
    if cond in ("short_stop", "night_short_stop", "fog_short_stop", "two_short_stops"):
        if cond == "two_short_stops":
            objs += _drive_in(
                "car", rng, _u(rng, 30, 250), y_zone, cw, ch, t_stop + 30, _u(rng, 8, 20), style + 1
            )
        kw.update(
            night=cond == "night_short_stop",
            fog=_u(rng, 0.3, 0.6) if cond == "fog_short_stop" else 0.0,
        )
    elif cond == "traffic":
        kw["background_traffic"] = int(rng.integers(6, 9))
    elif cond == "outside_zone":  # parked for long in the other lane, where it is allowed
        objs = _drive_in(
            "car", rng, _u(rng, 30, 250), _u(rng, lay["lane_a"][0], 128), cw, ch, t_stop, 120, style
        )
    elif cond == "person_waiting":
        objs = [
            SceneObject(
                "person", _u(rng, 30, 280), _u(rng, 165, 180), 7, 18, t0=t_stop, t1=t_stop + 60
            )
        ]
    return Clip("illegal_parking", _spec("street", seed, objs, **kw), fps, dur, None, cond)


# -------------------------------------------------------------------------------- crowd


def _crowd_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 2.0, 30.0
    t0 = _u(rng, 5, 8)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(3, 6))}

    def group(n: int, t_start: float, grow: float) -> SceneObject:
        area = n * _u(rng, 300, 420)
        gw = math.sqrt(area * _u(rng, 1.2, 1.8))
        gh = area / gw
        return SceneObject(
            "crowd",
            _u(rng, 10, W - gw - 10),
            _u(rng, 10, H - gh - 10),
            gw,
            gh,
            t0=t_start,
            grow_s=grow,
            count=n,
        )

    if positive:
        cond = ("day", "night", "fog", "occlusion", "busy")[i % 5]
        objs = [group(int(rng.integers(14, 27)), t0, _u(rng, 3, 10))]
        kw.update(
            night=cond == "night",
            fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=_u(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        if cond == "busy":
            kw["background_traffic"] = int(rng.integers(8, 12))
        return Clip("crowd", _spec("square", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("small_group", "passers_by", "two_groups", "vehicle", "night_group", "fog_group")[i % 6]
    objs = []
    if cond in ("small_group", "night_group", "fog_group"):
        objs = [group(int(rng.integers(3, 8)), t0, _u(rng, 2, 6))]
        kw.update(
            night=cond == "night_group", fog=_u(rng, 0.3, 0.6) if cond == "fog_group" else 0.0
        )
    elif cond == "passers_by":
        kw["background_traffic"] = int(rng.integers(10, 15))
    elif cond == "two_groups":
        objs = [group(int(rng.integers(4, 8)), t0, 3.0), group(int(rng.integers(4, 8)), t0, 3.0)]
    elif cond == "vehicle":  # a cleaning van crossing the square, slowly
        objs = [SceneObject("car", -50, _u(rng, 40, 180), 46, 22, t0=t0, vx=_u(rng, 8, 15))]
    return Clip("crowd", _spec("square", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------- vending


def _vending_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 1.0, 60.0
    lay = layout("street", W, H)
    y_walk = _u(rng, lay["lower_walk"][0] + 1, H - 30)
    t_stop = _u(rng, 8, 15)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(3, 6))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "square")[i % 5]
        sw, sh = _u(rng, 28, 40), _u(rng, 24, 30)
        if cond == "square":
            y = _u(rng, layout("square", W, H)["edge"][0] + 1, H - sh - 1)
            objs = _drive_in("stall", rng, _u(rng, 30, 250), y, sw, sh, t_stop, 120, -1)
            return Clip("street_vending", _spec("square", seed, objs, **kw), fps, dur, 1, cond)
        objs = _drive_in(
            "stall", rng, _u(rng, 30, 250), min(y_walk, H - sh - 1), sw, sh, t_stop, 120, -1
        )
        kw.update(
            night=cond == "night",
            fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=_u(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        return Clip("street_vending", _spec("street", seed, objs, **kw), fps, dur, 1, cond)
    cond = (
        "passers_by",
        "person_waiting",
        "two_chatting",
        "stall_outside_zone",
        "parked_car",
        "night_waiting",
        "cart_passing",
    )[i % 7]
    objs = []
    if cond == "cart_passing":  # a vendor pushing a cart along the sidewalk, not stopping
        v = _u(rng, 3, 8)
        objs = [SceneObject("stall", -40, min(y_walk, H - 29), 34, 27, t0=_u(rng, 1, 10), vx=v)]
    if cond in ("person_waiting", "night_waiting"):
        objs = [SceneObject("person", _u(rng, 20, 290), y_walk, 7, 18, t0=t_stop)]
        kw["night"] = cond == "night_waiting"
    elif cond == "two_chatting":
        x = _u(rng, 20, 280)
        objs = [
            SceneObject("person", x, y_walk, 7, 18, t0=t_stop),
            SceneObject("person", x + 8, y_walk + 1, 7, 18, t0=t_stop + 2),
        ]
    elif cond == "stall_outside_zone":  # on the far sidewalk, where vending is allowed
        objs = _drive_in(
            "stall", rng, _u(rng, 30, 250), lay["upper_walk"][0] - 8, 32, 26, t_stop, 120, -1
        )
    elif cond == "parked_car":
        objs = _drive_in(
            "car",
            rng,
            _u(rng, 30, 250),
            _u(rng, 162, 180),
            40,
            17,
            t_stop,
            120,
            int(rng.integers(7)),
        )
    else:
        kw["background_traffic"] = int(rng.integers(6, 10))
    return Clip("street_vending", _spec("street", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------- garbage


def _garbage_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 1.0, 45.0
    lay = layout("street", W, H)
    t0 = _u(rng, 6, 12)
    walk = "upper_walk" if rng.random() < 0.4 else "lower_walk"
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(2, 5))}
    if positive:
        cond = ("day", "night", "fog", "occlusion")[i % 4]
        gw, gh = _u(rng, 22, 38), _u(rng, 12, 20)
        y = _u(rng, lay[walk][0] + 1, lay[walk][1] - gh - 1)
        objs = [SceneObject("garbage", _u(rng, 15, W - gw - 15), y, gw, gh, t0=t0)]
        kw.update(
            night=cond == "night",
            fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=_u(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        return Clip("exposed_garbage", _spec("street", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("parked_car", "person_waiting", "traffic", "night_parked_car", "bags_briefly", "stall")[
        i % 6
    ]
    objs = []
    gw, gh = _u(rng, 22, 38), _u(rng, 12, 20)
    if cond == "bags_briefly":  # put down and taken away again within the dwell time
        y = _u(rng, lay[walk][0] + 1, lay[walk][1] - gh - 1)
        objs = [
            SceneObject(
                "garbage", _u(rng, 15, W - gw - 15), y, gw, gh, t0=t0, t1=t0 + _u(rng, 5, 12)
            )
        ]
    elif cond == "stall":  # a vendor's stall: cluttered too (a known confusion)
        objs = _drive_in(
            "stall",
            rng,
            _u(rng, 30, 250),
            _u(rng, lay["lower_walk"][0] + 1, H - 29),
            34,
            27,
            t0,
            120,
            -1,
        )
    if cond in ("parked_car", "night_parked_car"):
        objs = _drive_in(
            "car", rng, _u(rng, 30, 250), _u(rng, 162, 180), 40, 17, t0, 120, int(rng.integers(7))
        )
        kw["night"] = cond == "night_parked_car"
    elif cond == "person_waiting":
        objs = [
            SceneObject(
                "person",
                _u(rng, 20, 290),
                _u(rng, lay[walk][0], lay[walk][1] - 18)
                if walk == "lower_walk"
                else lay[walk][0] - 6,
                7,
                18,
                t0=t0,
            )
        ]
    else:
        kw["background_traffic"] = int(rng.integers(6, 9))
    return Clip("exposed_garbage", _spec("street", seed, objs, **kw), fps, dur, None, cond)


# -------------------------------------------------------------------------------- debris


def _debris_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 2.0, 25.0
    lay = layout("river", W, H)
    y0, y1 = lay["water"]
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(1, 4)), "waves": _u(rng, 0.0, 0.4)}
    refl = _always(
        SceneObject("reflection", _u(rng, 20, 280), y0 + 2, _u(rng, 10, 24), _u(rng, 25, 50))
    )
    if positive:
        cond = ("day", "night", "fog", "waves", "reflection")[i % 5]
        dw, dh = _u(rng, 10, 18), _u(rng, 6, 10)
        v = _u(rng, 3, 8)
        # floats in from upstream (the left) or surfaces in view
        x = -dw if rng.random() < 0.5 else _u(rng, 20, 200)
        objs = [
            SceneObject("debris", x, _u(rng, y0 + 6, y1 - dh - 6), dw, dh, t0=_u(rng, 5, 8), vx=v)
        ]
        if cond == "reflection":
            objs.insert(0, refl)
        kw.update(night=cond == "night", fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0)
        if cond == "waves":
            kw["waves"] = _u(rng, 0.5, 0.8)
        return Clip(
            "floating_debris", _spec("river", seed, objs, **kw), fps, dur, len(objs) - 1, cond
        )
    cond = ("calm", "choppy", "reflection", "night_reflection", "fog", "bank_walkers")[i % 6]
    objs = []
    if cond == "choppy":
        kw["waves"] = _u(rng, 0.7, 1.0)
    elif cond in ("reflection", "night_reflection"):
        objs = [
            refl,
            _always(
                SceneObject(
                    "reflection", _u(rng, 20, 280), y0 + 2, _u(rng, 10, 24), _u(rng, 25, 50)
                )
            ),
        ]
        kw["night"] = cond == "night_reflection"
    elif cond == "fog":
        kw["fog"] = _u(rng, 0.3, 0.6)
    elif cond == "bank_walkers":
        kw["background_traffic"] = int(rng.integers(4, 7))
    return Clip("floating_debris", _spec("river", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------ intrusion


def _intrusion_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 2.0, 20.0
    x0, x1 = layout("rail", W, H)["track_x"]
    t0 = _u(rng, 5, 8)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(1, 4))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "along_track")[i % 5]
        if cond == "along_track":
            obj = SceneObject(
                "intruder", _u(rng, x0 + 10, x1 - 18), -20, 7, 18, t0=t0, vy=_u(rng, 8, 14)
            )
        else:
            left = rng.random() < 0.5
            v = _u(rng, 6, 12)
            obj = SceneObject(
                "intruder",
                x0 - 25 if left else x1 + 18,
                _u(rng, 30, 190),
                7,
                18,
                t0=t0,
                vx=v if left else -v,
            )
        kw.update(
            night=cond == "night",
            fog=_u(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=_u(rng, 0.2, 0.4) if cond == "occlusion" else 0.0,
        )
        return Clip("intrusion", _spec("rail", seed, [obj], **kw), fps, dur, 0, cond)
    cond = ("walkers", "train", "night_walkers", "fog_train", "person_at_fence", "dog")[i % 6]
    objs = []
    if cond == "dog":  # a stray dog crossing the line
        left = rng.random() < 0.5
        v = _u(rng, 8, 16)
        objs = [
            SceneObject(
                "dog",
                x0 - 25 if left else x1 + 14,
                _u(rng, 30, 200),
                14,
                8,
                t0=t0,
                vx=v if left else -v,
            )
        ]
    if cond in ("train", "fog_train"):
        objs = [SceneObject("train", x0 + 6, -260, x1 - x0 - 12, 250, t0=t0, vy=_u(rng, 40, 90))]
        kw["fog"] = _u(rng, 0.3, 0.6) if cond == "fog_train" else 0.0
    elif cond == "person_at_fence":
        left = rng.random() < 0.5
        objs = [SceneObject("person", x0 - 22 if left else x1 + 14, _u(rng, 30, 190), 7, 18, t0=t0)]
    else:
        kw["background_traffic"] = int(rng.integers(3, 6))
        kw["night"] = cond == "night_walkers"
    return Clip("intrusion", _spec("rail", seed, objs, **kw), fps, dur, None, cond)


# --------------------------------------------------------------------------- land change


def _land_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    fps, dur = 0.5, 60.0
    y_f = layout("farmland", W, H)["fields"][0]
    kw: dict[str, Any] = {}

    def shadow() -> SceneObject:
        return _always(
            SceneObject(
                "shadow",
                _u(rng, -150, 50),
                _u(rng, y_f, H - 60),
                _u(rng, 80, 140),
                _u(rng, 50, 80),
                vx=_u(rng, 2, 5),
            )
        )

    if positive:
        cond = ("day", "haze", "cloud_shadow", "tractor")[i % 4]
        bw, bh = _u(rng, 26, 50), _u(rng, 22, 40)
        objs = [
            SceneObject(
                "building",
                _u(rng, 15, W - bw - 15),
                _u(rng, y_f + 5, H - bh - 5),
                bw,
                bh,
                t0=_u(rng, 8, 16),
                grow_s=_u(rng, 6, 16),
            )
        ]
        if cond == "cloud_shadow":
            objs.append(shadow())
        kw["fog"] = _u(rng, 0.3, 0.5) if cond == "haze" else 0.0
        kw["background_traffic"] = 2 if cond == "tractor" else 0
        return Clip("land_change", _spec("farmland", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("cloud_shadows", "tractor", "haze_shadow", "plain")[i % 4]
    objs = []
    if cond in ("cloud_shadows", "haze_shadow"):
        objs = [shadow(), shadow()]
        kw["fog"] = _u(rng, 0.3, 0.5) if cond == "haze_shadow" else 0.0
    elif cond == "tractor":
        kw["background_traffic"] = 2
    return Clip("land_change", _spec("farmland", seed, objs, **kw), fps, dur, None, cond)


GENERATORS: dict[str, Callable[[int, np.random.Generator, int, bool], Clip]] = {
    "fire_smoke": _fire_clip,
    "illegal_parking": _parking_clip,
    "crowd": _crowd_clip,
    "street_vending": _vending_clip,
    "floating_debris": _debris_clip,
    "exposed_garbage": _garbage_clip,
    "intrusion": _intrusion_clip,
    "land_change": _land_clip,
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


# -------------------------------------------------------------------------------- scoring


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
    names = list(analytics) if analytics is not None else list(ANALYTIC_ORDER)
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
