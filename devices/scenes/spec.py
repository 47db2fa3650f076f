"""What a scene is: its kind, conditions and objects (`SceneSpec`, `SceneObject`), and
what a rendered frame carries (`Frame`, ground-truth `Label`s)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

SCENE_KINDS = ("street", "square", "river", "forest", "farmland", "rail")

# What each object kind is: targets produce a ground-truth label, distractors never do.
OBJECT_KINDS = (
    "car",
    "red_car",
    "person",
    "crowd",
    "stall",
    "garbage",
    "debris",
    "flame",
    "smoke",
    "fire",
    "red_sign",
    "lantern",
    "steam",
    "cloud",
    "building",
    "intruder",
    "train",
    "shadow",
    "reflection",
    "dog",
)
# A `crowd` object with fewer people than this is "a few people", not a crowd (no label).
CROWD_MIN_PEOPLE = 12
LABEL_OF = {
    "fire": "fire_smoke",
    "flame": "fire_smoke",
    "smoke": "fire_smoke",
    "stall": "stall",
    "garbage": "garbage",
    "debris": "debris",
    "building": "land_change",
    "intruder": "intrusion",
    "crowd": "crowd",
}

BGR = tuple[int, int, int]
Polygon = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class SceneObject:
    """Something in view. Fire and smoke grow from small to (w, h) over `grow_s`, anchored at
    the bottom centre; a crowd's people arrive over `grow_s`. `count` is the number of people of
    a crowd; `contrast` (0..1) is the share of its contrast left by haze (far-field towers);
    `style` keeps a car's colour when it is split into arriving/parked/leaving objects."""

    kind: str
    x: float
    y: float
    w: float
    h: float
    t0: float = 0.0
    t1: float = math.inf
    vx: float = 0.0
    vy: float = 0.0
    grow_s: float = 0.0
    count: int = 0
    contrast: float = 1.0
    style: int = -1  # palette index (colour of a car, clothes of a person); -1: by position

    def __post_init__(self) -> None:
        if self.kind not in OBJECT_KINDS:
            raise ValueError(f"unknown scene object kind {self.kind!r}; known: {OBJECT_KINDS}")

    def alive(self, t: float) -> bool:
        return self.t0 <= t < self.t1

    def growth(self, t: float) -> float:
        """0..1: how far the object has grown at t."""
        if self.grow_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (t - self.t0) / self.grow_s))

    def box(self, t: float) -> tuple[float, float, float, float]:
        """(x, y, w, h) at t: moved by the velocity; grown objects keep their bottom centre."""
        dt = t - self.t0
        x, y = self.x + self.vx * dt, self.y + self.vy * dt
        if self.kind in ("fire", "flame", "smoke", "steam", "building") and self.grow_s > 0:
            g = self.growth(t)
            gh = 0.15 + 0.85 * g
            gw = 0.35 + 0.65 * g
            w, h = self.w * gw, self.h * gh
            return x + (self.w - w) / 2, y + self.h - h, w, h
        return x, y, self.w, self.h


@dataclass(frozen=True)
class SceneSpec:
    """A camera view and what happens in it. `zones` are pixel polygons named after the
    analytic that uses them ("no_parking", "vending", "water", "rail", "garbage");
    `background_traffic` is the number of vehicles/people crossing at any time; `waves`
    (0..1) makes water choppier with more sun glints (river only)."""

    kind: str
    seed: int
    width: int = 320
    height: int = 240
    night: bool = False
    fog: float = 0.0
    occlusion: float = 0.0
    thermal: bool = False
    objects: tuple[SceneObject, ...] = ()
    zones: dict[str, Polygon] = field(default_factory=dict, hash=False, compare=True)
    background_traffic: float = 0.0
    waves: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCENE_KINDS:
            raise ValueError(f"unknown scene kind {self.kind!r}; known: {SCENE_KINDS}")
        if not (0.0 <= self.fog <= 1.0 and 0.0 <= self.occlusion <= 1.0):
            raise ValueError("fog and occlusion must be within 0..1")


@dataclass(frozen=True)
class Label:
    """Ground truth in a frame: kind and (x, y, w, h) bounding box (clipped to the frame)."""

    kind: str
    bbox: tuple[int, int, int, int]


@dataclass
class Frame:
    image: np.ndarray  # BGR uint8, HxWx3
    t: float
    labels: list[Label]
