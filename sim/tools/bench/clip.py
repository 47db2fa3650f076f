"""A labelled clip for `citysim bench vision`: a synthetic scene (devices.scenes), how it is
sampled, and where its target is; the analytics the bench measures; helpers the clip makers
share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from devices.scenes import SceneObject, SceneSpec

W, H = 320, 240


class Analytic(StrEnum):
    """The edge video analytics the bench measures (edge.vision names), in bench order."""

    FIRE_SMOKE = "fire_smoke"
    ILLEGAL_PARKING = "illegal_parking"
    CROWD = "crowd"
    STREET_VENDING = "street_vending"
    FLOATING_DEBRIS = "floating_debris"
    EXPOSED_GARBAGE = "exposed_garbage"
    INTRUSION = "intrusion"
    LAND_CHANGE = "land_change"


# Ground-truth label kind of each analytic's target.
TARGET_LABEL: dict[str, str] = {
    Analytic.FIRE_SMOKE: "fire_smoke",
    Analytic.ILLEGAL_PARKING: "parked_car",
    Analytic.CROWD: "crowd",
    Analytic.STREET_VENDING: "stall",
    Analytic.FLOATING_DEBRIS: "debris",
    Analytic.EXPOSED_GARBAGE: "garbage",
    Analytic.INTRUSION: "intrusion",
    Analytic.LAND_CHANGE: "land_change",
}
ANALYTIC_ORDER: tuple[str, ...] = tuple(a.value for a in Analytic)
# Parameters the bench runs the analytics with (where they differ from the defaults): dwell
# times are shortened from product values (60 s) to keep clips short; the technique and
# thresholds are the same.
BENCH_PARAMS: dict[str, dict[str, Any]] = {
    Analytic.ILLEGAL_PARKING: {"dwell_s": 30.0},
    Analytic.STREET_VENDING: {"dwell_s": 30.0},
}


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


def scene_spec(kind: str, seed: int, objects: Sequence[SceneObject], **kw: Any) -> SceneSpec:
    """A scene of the bench's frame size."""
    return SceneSpec(kind, seed, W, H, objects=tuple(objects), **kw)


def uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """A uniform draw as a float."""
    return float(rng.uniform(lo, hi))


def always_there(obj: SceneObject) -> SceneObject:
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


def drive_in(
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
    speed = uniform(rng, 15, 30) if kind != "stall" else uniform(rng, 10, 15)
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
