"""Labelled clips of river, railway and farmland views for `citysim bench vision`: floating
debris (waves, glints and reflections as look-alikes), intrusion on a railway line (trains and
people beside the fence), land change (cloud shadows, tractors). What is always there
(reflections, cloud shadows) is there from long before the clip."""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.scenes import SceneObject, layout
from sim.tools.bench.clip import Clip, H, W, always_there, scene_spec, uniform

# -------------------------------------------------------------------------------- debris


def debris_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """Floating debris on a river, or waves, glints and reflections only."""
    fps, dur = 2.0, 25.0
    lay = layout("river", W, H)
    y0, y1 = lay["water"]
    kw: dict[str, Any] = {
        "background_traffic": int(rng.integers(1, 4)),
        "waves": uniform(rng, 0.0, 0.4),
    }
    refl = always_there(
        SceneObject(
            "reflection", uniform(rng, 20, 280), y0 + 2, uniform(rng, 10, 24), uniform(rng, 25, 50)
        )
    )
    if positive:
        cond = ("day", "night", "fog", "waves", "reflection")[i % 5]
        dw, dh = uniform(rng, 10, 18), uniform(rng, 6, 10)
        v = uniform(rng, 3, 8)
        # floats in from upstream (the left) or surfaces in view
        x = -dw if rng.random() < 0.5 else uniform(rng, 20, 200)
        objs = [
            SceneObject(
                "debris", x, uniform(rng, y0 + 6, y1 - dh - 6), dw, dh, t0=uniform(rng, 5, 8), vx=v
            )
        ]
        if cond == "reflection":
            objs.insert(0, refl)
        kw.update(night=cond == "night", fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0)
        if cond == "waves":
            kw["waves"] = uniform(rng, 0.5, 0.8)
        return Clip(
            "floating_debris", scene_spec("river", seed, objs, **kw), fps, dur, len(objs) - 1, cond
        )
    cond = ("calm", "choppy", "reflection", "night_reflection", "fog", "bank_walkers")[i % 6]
    objs = []
    if cond == "choppy":
        kw["waves"] = uniform(rng, 0.7, 1.0)
    elif cond in ("reflection", "night_reflection"):
        objs = [
            refl,
            always_there(
                SceneObject(
                    "reflection",
                    uniform(rng, 20, 280),
                    y0 + 2,
                    uniform(rng, 10, 24),
                    uniform(rng, 25, 50),
                )
            ),
        ]
        kw["night"] = cond == "night_reflection"
    elif cond == "fog":
        kw["fog"] = uniform(rng, 0.3, 0.6)
    elif cond == "bank_walkers":
        kw["background_traffic"] = int(rng.integers(4, 7))
    return Clip("floating_debris", scene_spec("river", seed, objs, **kw), fps, dur, None, cond)


# ------------------------------------------------------------------------------ intrusion


def intrusion_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """Someone crossing onto a railway line, or trains and people beside the fence."""
    fps, dur = 2.0, 20.0
    x0, x1 = layout("rail", W, H)["track_x"]
    t0 = uniform(rng, 5, 8)
    kw: dict[str, Any] = {"background_traffic": int(rng.integers(1, 4))}
    if positive:
        cond = ("day", "night", "fog", "occlusion", "along_track")[i % 5]
        if cond == "along_track":
            obj = SceneObject(
                "intruder",
                uniform(rng, x0 + 10, x1 - 18),
                -20,
                7,
                18,
                t0=t0,
                vy=uniform(rng, 8, 14),
            )
        else:
            left = rng.random() < 0.5
            v = uniform(rng, 6, 12)
            obj = SceneObject(
                "intruder",
                x0 - 25 if left else x1 + 18,
                uniform(rng, 30, 190),
                7,
                18,
                t0=t0,
                vx=v if left else -v,
            )
        kw.update(
            night=cond == "night",
            fog=uniform(rng, 0.3, 0.6) if cond == "fog" else 0.0,
            occlusion=uniform(rng, 0.2, 0.4) if cond == "occlusion" else 0.0,
        )
        return Clip("intrusion", scene_spec("rail", seed, [obj], **kw), fps, dur, 0, cond)
    cond = ("walkers", "train", "night_walkers", "fog_train", "person_at_fence", "dog")[i % 6]
    objs = []
    if cond == "dog":  # a stray dog crossing the line
        left = rng.random() < 0.5
        v = uniform(rng, 8, 16)
        objs = [
            SceneObject(
                "dog",
                x0 - 25 if left else x1 + 14,
                uniform(rng, 30, 200),
                14,
                8,
                t0=t0,
                vx=v if left else -v,
            )
        ]
    if cond in ("train", "fog_train"):
        objs = [
            SceneObject("train", x0 + 6, -260, x1 - x0 - 12, 250, t0=t0, vy=uniform(rng, 40, 90))
        ]
        kw["fog"] = uniform(rng, 0.3, 0.6) if cond == "fog_train" else 0.0
    elif cond == "person_at_fence":
        left = rng.random() < 0.5
        objs = [
            SceneObject("person", x0 - 22 if left else x1 + 14, uniform(rng, 30, 190), 7, 18, t0=t0)
        ]
    else:
        kw["background_traffic"] = int(rng.integers(3, 6))
        kw["night"] = cond == "night_walkers"
    return Clip("intrusion", scene_spec("rail", seed, objs, **kw), fps, dur, None, cond)


# --------------------------------------------------------------------------- land change


def land_clip(i: int, rng: np.random.Generator, seed: int, positive: bool) -> Clip:
    """New building on farmland, or cloud shadows and tractors."""
    fps, dur = 0.5, 60.0
    y_f = layout("farmland", W, H)["fields"][0]
    kw: dict[str, Any] = {}

    def shadow() -> SceneObject:
        return always_there(
            SceneObject(
                "shadow",
                uniform(rng, -150, 50),
                uniform(rng, y_f, H - 60),
                uniform(rng, 80, 140),
                uniform(rng, 50, 80),
                vx=uniform(rng, 2, 5),
            )
        )

    if positive:
        cond = ("day", "haze", "cloud_shadow", "tractor")[i % 4]
        bw, bh = uniform(rng, 26, 50), uniform(rng, 22, 40)
        objs = [
            SceneObject(
                "building",
                uniform(rng, 15, W - bw - 15),
                uniform(rng, y_f + 5, H - bh - 5),
                bw,
                bh,
                t0=uniform(rng, 8, 16),
                grow_s=uniform(rng, 6, 16),
            )
        ]
        if cond == "cloud_shadow":
            objs.append(shadow())
        kw["fog"] = uniform(rng, 0.3, 0.5) if cond == "haze" else 0.0
        kw["background_traffic"] = 2 if cond == "tractor" else 0
        return Clip("land_change", scene_spec("farmland", seed, objs, **kw), fps, dur, 0, cond)
    cond = ("cloud_shadows", "tractor", "haze_shadow", "plain")[i % 4]
    objs = []
    if cond in ("cloud_shadows", "haze_shadow"):
        objs = [shadow(), shadow()]
        kw["fog"] = uniform(rng, 0.3, 0.5) if cond == "haze_shadow" else 0.0
    elif cond == "tractor":
        kw["background_traffic"] = 2
    return Clip("land_change", scene_spec("farmland", seed, objs, **kw), fps, dur, None, cond)
