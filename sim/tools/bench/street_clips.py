"""Labelled clips of street cameras for `citysim bench vision`: fire and smoke, illegal
parking, crowds, street vending, exposed garbage. Each maker draws, from its seed, a positive
(the target appears during the clip) or a negative clip, cycling through hard conditions:
night, fog, partial occlusion, and look-alike distractors (red and orange cars, red signs and
lanterns for fire; steam and clouds for smoke; moving traffic and short stops for parking;
passers-by and people waiting for vending; a few people vs a crowd). Distractors appear
mid-clip, like targets, so that the background models cannot simply learn them away."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from devices.scenes import SceneObject, layout, tower_view
from sim.tools.bench.clip import (
    BENCH_PARAMS,
    Clip,
    H,
    W,
    always_there,
    drive_in,
    scene_spec,
    uniform,
)

# -------------------------------------------------------------------------------- fire/smoke


def fire_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """Fire or smoke (in a street, on farmland, in thermal view), or look-alikes: red cars,
    signs and lanterns, steam, clouds."""
    fps, dur = 4.0, 12.0
    t0 = uniform(rng, 2.0, 4.0)
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
        grow = uniform(rng, 3.0, 8.0)
        fw, fh = uniform(rng, 18, 30), uniform(rng, 40, 65)
        if cond in ("day_red_car", "night", "lantern", "street_fog"):
            scene = "street"
            if rng.random() < 0.5:
                bottom = uniform(rng, st["lower_walk"][0] + 4, H - 2)
            else:
                bottom = uniform(rng, st["upper_walk"][0] + 4, st["upper_walk"][1])
            objs.append(
                SceneObject(
                    "fire", uniform(rng, 20, W - 50), bottom - fh, fw, fh, t0=t0, grow_s=grow
                )
            )
            kw = {
                "background_traffic": int(rng.integers(2, 5)),
                "night": cond == "night",
                "fog": uniform(rng, 0.3, 0.6) if cond == "street_fog" else 0.0,
            }
            if cond == "day_red_car":
                objs += drive_in(
                    "red_car",
                    rng,
                    uniform(rng, 40, 240),
                    uniform(rng, 160, 182),
                    40,
                    17,
                    uniform(rng, 2, 6),
                    30,
                    int(rng.integers(4)),
                )
            if cond == "lantern":
                objs += [
                    SceneObject(
                        "lantern",
                        uniform(rng, 20, 290),
                        uniform(rng, 25, 50),
                        10,
                        14,
                        t0=uniform(rng, 1, 4),
                    )
                    for _ in range(2)
                ]
        elif cond == "tower_1500m":
            spec = tower_view(uniform(rng, 1000, 2000), uniform(rng, 25, 40), seed=seed, fog=0.3)
            obj = spec.objects[0]
            objs = [
                SceneObject(
                    obj.kind, obj.x, obj.y, obj.w, obj.h, t0=t0, grow_s=grow, contrast=obj.contrast
                )
            ]
            return Clip(
                "fire_smoke", scene_spec("forest", seed, objs, fog=spec.fog), fps, dur, 0, cond
            )
        else:
            scene = "farmland" if cond in ("occlusion", "farmland") else "forest"
            top = layout(scene, W, H)["sky"][1] + 10
            fw, fh = uniform(rng, 22, 45), uniform(rng, 50, 90)
            kind = "smoke" if cond == "smoke_only" else "fire"
            bottom = uniform(rng, top + fh * 0.6, H - 10)
            objs.append(
                SceneObject(kind, uniform(rng, 20, W - 70), bottom - fh, fw, fh, t0=t0, grow_s=grow)
            )
            kw = {
                "fog": uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
                "occlusion": uniform(rng, 0.3, 0.5) if cond == "occlusion" else 0.0,
                "thermal": cond == "thermal",
                "night": cond == "thermal",
                "background_traffic": 1 if cond == "farmland" else 0,
            }
        return Clip("fire_smoke", scene_spec(scene, seed, objs, **kw), fps, dur, 0, cond)
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
        objs = drive_in(
            "red_car",
            rng,
            uniform(rng, 40, 240),
            uniform(rng, 160, 182),
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
                uniform(rng, 162, 180),
                40,
                17,
                t0=t0,
                vx=uniform(rng, 8, 25),
                style=int(rng.integers(4)),
            )
        ]
    elif cond == "sign_lantern":
        objs = [
            SceneObject("red_sign", uniform(rng, 20, 280), uniform(rng, 30, 50), 22, 14, t0=t0),
            SceneObject("lantern", uniform(rng, 20, 290), uniform(rng, 20, 45), 10, 14, t0=t0 + 1),
        ]
    elif cond == "lanterns_night":
        objs = [
            SceneObject("lantern", uniform(rng, 20, 290), uniform(rng, 20, 50), 10, 14, t0=t0)
            for _ in range(3)
        ]
        kw["night"] = True
    elif cond in ("steam", "steam_fog"):
        objs = [
            SceneObject(
                "steam",
                uniform(rng, 20, 280),
                uniform(rng, 20, 45),
                uniform(rng, 12, 20),
                uniform(rng, 40, 60),
                t0=t0,
            )
        ]
        kw["fog"] = uniform(rng, 0.3, 0.6) if cond == "steam_fog" else 0.0
    elif cond == "cloud":
        scene, kw = "forest", {"fog": uniform(rng, 0.0, 0.4)}
        objs = [
            always_there(
                SceneObject(
                    "cloud",
                    uniform(rng, -60, 100),
                    uniform(rng, 0, 40),
                    uniform(rng, 60, 110),
                    uniform(rng, 20, 35),
                    vx=uniform(rng, 1, 4),
                )
            ),
            SceneObject(
                "cloud",
                -120,
                uniform(rng, 10, 40),
                uniform(rng, 60, 110),
                uniform(rng, 20, 35),
                t0=t0 - 3,
                vx=uniform(rng, 6, 12),
            ),
        ]
    elif cond == "thermal_traffic":
        kw.update(thermal=True, night=True, background_traffic=int(rng.integers(4, 7)))
        objs = drive_in(
            "car", rng, uniform(rng, 40, 240), uniform(rng, 160, 182), 40, 17, t0, 30, 0
        )
    elif cond == "farmland_tractor":
        scene, kw = "farmland", {"background_traffic": 2}
    else:
        kw.update(night=True, background_traffic=int(rng.integers(4, 7)))
        objs = drive_in(
            "red_car",
            rng,
            uniform(rng, 40, 240),
            uniform(rng, 160, 182),
            40,
            17,
            t0,
            30,
            int(rng.integers(4)),
        )
    return Clip("fire_smoke", scene_spec(scene, seed, objs, **kw), fps, dur, None, cond)


# ---------------------------------------------------------------------------- parking


def parking_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """A car parked past the dwell time, or traffic, short stops and stops outside the zone."""
    fps, dur = 1.0, 75.0
    lay = layout("street", W, H)
    y_zone = uniform(rng, lay["lane_b"][0] + 2, lay["road"][1] - 19)
    cw, ch = uniform(rng, 36, 44), uniform(rng, 15, 18)
    style = int(rng.integers(7))
    t_stop = uniform(rng, 8, 16)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(2, 5))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "heavy_traffic", "red_car")[i % 6]
        kind = "red_car" if cond == "red_car" else "car"
        objs = drive_in(kind, rng, uniform(rng, 30, 250), y_zone, cw, ch, t_stop, 120, style)
        kw.update(
            night=cond == "night",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=uniform(rng, 0.2, 0.4) if cond == "occlusion" else 0.0,
        )
        if cond == "heavy_traffic":
            kw["background_traffic"] = int(rng.integers(6, 9))
        return Clip("illegal_parking", scene_spec("street", seed, objs, **kw), fps, dur, 1, cond)
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
        objs = drive_in(
            "car", rng, uniform(rng, 30, 250), y_zone, cw, ch, t_stop, uniform(rng, 8, 20), style
        )
    elif cond == "near_dwell_stop":  # stops for 60-85 % of the dwell time, then leaves
        dwell = BENCH_PARAMS["illegal_parking"]["dwell_s"]
        objs = drive_in(
            "car",
            rng,
            uniform(rng, 30, 250),
            y_zone,
            cw,
            ch,
            t_stop,
            uniform(rng, 0.6, 0.85) * dwell,
            style,
        )
    if cond in ("short_stop", "night_short_stop", "fog_short_stop", "two_short_stops"):
        if cond == "two_short_stops":
            objs += drive_in(
                "car",
                rng,
                uniform(rng, 30, 250),
                y_zone,
                cw,
                ch,
                t_stop + 30,
                uniform(rng, 8, 20),
                style + 1,
            )
        kw.update(
            night=cond == "night_short_stop",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog_short_stop" else 0.0,
        )
    elif cond == "traffic":
        kw["background_traffic"] = int(rng.integers(6, 9))
    elif cond == "outside_zone":  # parked for long in the other lane, where it is allowed
        objs = drive_in(
            "car",
            rng,
            uniform(rng, 30, 250),
            uniform(rng, lay["lane_a"][0], 128),
            cw,
            ch,
            t_stop,
            120,
            style,
        )
    elif cond == "person_waiting":
        objs = [
            SceneObject(
                "person",
                uniform(rng, 30, 280),
                uniform(rng, 165, 180),
                7,
                18,
                t0=t_stop,
                t1=t_stop + 60,
            )
        ]
    return Clip("illegal_parking", scene_spec("street", seed, objs, **kw), fps, dur, None, cond)


# -------------------------------------------------------------------------------- crowd


def crowd_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """A crowd gathering, or a small group, passers-by, two groups, a vehicle."""
    fps, dur = 2.0, 30.0
    t0 = uniform(rng, 5, 8)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(3, 6))}

    def group(n: int, t_start: float, grow: float) -> SceneObject:
        area = n * uniform(rng, 300, 420)
        gw = math.sqrt(area * uniform(rng, 1.2, 1.8))
        gh = area / gw
        return SceneObject(
            "crowd",
            uniform(rng, 10, W - gw - 10),
            uniform(rng, 10, H - gh - 10),
            gw,
            gh,
            t0=t_start,
            grow_s=grow,
            count=n,
        )

    if positive:
        cond = ("day", "night", "fog", "occlusion", "busy")[i % 5]
        objs = [group(int(rng.integers(14, 27)), t0, uniform(rng, 3, 10))]
        kw.update(
            night=cond == "night",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=uniform(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        if cond == "busy":
            kw["background_traffic"] = int(rng.integers(8, 12))
        return Clip("crowd", scene_spec("square", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("small_group", "passers_by", "two_groups", "vehicle", "night_group", "fog_group")[i % 6]
    objs = []
    if cond in ("small_group", "night_group", "fog_group"):
        objs = [group(int(rng.integers(3, 8)), t0, uniform(rng, 2, 6))]
        kw.update(
            night=cond == "night_group", fog=uniform(rng, 0.3, 0.6) if cond == "fog_group" else 0.0
        )
    elif cond == "passers_by":
        kw["background_traffic"] = int(rng.integers(10, 15))
    elif cond == "two_groups":
        objs = [group(int(rng.integers(4, 8)), t0, 3.0), group(int(rng.integers(4, 8)), t0, 3.0)]
    elif cond == "vehicle":  # a cleaning van crossing the square, slowly
        objs = [
            SceneObject("car", -50, uniform(rng, 40, 180), 46, 22, t0=t0, vx=uniform(rng, 8, 15))
        ]
    return Clip("crowd", scene_spec("square", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------- vending


def vending_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """A stall set up on the walk or a square, or passers-by, people waiting, carts passing."""
    fps, dur = 1.0, 60.0
    lay = layout("street", W, H)
    y_walk = uniform(rng, lay["lower_walk"][0] + 1, H - 30)
    t_stop = uniform(rng, 8, 15)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(3, 6))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "square")[i % 5]
        sw, sh = uniform(rng, 28, 40), uniform(rng, 24, 30)
        if cond == "square":
            y = uniform(rng, layout("square", W, H)["edge"][0] + 1, H - sh - 1)
            objs = drive_in("stall", rng, uniform(rng, 30, 250), y, sw, sh, t_stop, 120, -1)
            return Clip("street_vending", scene_spec("square", seed, objs, **kw), fps, dur, 1, cond)
        objs = drive_in(
            "stall", rng, uniform(rng, 30, 250), min(y_walk, H - sh - 1), sw, sh, t_stop, 120, -1
        )
        kw.update(
            night=cond == "night",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=uniform(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        return Clip("street_vending", scene_spec("street", seed, objs, **kw), fps, dur, 1, cond)
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
        v = uniform(rng, 3, 8)
        objs = [
            SceneObject("stall", -40, min(y_walk, H - 29), 34, 27, t0=uniform(rng, 1, 10), vx=v)
        ]
    if cond in ("person_waiting", "night_waiting"):
        objs = [SceneObject("person", uniform(rng, 20, 290), y_walk, 7, 18, t0=t_stop)]
        kw["night"] = cond == "night_waiting"
    elif cond == "two_chatting":
        x = uniform(rng, 20, 280)
        objs = [
            SceneObject("person", x, y_walk, 7, 18, t0=t_stop),
            SceneObject("person", x + 8, y_walk + 1, 7, 18, t0=t_stop + 2),
        ]
    elif cond == "stall_outside_zone":  # on the far sidewalk, where vending is allowed
        objs = drive_in(
            "stall", rng, uniform(rng, 30, 250), lay["upper_walk"][0] - 8, 32, 26, t_stop, 120, -1
        )
    elif cond == "parked_car":
        objs = drive_in(
            "car",
            rng,
            uniform(rng, 30, 250),
            uniform(rng, 162, 180),
            40,
            17,
            t_stop,
            120,
            int(rng.integers(7)),
        )
    else:
        kw["background_traffic"] = int(rng.integers(6, 10))
    return Clip("street_vending", scene_spec("street", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------- garbage


def garbage_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """Garbage left on the street, or a parked car, people waiting, bags set down briefly."""
    fps, dur = 1.0, 45.0
    lay = layout("street", W, H)
    t0 = uniform(rng, 6, 12)
    walk = "upper_walk" if rng.random() < 0.4 else "lower_walk"
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(2, 5))}
    if positive:
        cond = ("day", "night", "fog", "occlusion")[i % 4]
        gw, gh = uniform(rng, 22, 38), uniform(rng, 12, 20)
        y = uniform(rng, lay[walk][0] + 1, lay[walk][1] - gh - 1)
        objs = [SceneObject("garbage", uniform(rng, 15, W - gw - 15), y, gw, gh, t0=t0)]
        kw.update(
            night=cond == "night",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=uniform(rng, 0.2, 0.35) if cond == "occlusion" else 0.0,
        )
        return Clip("exposed_garbage", scene_spec("street", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("parked_car", "person_waiting", "traffic", "night_parked_car", "bags_briefly", "stall")[
        i % 6
    ]
    objs = []
    gw, gh = uniform(rng, 22, 38), uniform(rng, 12, 20)
    if cond == "bags_briefly":  # put down and taken away again within the dwell time
        y = uniform(rng, lay[walk][0] + 1, lay[walk][1] - gh - 1)
        objs = [
            SceneObject(
                "garbage",
                uniform(rng, 15, W - gw - 15),
                y,
                gw,
                gh,
                t0=t0,
                t1=t0 + uniform(rng, 5, 12),
            )
        ]
    elif cond == "stall":  # a vendor's stall: cluttered too (a known confusion)
        objs = drive_in(
            "stall",
            rng,
            uniform(rng, 30, 250),
            uniform(rng, lay["lower_walk"][0] + 1, H - 29),
            34,
            27,
            t0,
            120,
            -1,
        )
    if cond in ("parked_car", "night_parked_car"):
        objs = drive_in(
            "car",
            rng,
            uniform(rng, 30, 250),
            uniform(rng, 162, 180),
            40,
            17,
            t0,
            120,
            int(rng.integers(7)),
        )
        kw["night"] = cond == "night_parked_car"
    elif cond == "person_waiting":
        objs = [
            SceneObject(
                "person",
                uniform(rng, 20, 290),
                uniform(rng, lay[walk][0], lay[walk][1] - 18)
                if walk == "lower_walk"
                else lay[walk][0] - 6,
                7,
                18,
                t0=t0,
            )
        ]
    else:
        kw["background_traffic"] = int(rng.integers(6, 9))
    return Clip("exposed_garbage", scene_spec("street", seed, objs, **kw), fps, dur, None, cond)
