"""Synthetic camera scenes: labelled frames for the edge video analytics, drawn with OpenCV.

No camera footage or dataset ships with the project (see shared/reference: none exists offline
for fire, parking or crowds), so the analytics are developed and scored on rendered scenes whose
ground truth is known. A `SceneSpec` fixes a camera view (street, square, river, forest,
farmland, rail), its conditions (night, fog, thermal tower mode, partial occlusion, background
traffic) and the objects that come and go in it; `render(spec, t)` is a pure function of the
spec and the clip time: the textured background is cached per (kind, seed, size, night,
thermal) and everything that moves or flickers is seeded from (seed, object, t).

A 320x240 frame takes about a millisecond. Sizes are in pixels, times in clip seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
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
_LABEL_OF = {
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


# ----------------------------------------------------------------------------------- layout


def layout(kind: str, width: int = 320, height: int = 240) -> dict[str, tuple[float, float]]:
    """Vertical bands (y0, y1) of each scene kind, and for rail the track's x band: where the
    road, sidewalks, water, sky or track are, so that callers place objects and zones."""
    h, w = float(height), float(width)
    if kind == "street":
        return {
            "sky": (0, 0.30 * h),
            "upper_walk": (0.30 * h, 0.42 * h),
            "road": (0.42 * h, 0.84 * h),
            "lane_a": (0.46 * h, 0.62 * h),
            "lane_b": (0.66 * h, 0.82 * h),
            "lower_walk": (0.84 * h, h),
        }
    if kind == "square":
        return {"plaza": (0.0, h), "edge": (0.80 * h, h)}
    if kind == "river":
        return {
            "far_bank": (0, 0.32 * h),
            "water": (0.32 * h, 0.80 * h),
            "near_bank": (0.80 * h, h),
        }
    if kind == "forest":
        return {"sky": (0, 0.38 * h), "ridge": (0.30 * h, 0.45 * h), "canopy": (0.42 * h, h)}
    if kind == "farmland":
        return {"sky": (0, 0.28 * h), "fields": (0.28 * h, h)}
    if kind == "rail":
        return {"ground": (0, h), "track_x": (0.36 * w, 0.64 * w)}
    raise ValueError(f"unknown scene kind {kind!r}; known: {SCENE_KINDS}")


def band_polygon(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """An axis-aligned rectangle as a zone polygon."""
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def default_zones(kind: str, width: int = 320, height: int = 240) -> dict[str, Polygon]:
    """The canonical zones of a scene kind (what a camera's configuration would draw)."""
    lay, w = layout(kind, width, height), float(width)
    if kind == "street":
        y0, y1 = lay["lane_b"]
        return {
            "no_parking": band_polygon(0.05 * w, y0, 0.95 * w, lay["road"][1]),
            "vending": band_polygon(0.0, lay["lower_walk"][0], w, height),
            "garbage": band_polygon(0.0, lay["upper_walk"][0], w, height),
        }
    if kind == "square":
        return {"vending": band_polygon(0.0, lay["edge"][0], w, height)}
    if kind == "river":
        y0, y1 = lay["water"]
        return {"water": band_polygon(0.0, y0 + 2, w, y1 - 2)}
    if kind == "rail":
        x0, x1 = lay["track_x"]
        return {"rail": band_polygon(x0, 0.0, x1, height)}
    if kind == "farmland":
        return {"fields": band_polygon(0.0, lay["fields"][0], w, height)}
    return {}


# ------------------------------------------------------------------------------ backgrounds


def _rng(*keys: float) -> np.random.Generator:
    """A generator seeded from integers and clip times (ms), so frames are pure functions."""
    ints = [round(k * 1000) if isinstance(k, float) else int(k) for k in keys]
    return np.random.default_rng([abs(i) for i in ints])


def _texture(rng: np.random.Generator, h: int, w: int, amp: float, blur: int) -> np.ndarray:
    """Smooth random texture (float32, zero mean, about +-amp)."""
    n = rng.normal(0.0, 1.0, (h, w)).astype(np.float32)
    k = max(1, blur) | 1
    n = cv2.GaussianBlur(n, (k, k), 0)
    s = float(n.std()) or 1.0
    return n * (amp / s)


def _fill(img: np.ndarray, y0: float, y1: float, colour: BGR, tex: np.ndarray | None) -> None:
    a, b = round(y0), round(y1)
    region = np.empty((b - a, img.shape[1], 3), np.float32)
    region[:] = colour
    if tex is not None:
        region += tex[a:b, :, None]
    img[a:b] = np.clip(region, 0, 255).astype(np.uint8)


def _sky(img: np.ndarray, y1: float) -> None:
    b = round(y1)
    if b <= 0:
        return
    ramp = np.linspace(0.0, 1.0, b, dtype=np.float32)[:, None, None]
    top, bottom = np.array((225, 190, 150), np.float32), np.array((240, 225, 205), np.float32)
    img[:b] = (top + (bottom - top) * ramp).astype(np.uint8)


def _day_background(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    rng = _rng(seed, 7001, SCENE_KINDS.index(kind))
    img = np.zeros((h, w, 3), np.uint8)
    lay = layout(kind, w, h)
    s = w / 320.0
    tex = _texture(rng, h, w, 6.0, int(3 * s))
    if kind == "street":
        _sky(img, lay["sky"][1])
        x = 0.0
        while x < w:  # building fronts of varied colours with window grids
            bw = float(rng.uniform(40, 80)) * s
            top = float(rng.uniform(0.0, 0.12)) * h
            palette = [
                (170, 190, 205),
                (150, 150, 155),
                (60, 75, 140),
                (190, 200, 200),
                (120, 140, 160),
            ]
            c = palette[int(rng.integers(len(palette)))]
            cv2.rectangle(img, (int(x), int(top)), (int(x + bw), int(lay["sky"][1])), c, -1)
            for wy in np.arange(top + 6 * s, lay["sky"][1] - 8 * s, 12 * s):
                for wx in np.arange(x + 5 * s, x + bw - 8 * s, 11 * s):
                    cv2.rectangle(
                        img,
                        (int(wx), int(wy)),
                        (int(wx + 6 * s), int(wy + 6 * s)),
                        (110, 95, 80),
                        -1,
                    )
            x += bw
        _fill(img, *lay["upper_walk"], (160, 165, 170), tex)
        _fill(img, *lay["road"], (85, 85, 88), tex * 0.8)
        _fill(img, *lay["lower_walk"], (160, 165, 170), tex)
        for y in (lay["upper_walk"][1], lay["road"][1]):  # curbs
            cv2.line(img, (0, int(y)), (w, int(y)), (200, 200, 200), max(1, int(2 * s)))
        ymid = int((lay["lane_a"][1] + lay["lane_b"][0]) / 2)
        for xd in range(0, w, int(30 * s)):  # dashed centre line
            cv2.line(img, (xd, ymid), (xd + int(15 * s), ymid), (215, 215, 215), max(1, int(s)))
        for tx in rng.uniform(0, w, 4):  # street trees on the upper sidewalk
            cv2.circle(img, (int(tx), int(lay["upper_walk"][0])), int(9 * s), (45, 110, 55), -1)
    elif kind == "square":
        _fill(img, 0, h, (175, 182, 188), tex)
        step = int(16 * s)
        for y in range(0, h, step):
            cv2.line(img, (0, y), (w, y), (150, 156, 160), 1)
        for x in range(0, w, step):
            cv2.line(img, (x, 0), (x, h), (150, 156, 160), 1)
        for _ in range(3):  # planters
            px, py = rng.uniform(0.1, 0.9) * w, rng.uniform(0.1, 0.6) * h
            cv2.rectangle(
                img, (int(px), int(py)), (int(px + 22 * s), int(py + 10 * s)), (90, 100, 110), -1
            )
            cv2.ellipse(
                img,
                (int(px + 11 * s), int(py + 2 * s)),
                (int(12 * s), int(6 * s)),
                0,
                0,
                360,
                (50, 120, 60),
                -1,
            )
    elif kind == "river":
        _fill(img, *lay["far_bank"], (70, 135, 80), tex * 1.5)
        _fill(img, *lay["water"], (125, 110, 80), tex * 0.5)
        _fill(img, *lay["near_bank"], (130, 140, 145), tex)
        for tx in rng.uniform(0, w, 7):  # trees on the far bank
            cv2.circle(
                img, (int(tx), int(lay["far_bank"][1] - 14 * s)), int(10 * s), (40, 95, 45), -1
            )
        y0 = int(lay["water"][0])
        cv2.line(img, (0, y0), (w, y0), (110, 120, 120), max(1, int(2 * s)))
    elif kind == "forest":
        _sky(img, lay["canopy"][0])  # behind the ridge too
        ys = lay["ridge"]
        xs = np.arange(w + 1)
        ridge = ys[0] + (ys[1] - ys[0]) * (
            0.5 + 0.5 * np.sin(xs / (37 * s) + seed) * np.cos(xs / (91 * s))
        )
        pts = np.stack([xs, ridge], 1).astype(np.int32)
        poly = np.concatenate([pts, [[w, h], [0, h]]]).astype(np.int32)
        cv2.fillPoly(img, [poly], (115, 135, 120))  # hazy distant ridge
        canopy = np.full((h, w, 3), (45, 95, 50), np.float32)
        canopy += _texture(rng, h, w, 14.0, int(5 * s))[:, :, None]
        y0 = int(lay["canopy"][0])
        img[y0:] = np.clip(canopy[y0:], 0, 255).astype(np.uint8)
    elif kind == "farmland":
        _sky(img, lay["sky"][1])
        y, colours = (
            lay["fields"][0],
            [(70, 150, 90), (80, 175, 195), (60, 100, 130), (60, 140, 80), (90, 170, 180)],
        )
        i = int(rng.integers(len(colours)))
        while y < h:  # strips of fields, wider toward the camera
            dh = (6 + 0.2 * (y - lay["fields"][0])) * float(rng.uniform(0.8, 1.3))
            _fill(img, y, min(h, y + dh), colours[i % len(colours)], tex)
            cv2.line(img, (0, int(y)), (w, int(y)), (70, 95, 110), 1)
            y += dh
            i += 1 + int(rng.integers(2))
    elif kind == "rail":
        _fill(img, 0, h, (70, 130, 85), tex * 1.5)
        x0, x1 = lay["track_x"]
        gravel = np.full((h, int(x1 - x0), 3), (120, 125, 130), np.float32)
        gravel += _texture(rng, h, int(x1 - x0), 18.0, 1)[:, :, None]
        img[:, int(x0) : int(x0) + gravel.shape[1]] = np.clip(gravel, 0, 255).astype(np.uint8)
        r0, r1 = x0 + 0.25 * (x1 - x0), x0 + 0.75 * (x1 - x0)
        for y in range(0, h, int(9 * s)):  # sleepers
            cv2.rectangle(
                img, (int(r0 - 8 * s), y), (int(r1 + 8 * s), y + int(3 * s)), (60, 75, 95), -1
            )
        for rx in (r0, r1):
            cv2.line(img, (int(rx), 0), (int(rx), h), (175, 180, 185), max(1, int(2 * s)))
        for fx in (x0 - 12 * s, x1 + 12 * s):  # fences beside the line
            cv2.line(img, (int(fx), 0), (int(fx), h), (90, 90, 95), 1)
    return img


def _night(img: np.ndarray, kind: str, seed: int) -> np.ndarray:
    """Dark, blue-tinted, with the warm glow of street lamps where there are lamps."""
    out = img.astype(np.float32) * 0.32 + np.array((14, 6, 2), np.float32)
    if kind in ("street", "square", "river"):
        h, w = img.shape[:2]
        rng = _rng(seed, 7002)
        glow = np.zeros((h, w), np.float32)
        for x in np.linspace(0.1, 0.9, 4) * w + rng.uniform(-10, 10, 4):
            cv2.circle(glow, (int(x), int(0.35 * h)), int(0.12 * w), 1.0, -1)
        glow = cv2.GaussianBlur(glow, (0, 0), 0.06 * w)
        out += glow[:, :, None] * np.array((20, 45, 70), np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def _thermal_background(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    """Long-wave infrared at night: cold sky, cool vegetation and water, warmer paving."""
    rng = _rng(seed, 7003)
    lay = layout(kind, w, h)
    grey = np.full((h, w), 70.0, np.float32)
    if "sky" in lay:
        grey[: round(lay["sky"][1])] = 25.0
    if kind == "river":
        grey[round(lay["water"][0]) : round(lay["water"][1])] = 55.0
    if kind == "street":
        grey[round(lay["road"][0]) : round(lay["road"][1])] = 95.0
    grey += _texture(rng, h, w, 5.0, int(5 * w / 320))
    g = np.clip(grey, 0, 255).astype(np.uint8)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


@lru_cache(maxsize=64)
def _background(kind: str, seed: int, w: int, h: int, night: bool, thermal: bool) -> np.ndarray:
    if thermal:
        bg = _thermal_background(kind, seed, w, h)
    else:
        bg = _day_background(kind, seed, w, h)
        if night:
            bg = _night(bg, kind, seed)
    bg.setflags(write=False)
    return bg


@lru_cache(maxsize=16)
def _noise_tiles(w: int, h: int, seed: int) -> tuple[np.ndarray, ...]:
    """Eight sensor-noise frames, split into positive and negative uint8 parts so that adding
    them is two saturating OpenCV ops (much cheaper than drawing fresh Gaussian noise)."""
    rng = np.random.default_rng([seed, 7004])
    tiles = []
    for _ in range(8):
        n = rng.normal(0.0, 3.0, (h, w, 3))
        pos = np.clip(n, 0, 255).astype(np.uint8)
        neg = np.clip(-n, 0, 255).astype(np.uint8)
        tiles += [pos, neg]
    return tuple(tiles)


@lru_cache(maxsize=16)
def _wave_texture(w: int, h: int, seed: int) -> np.ndarray:
    """A periodic ripple pattern (float32, +-1) twice the frame width, slid along with time."""
    rng = np.random.default_rng([seed, 7005])
    yy, xx = np.mgrid[0:h, 0 : 2 * w].astype(np.float32)
    k = 2 * math.pi / w
    pat = np.zeros_like(xx)
    for _ in range(4):
        fx = int(rng.integers(3, 12))
        fy = float(rng.uniform(0.15, 0.6))
        pat += np.sin(fx * k * xx + fy * yy + float(rng.uniform(0, 6.3)))
    return pat / np.abs(pat).max()


# ----------------------------------------------------------------------------------- drawing


class _Ctx:
    """Per-frame drawing context: conditions and the frame's own generator."""

    def __init__(self, spec: SceneSpec, t: float) -> None:
        self.spec, self.t = spec, float(t)
        self.night, self.thermal = spec.night, spec.thermal
        self.s = spec.width / 320.0

    def col(self, bgr: BGR, heat: int) -> BGR:
        """An object's colour: its heat as grey in thermal, darkened at night (not lit)."""
        if self.thermal:
            return (heat, heat, heat)
        if self.night:
            return (int(bgr[0] * 0.32 + 14), int(bgr[1] * 0.32 + 6), int(bgr[2] * 0.32 + 2))
        return bgr


def _pt(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


_CAR_COLOURS: tuple[BGR, ...] = (
    (200, 200, 200),
    (60, 60, 60),
    (140, 140, 145),
    (150, 80, 30),
    (40, 40, 40),
    (90, 110, 70),
    (220, 225, 230),
)
_RED_COLOURS: tuple[BGR, ...] = ((30, 30, 200), (40, 30, 170), (20, 110, 235), (10, 160, 240))


def _draw_car(
    img: np.ndarray, box: tuple[float, ...], colour: BGR, ctx: _Ctx, moving: bool
) -> None:
    x, y, w, h = box
    body = ctx.col(colour, 130)
    cv2.rectangle(img, _pt(x, y), _pt(x + w, y + h), body, -1)
    glass = ctx.col((70, 55, 45), 90)
    if w >= h:  # side/top view of a car going left-right: windscreens at both ends of the roof
        cv2.rectangle(
            img, _pt(x + 0.22 * w, y + 0.18 * h), _pt(x + 0.42 * w, y + 0.82 * h), glass, -1
        )
        cv2.rectangle(
            img, _pt(x + 0.62 * w, y + 0.18 * h), _pt(x + 0.78 * w, y + 0.82 * h), glass, -1
        )
    else:
        cv2.rectangle(
            img, _pt(x + 0.18 * w, y + 0.22 * h), _pt(x + 0.82 * w, y + 0.42 * h), glass, -1
        )
    if ctx.night and not ctx.thermal and moving:  # lights: head (white) and tail (red)
        r = max(1, round(0.1 * h))
        cv2.circle(img, _pt(x + w, y + 0.25 * h), r, (230, 240, 245), -1)
        cv2.circle(img, _pt(x + w, y + 0.75 * h), r, (230, 240, 245), -1)
        cv2.circle(img, _pt(x, y + 0.25 * h), r, (40, 40, 200), -1)
        cv2.circle(img, _pt(x, y + 0.75 * h), r, (40, 40, 200), -1)


_CLOTHES: tuple[BGR, ...] = (
    (40, 40, 40),
    (180, 60, 40),
    (200, 200, 200),
    (60, 60, 150),
    (50, 120, 160),
    (120, 60, 120),
    (90, 140, 60),
    (30, 150, 220),
)


def _draw_person(
    img: np.ndarray, x: float, y: float, w: float, h: float, clothes: BGR, step: int, ctx: _Ctx
) -> None:
    """Upright person in a (w, h) box: head, torso, legs (apart when walking)."""
    head = ctx.col((60, 90, 140), 155)
    cloth = ctx.col(clothes, 145)
    legs = ctx.col((50, 45, 40), 140)
    r = max(1.0, 0.16 * h)
    cv2.circle(img, _pt(x + w / 2, y + r), round(r), head, -1)
    cv2.rectangle(img, _pt(x + 0.1 * w, y + 2 * r), _pt(x + 0.9 * w, y + 0.62 * h), cloth, -1)
    spread = 0.25 * w if step % 2 else 0.0
    cv2.line(
        img,
        _pt(x + 0.35 * w, y + 0.62 * h),
        _pt(x + 0.35 * w - spread, y + h),
        legs,
        max(1, round(0.22 * w)),
    )
    cv2.line(
        img,
        _pt(x + 0.65 * w, y + 0.62 * h),
        _pt(x + 0.65 * w + spread, y + h),
        legs,
        max(1, round(0.22 * w)),
    )


def _person_size(ctx: _Ctx) -> tuple[float, float]:
    return 7.0 * ctx.s, 18.0 * ctx.s


def _crowd_people(obj: SceneObject, idx: int, ctx: _Ctx) -> list[tuple[float, float, int]]:
    """(x, y, clothes index) of the people of a crowd present at t: fixed places (seeded)
    around which each person shuffles a little; they arrive one by one over grow_s."""
    rng = _rng(ctx.spec.seed, 7100 + idx)
    pw, ph = _person_size(ctx)
    n = obj.count
    xs = rng.uniform(obj.x, obj.x + max(1.0, obj.w - pw), n)
    ys = rng.uniform(obj.y, obj.y + max(1.0, obj.h - ph), n)
    cl = rng.integers(0, len(_CLOTHES), n)
    present = n if obj.grow_s <= 0 else math.ceil(n * obj.growth(ctx.t))
    jr = _rng(ctx.spec.seed, 7200 + idx, ctx.t)
    jx = jr.uniform(-1.5, 1.5, n) * ctx.s
    jy = jr.uniform(-1.0, 1.0, n) * ctx.s
    order = np.argsort(ys[:present])
    return [(float(xs[i] + jx[i]), float(ys[i] + jy[i]), int(cl[i])) for i in order]


def _blend_mask(img: np.ndarray, x0: int, y0: int, alpha: np.ndarray, colour: BGR) -> None:
    """Alpha-blend a colour through a float mask (0..1) into img at (x0, y0), clipped."""
    h, w = alpha.shape
    H, W = img.shape[:2]
    ax0, ay0 = max(0, -x0), max(0, -y0)
    bx0, by0 = max(0, x0), max(0, y0)
    bx1, by1 = min(W, x0 + w), min(H, y0 + h)
    if bx1 <= bx0 or by1 <= by0:
        return
    a = alpha[ay0 : ay0 + by1 - by0, ax0 : ax0 + bx1 - bx0, None]
    roi = img[by0:by1, bx0:bx1].astype(np.float32)
    img[by0:by1, bx0:bx1] = (roi + a * (np.array(colour, np.float32) - roi)).astype(np.uint8)


def _draw_plume(
    img: np.ndarray,
    box: tuple[float, ...],
    colour: BGR,
    opacity: float,
    rng: np.random.Generator,
    t: float,
    fade_top: bool,
) -> None:
    """Billowing smoke or steam: puffs along a wavering axis, widening upward, re-drawn with
    jitter every frame and blurred into a soft, semi-transparent mask."""
    x, y, w, h = box
    if w < 1 or h < 1:
        return
    pad = round(0.4 * w) + 2
    mw, mh = round(w) + 2 * pad, round(h) + 2 * pad
    mask = np.zeros((mh, mw), np.float32)
    n = max(4, min(12, round(h / max(2.0, 0.25 * w))))
    for i in range(n):
        f = i / (n - 1)  # 0 at the base, 1 at the top
        cy = pad + h * (1.0 - f) - 0.1 * h * float(rng.uniform(-0.5, 0.5))
        sway = 0.18 * w * math.sin(1.3 * t + 3.0 * f) * f
        cx = pad + w / 2 + sway + 0.08 * w * float(rng.uniform(-1, 1))
        r = (0.22 + 0.28 * f) * w * float(rng.uniform(0.85, 1.15))
        dens = (1.0 - 0.6 * f) if fade_top else 1.0
        cv2.circle(mask, _pt(cx, cy), max(1, round(r)), dens, -1)
    k = max(3, round(0.25 * w)) | 1
    mask = cv2.GaussianBlur(mask, (k, k), 0) * opacity
    # turbulence: the density inside the plume changes from frame to frame
    cells = rng.uniform(0.45, 1.25, (max(2, round(mh / max(2.0, 0.3 * w))), 3)).astype(np.float32)
    mask *= cv2.resize(cells, (mw, mh), interpolation=cv2.INTER_LINEAR)
    np.minimum(mask, 1.0, out=mask)
    _blend_mask(img, round(x) - pad, round(y) - pad, mask, colour)


def _draw_flame(
    img: np.ndarray, box: tuple[float, ...], rng: np.random.Generator, ctx: _Ctx
) -> None:
    """Flickering flame: tongues of random height every frame, red-orange outside, orange,
    then a yellow-white core; self-luminous, so not darkened at night."""
    x, y, w, h = box
    if w < 1 or h < 1:
        return
    if ctx.thermal:
        layers: tuple[BGR, ...] = ((235, 235, 235), (250, 250, 250), (255, 255, 255))
    else:
        layers = ((20, 80, 235), (30, 160, 255), (150, 235, 255))
    base_y = y + h
    n = max(3, round(w / max(1.5, 4 * ctx.s)))
    for li, colour in enumerate(layers):
        shrink = 1.0 - 0.3 * li
        pts = [_pt(x + w * (1 - shrink) / 2, base_y)]
        for i in range(n):
            fx = (i + 0.5) / n
            tip = h * shrink * float(rng.uniform(0.45, 1.0)) * (1.0 - 0.5 * abs(fx - 0.5))
            pts.append(
                _pt(
                    x + w * ((1 - shrink) / 2 + shrink * fx) + rng.uniform(-1, 1) * 0.1 * w,
                    base_y - tip,
                )
            )
            pts.append(
                _pt(
                    x + w * ((1 - shrink) / 2 + shrink * (i + 1) / n),
                    base_y - h * shrink * 0.35 * float(rng.uniform(0.6, 1.0)),
                )
            )
        pts.append(_pt(x + w * (1 + shrink) / 2, base_y))
        cv2.fillPoly(img, [np.array(pts, np.int32)], colour, cv2.LINE_AA)


def _draw_fire(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: _Ctx
) -> None:
    rng = _rng(ctx.spec.seed, 7300 + idx, ctx.t)
    x, y, w, h = box
    shade = 95 + (ctx.spec.seed * 37 + idx * 11) % 60  # smoke from dark to light grey
    smoke_col = ctx.col((shade, shade, shade + 4), 80)
    if obj.kind == "flame":
        _draw_flame(img, box, rng, ctx)
    elif obj.kind == "smoke":
        if not ctx.thermal:  # long-wave infrared sees through smoke
            _draw_plume(img, box, smoke_col, 0.8, rng, ctx.t, True)
    else:  # fire: flames in the lower third, smoke rising above them
        fh = 0.35 * h
        if not ctx.thermal:
            _draw_plume(img, (x, y, w, h - 0.6 * fh), smoke_col, 0.8, rng, ctx.t, True)
        _draw_flame(img, (x + 0.15 * w, y + h - fh, 0.7 * w, fh), rng, ctx)


def _draw_stall(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: _Ctx) -> None:
    """Vendor's cart: a table of goods under a striped awning."""
    x, y, w, h = box
    rng = _rng(ctx.spec.seed, 7400 + idx)
    stripes = [
        ((40, 40, 200), (240, 240, 240)),
        ((170, 90, 30), (240, 240, 240)),
        ((40, 160, 60), (230, 230, 100)),
    ][int(rng.integers(3))]
    cv2.rectangle(img, _pt(x, y + 0.45 * h), _pt(x + w, y + h), ctx.col((40, 80, 120), 110), -1)
    n = 6
    for i in range(n):
        c = ctx.col(stripes[i % 2], 100)
        cv2.rectangle(img, _pt(x + i * w / n, y), _pt(x + (i + 1) * w / n, y + 0.4 * h), c, -1)
    for _ in range(8):  # goods
        gx, gy = rng.uniform(x + 2, x + w - 3), rng.uniform(y + 0.5 * h, y + 0.75 * h)
        b, g, r = (int(v) for v in rng.integers(40, 255, 3))
        cv2.circle(img, _pt(gx, gy), max(1, round(1.5 * ctx.s)), ctx.col((b, g, r), 100), -1)


def _draw_garbage(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: _Ctx) -> None:
    """A heap of bags and boxes: many small patches of mixed colours."""
    x, y, w, h = box
    rng = _rng(ctx.spec.seed, 7500 + idx)
    colours = [
        (30, 30, 30),
        (230, 230, 230),
        (160, 90, 40),
        (60, 120, 60),
        (60, 110, 150),
        (200, 200, 120),
        (80, 80, 160),
    ]
    n = max(6, round(w * h / (20 * ctx.s * ctx.s)))
    for _ in range(n):
        cx, cy = rng.uniform(x, x + w), rng.uniform(y + 0.2 * h, y + h)
        r = rng.uniform(1.5, 4.0) * ctx.s
        c = colours[int(rng.integers(len(colours)))]
        if rng.random() < 0.5:
            cv2.circle(img, _pt(cx, cy), max(1, round(r)), ctx.col(c, 95), -1)
        else:
            cv2.rectangle(img, _pt(cx - r, cy - r), _pt(cx + r, cy + 0.7 * r), ctx.col(c, 95), -1)


def _draw_debris(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: _Ctx) -> None:
    """Floating rubbish: a bottle, a bag, a plank; bobbing by a pixel."""
    x, y, w, h = box
    rng = _rng(ctx.spec.seed, 7600 + idx)
    bob = math.sin(2.1 * ctx.t + idx) * ctx.s
    colours = [(235, 235, 235), (60, 110, 150), (200, 150, 60), (50, 160, 60), (230, 230, 200)]
    for _ in range(int(rng.integers(2, 4))):
        cx, cy = rng.uniform(x + 0.2 * w, x + 0.8 * w), rng.uniform(y + 0.3 * h, y + 0.7 * h)
        ax, ay = rng.uniform(0.2, 0.5) * w, rng.uniform(0.25, 0.5) * h
        c = colours[int(rng.integers(len(colours)))]
        cv2.ellipse(
            img,
            _pt(cx, cy + bob),
            (max(1, round(ax)), max(1, round(ay))),
            float(rng.uniform(0, 180)),
            0,
            360,
            ctx.col(c, 75),
            -1,
        )


def _draw_building(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: _Ctx
) -> None:
    """A new structure (e.g. an unpermitted steel shed): walls, a blue roof, door, windows."""
    x, y, w, h = box
    rng = _rng(ctx.spec.seed, 7700 + idx)
    roof = [(170, 110, 40), (200, 140, 60), (60, 60, 170)][int(rng.integers(3))]
    cv2.rectangle(img, _pt(x, y + 0.3 * h), _pt(x + w, y + h), ctx.col((215, 220, 225), 100), -1)
    roof_pts = np.array(
        [_pt(x - 0.05 * w, y + 0.32 * h), _pt(x + 0.5 * w, y), _pt(x + 1.05 * w, y + 0.32 * h)],
        np.int32,
    )
    cv2.fillPoly(img, [roof_pts], ctx.col(roof, 110))
    cv2.rectangle(
        img,
        _pt(x + 0.42 * w, y + 0.6 * h),
        _pt(x + 0.58 * w, y + h),
        ctx.col((70, 70, 80), 100),
        -1,
    )
    for fx in (0.15, 0.72):
        cv2.rectangle(
            img,
            _pt(x + fx * w, y + 0.45 * h),
            _pt(x + (fx + 0.13) * w, y + 0.6 * h),
            ctx.col((110, 90, 70), 100),
            -1,
        )


def _draw_object(img: np.ndarray, obj: SceneObject, idx: int, ctx: _Ctx) -> None:
    t, k = ctx.t, obj.kind
    box = obj.box(t)
    x, y, w, h = box
    moving = obj.vx != 0 or obj.vy != 0
    if k in ("car", "red_car"):
        palette = _RED_COLOURS if k == "red_car" else _CAR_COLOURS
        pick = obj.style if obj.style >= 0 else ctx.spec.seed + idx * 3
        colour = palette[pick % len(palette)]
        _draw_car(img, box, colour, ctx, moving)
    elif k in ("person", "intruder"):
        step = int(t * 2) if moving else 0
        pick = obj.style if obj.style >= 0 else ctx.spec.seed + idx
        _draw_person(img, x, y, w, h, _CLOTHES[pick % len(_CLOTHES)], step, ctx)
    elif k == "crowd":
        pw, ph = _person_size(ctx)
        for px, py, ci in _crowd_people(obj, idx, ctx):
            _draw_person(img, px, py, pw, ph, _CLOTHES[ci], 0, ctx)
    elif k in ("fire", "flame", "smoke"):
        _draw_fire(img, obj, box, idx, ctx)
    elif k == "steam":
        if not ctx.thermal:
            rng = _rng(ctx.spec.seed, 7310 + idx, t)
            cv2.rectangle(
                img,
                _pt(x + 0.3 * w, y + h - 2 * ctx.s),
                _pt(x + 0.7 * w, y + h),
                ctx.col((60, 60, 60), 120),
                -1,
            )
            _draw_plume(
                img, (x, y, w, h - 2 * ctx.s), ctx.col((245, 245, 245), 110), 0.9, rng, t, True
            )
    elif k == "cloud":
        if not ctx.thermal:
            mask = np.zeros((round(h) + 2, round(w) + 2), np.float32)
            rng = _rng(ctx.spec.seed, 7320 + idx)
            for _ in range(5):
                cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.35, 0.65) * h
                cv2.ellipse(
                    mask,
                    _pt(cx, cy),
                    (max(1, round(0.3 * w)), max(1, round(0.3 * h))),
                    0,
                    0,
                    360,
                    1.0,
                    -1,
                )
            kk = max(3, round(0.2 * w)) | 1
            mask = cv2.GaussianBlur(mask, (kk, kk), 0) * 0.85
            _blend_mask(img, round(x), round(y), mask, ctx.col((250, 250, 250), 30))
    elif k == "red_sign":
        cv2.line(
            img,
            _pt(x + w / 2, y + h),
            _pt(x + w / 2, y + 1.6 * h),
            ctx.col((120, 120, 120), 80),
            max(1, round(ctx.s)),
        )
        cv2.rectangle(img, _pt(x, y), _pt(x + w, y + h), ctx.col((35, 35, 215), 80), -1)
        for fy in (0.3, 0.6):
            cv2.line(
                img,
                _pt(x + 0.15 * w, y + fy * h),
                _pt(x + 0.85 * w, y + fy * h),
                ctx.col((235, 235, 235), 80),
                max(1, round(ctx.s)),
            )
    elif k == "lantern":
        sway = 0.6 * ctx.s * math.sin(1.7 * t + idx)
        cx, cy = x + w / 2 + sway, y + h / 2
        body = (40, 40, 215) if not ctx.night else (60, 70, 240)
        cv2.ellipse(
            img,
            _pt(cx, cy),
            (max(1, round(w / 2)), max(1, round(h / 2))),
            0,
            0,
            360,
            (150, 150, 150) if ctx.thermal else body,
            -1,
        )
        if not ctx.thermal:  # lit from inside: an orange-yellow glow
            cv2.ellipse(
                img,
                _pt(cx, cy),
                (max(1, round(w / 4)), max(1, round(h / 3))),
                0,
                0,
                360,
                (70, 170, 255),
                -1,
            )
        cv2.line(img, _pt(cx - w / 4, y), _pt(cx + w / 4, y), ctx.col((40, 170, 220), 120), 1)
    elif k == "train":
        cv2.rectangle(img, _pt(x, y), _pt(x + w, y + h), ctx.col((200, 200, 205), 130), -1)
        for wy in np.arange(y + 6 * ctx.s, y + h - 6 * ctx.s, 14 * ctx.s):
            cv2.rectangle(
                img,
                _pt(x + 0.15 * w, wy),
                _pt(x + 0.85 * w, wy + 6 * ctx.s),
                ctx.col((90, 70, 50), 110),
                -1,
            )
        cv2.line(img, _pt(x, y), _pt(x, y + h), ctx.col((40, 40, 180), 120), max(1, round(ctx.s)))
    elif k == "shadow":  # a cloud's shadow: a soft darkening that drifts
        mask = np.zeros((round(h) + 2, round(w) + 2), np.float32)
        cv2.ellipse(
            mask,
            _pt(w / 2, h / 2),
            (max(1, round(0.45 * w)), max(1, round(0.45 * h))),
            0,
            0,
            360,
            0.4,
            -1,
        )
        kk = max(3, round(0.3 * w)) | 1
        mask = cv2.GaussianBlur(mask, (kk, kk), 0)
        _blend_mask(img, round(x), round(y), mask, (0, 0, 0))
    elif k == "reflection":  # a lamp's or the sun's shimmering reflection on water
        rng = _rng(ctx.spec.seed, 7330 + idx, t)
        colour = (90, 190, 240) if ctx.night else (235, 240, 240)
        for yy in np.arange(y, y + h, 2 * ctx.s):
            half = 0.5 * w * float(rng.uniform(0.2, 1.0))
            cx = x + w / 2 + float(rng.uniform(-0.2, 0.2)) * w
            cv2.line(img, _pt(cx - half, yy), _pt(cx + half, yy), colour, 1)
    elif k == "dog":  # a stray dog: long and low
        c = ctx.col((40, 80, 130), 150)
        cv2.ellipse(
            img,
            _pt(x + w / 2, y + 0.45 * h),
            (max(1, round(0.4 * w)), max(1, round(0.3 * h))),
            0,
            0,
            360,
            c,
            -1,
        )
        cv2.circle(
            img,
            _pt(x + (0.9 * w if obj.vx >= 0 else 0.1 * w), y + 0.3 * h),
            max(1, round(0.25 * h)),
            c,
            -1,
        )
        for fx in (0.25, 0.75):
            cv2.line(img, _pt(x + fx * w, y + 0.6 * h), _pt(x + fx * w, y + h), c, 1)
    elif k == "stall":
        _draw_stall(img, box, idx, ctx)
    elif k == "garbage":
        _draw_garbage(img, box, idx, ctx)
    elif k == "debris":
        _draw_debris(img, box, idx, ctx)
    elif k == "building":
        _draw_building(img, obj, box, idx, ctx)


def _draw_traffic(img: np.ndarray, ctx: _Ctx) -> None:
    """Background traffic, a pure function of (seed, t): cars in both street lanes, walkers
    crossing a square, people on the river path, a tractor on a farm track."""
    spec, t, s = ctx.spec, ctx.t, ctx.s
    n = round(spec.background_traffic)
    if n <= 0:
        return
    rng = _rng(spec.seed, 7800)
    W, H = spec.width, spec.height
    lay = layout(spec.kind, W, H)
    for i in range(n):
        walker = spec.kind == "street" and i % 3 == 2  # pedestrians on the sidewalks
        if spec.kind in ("street", "farmland") and not walker:
            lane = ("lane_a", "lane_b")[i % 2] if spec.kind == "street" else "fields"
            y0, y1 = lay[lane]
            cw, ch = float(rng.uniform(34, 46)) * s, float(rng.uniform(15, 19)) * s
            v = float(rng.uniform(15, 40)) * s * (1 if i % 2 == 0 else -1)
            y = float(rng.uniform(y0, max(y0 + 1, y1 - ch)))
            if spec.kind == "farmland":
                v *= 0.3
            span = W + 2 * cw
            x = (float(rng.uniform(0, span)) + v * t) % span - cw
            colour = (_CAR_COLOURS + _RED_COLOURS[:1])[int(rng.integers(len(_CAR_COLOURS) + 1))]
            _draw_car(img, (x, y, cw, ch), colour, ctx, True)
        else:
            pw, ph = _person_size(ctx)
            ang = float(rng.uniform(0, 2 * math.pi))
            v = float(rng.uniform(8, 20)) * s
            vx, vy = v * math.cos(ang), v * math.sin(ang)
            if spec.kind in ("river", "rail"):  # along the bank or the path beside the line
                vy = 0.0 if spec.kind == "river" else v * (1 if i % 2 else -1)
                vx = v * (1 if i % 2 else -1) if spec.kind == "river" else 0.0
            x0, y0 = float(rng.uniform(0, W)), float(rng.uniform(0, H - ph))
            if spec.kind == "river":
                y0 = float(rng.uniform(lay["near_bank"][0], H - ph))
            if spec.kind == "rail":
                x0 = lay["track_x"][0] - 28 * s if i % 2 else lay["track_x"][1] + 18 * s
            if walker:
                vx, vy = v * (1 if i % 2 else -1), 0.0
                walk = lay["upper_walk"] if i % 2 else lay["lower_walk"]
                y0 = float(rng.uniform(walk[0] - 0.5 * ph, walk[1] - ph))
            # walkers leave on one side and come back on the other
            x = (x0 + vx * t) % (W + pw) - pw if vx else x0
            y = (y0 + vy * t) % (H + ph) - ph if vy else y0
            _draw_person(
                img, x, y, pw, ph, _CLOTHES[int(rng.integers(len(_CLOTHES)))], int(t * 2), ctx
            )


def _draw_water(img: np.ndarray, ctx: _Ctx) -> None:
    """Ripples sliding downstream and sun/lamp glints in random places every frame."""
    spec = ctx.spec
    y0, y1 = (round(v) for v in layout("river", spec.width, spec.height)["water"])
    amp = (3.0 + 9.0 * spec.waves) * (0.4 if ctx.night or ctx.thermal else 1.0)
    tex = _wave_texture(spec.width, y1 - y0, spec.seed)
    off = int(6 * ctx.s * ctx.t) % spec.width
    ripple = (tex[:, off : off + spec.width] * amp).astype(np.int16)
    region = img[y0:y1].astype(np.int16) + ripple[:, :, None]
    img[y0:y1] = np.clip(region, 0, 255).astype(np.uint8)
    if ctx.thermal:
        return
    rng = _rng(spec.seed, 7900, ctx.t)
    n = int((8 + 60 * spec.waves) * ctx.s * ctx.s)
    xs = rng.integers(0, spec.width - 1, n)
    ys = rng.integers(y0, y1 - 1, n)
    glint = 170 if ctx.night else 245
    img[ys, xs] = glint
    img[ys, xs + 1] = glint


def _occluders(img: np.ndarray, ctx: _Ctx) -> None:
    """A fixed foreground occluder (hedge, wall, pole) in front of each target object, covering
    `occlusion` of it: the bottom of a fire (a wall hides the base), one side of anything else.
    It is there for the whole clip, so it is part of the background for the analytics."""
    spec = ctx.spec
    f = spec.occlusion
    for idx, obj in enumerate(spec.objects):
        if obj.kind not in _LABEL_OF and obj.kind != "car":
            continue
        rng = _rng(spec.seed, 8000 + idx)
        colour = [(45, 85, 50), (120, 122, 128), (70, 80, 95)][int(rng.integers(3))]
        colour = ctx.col(colour, 60)
        x, y, w, h = obj.x, obj.y, obj.w, obj.h
        if obj.kind in ("fire", "flame", "smoke"):
            cv2.rectangle(
                img, _pt(x - 0.2 * w, y + h * (1 - f)), _pt(x + 1.2 * w, y + h + 2), colour, -1
            )
        elif obj.vx == 0 and obj.vy == 0:
            cv2.rectangle(img, _pt(x - 1, y - 0.1 * h), _pt(x + f * w, y + 1.1 * h), colour, -1)
        else:  # a moving target passes behind a pole/hedge at its starting place
            cv2.rectangle(
                img, _pt(x + w, y - 0.1 * h), _pt(x + w + f * 2 * w, y + 1.1 * h), colour, -1
            )


# ---------------------------------------------------------------------------------- labels


def _clip_box(box: tuple[float, ...], w: int, h: int) -> tuple[int, int, int, int] | None:
    x0, y0 = max(0, math.floor(box[0])), max(0, math.floor(box[1]))
    x1, y1 = min(w, math.ceil(box[0] + box[2])), min(h, math.ceil(box[1] + box[3]))
    if x1 - x0 < 1 or y1 - y0 < 1:
        return None
    return x0, y0, x1 - x0, y1 - y0


def object_label(spec: SceneSpec, index: int, t: float) -> Label | None:
    """Ground truth for object `index` of the spec at t, or None (absent, a distractor, a
    moving car, a group too small to be a crowd, or out of view)."""
    obj = spec.objects[index]
    if not obj.alive(t):
        return None
    if obj.kind in ("car", "red_car"):
        kind = "parked_car" if obj.vx == 0 and obj.vy == 0 else None
    else:
        kind = _LABEL_OF.get(obj.kind)
    if kind is None:
        return None
    box: tuple[float, ...] = obj.box(t)
    if obj.kind in ("fire", "smoke"):  # the drawn plume billows a little beyond its box
        x, y, w, h = box
        box = (x - 0.2 * w, y - 0.15 * h, 1.4 * w, 1.15 * h)
    if obj.kind == "crowd":
        ctx = _Ctx(spec, t)
        people = _crowd_people(obj, index, ctx)
        if len(people) < CROWD_MIN_PEOPLE:
            return None
        pw, ph = _person_size(ctx)
        xs = [p[0] for p in people]
        ys = [p[1] for p in people]
        box = (min(xs), min(ys), max(xs) + pw - min(xs), max(ys) + ph - min(ys))
    clipped = _clip_box(box, spec.width, spec.height)
    return Label(kind, clipped) if clipped is not None else None


def _labels(spec: SceneSpec, t: float) -> list[Label]:
    out = []
    for idx in range(len(spec.objects)):
        label = object_label(spec, idx, t)
        if label is not None:
            out.append(label)
    return out


# ---------------------------------------------------------------------------------- render


def _fog(img: np.ndarray, fog: float, thermal: bool) -> np.ndarray:
    """Fog/haze: blend toward a light grey, thicker toward the top of the view (farther)."""
    h = img.shape[0]
    f = fog * (0.25 if thermal else 0.65)  # long-wave infrared sees through haze better
    ramp = (f * np.linspace(1.0, 0.7, h, dtype=np.float32))[:, None, None]
    grey = 90.0 if thermal else 205.0
    return (img.astype(np.float32) * (1 - ramp) + grey * ramp).astype(np.uint8)


def render(spec: SceneSpec, t: float) -> Frame:
    """The frame of `spec` at clip time t (seconds) with its ground-truth labels."""
    img = _background(
        spec.kind, spec.seed, spec.width, spec.height, spec.night, spec.thermal
    ).copy()
    ctx = _Ctx(spec, t)
    if spec.kind == "river":
        _draw_water(img, ctx)
    _draw_traffic(img, ctx)
    for idx, obj in enumerate(spec.objects):
        if not obj.alive(t):
            continue
        if obj.contrast < 1.0:  # far field: the atmosphere veils it (Koschmieder)
            before = img.copy()
            _draw_object(img, obj, idx, ctx)
            # apparent contrast against the background falls to `contrast` of the inherent one
            diff = img.astype(np.float32) - before
            img[:] = np.clip(before + obj.contrast * diff, 0, 255).astype(np.uint8)
        else:
            _draw_object(img, obj, idx, ctx)
    if spec.occlusion > 0:
        _occluders(img, ctx)
    if spec.fog > 0:
        img = _fog(img, spec.fog, spec.thermal)
    tiles = _noise_tiles(spec.width, spec.height, spec.seed)
    k = (round(t * 1000) * 2654435761 + spec.seed) % 8
    img = cv2.subtract(cv2.add(img, tiles[2 * k]), tiles[2 * k + 1])
    if spec.thermal:  # one sensor plane: keep the channels equal
        img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)
    return Frame(img, t, _labels(spec, t))


# ------------------------------------------------------------------------------ tower view


def visibility_km(fog: float) -> float:
    """Meteorological visibility for a fog/haze level: 30 km clear air down to 1 km at 1."""
    return 30.0 * (1.0 / 30.0) ** min(1.0, max(0.0, fog))


def apparent_size_px(size_m: float, distance_m: float, hfov_deg: float, width: int) -> float:
    """Pixels spanned by size_m at distance_m with a horizontal field of view hfov_deg."""
    return size_m / (2.0 * distance_m * math.tan(math.radians(hfov_deg) / 2.0)) * width


def tower_view(
    distance_m: float,
    plume_height_m: float,
    *,
    hfov_deg: float = 8.0,
    width: int = 320,
    height: int = 240,
    scene: str = "forest",
    night: bool = False,
    fog: float = 0.0,
    seed: int = 0,
    distractors: bool = False,
) -> SceneSpec:
    """A tower (high-point) camera zoomed onto a far fire: a plume of plume_height_m at
    distance_m appears plume_height_m / (2 d tan(hfov/2)) * width pixels tall. Contrast falls
    as exp(-3.912 d / V) with the visibility V of the haze (Koschmieder); at night the camera
    is in thermal mode. plume_height_m == 0 gives an empty view (false-alarm checks)."""
    if scene not in ("forest", "farmland"):
        raise ValueError("tower views are of forest or farmland")
    rng = np.random.default_rng([seed, 8100])
    lay = layout(scene, width, height)
    objects: list[SceneObject] = []
    # long-wave infrared (the night/thermal mode) sees through haze far better than visible
    # light: taken as four times the visibility
    vis = visibility_km(fog) * (4.0 if night else 1.0)
    contrast = math.exp(-3.912 * (distance_m / 1000.0) / vis)
    if plume_height_m > 0:
        ph = max(1.0, apparent_size_px(plume_height_m, distance_m, hfov_deg, width))
        pw = max(1.0, 0.45 * ph)
        horizon = lay["canopy"][0] if scene == "forest" else lay["fields"][0]
        ground = horizon + float(rng.uniform(0.05, 0.25)) * height
        x = float(rng.uniform(0.2, 0.8)) * width
        objects.append(
            SceneObject(
                "fire",
                x,
                ground - ph,
                pw,
                ph,
                t0=float(rng.uniform(1, 3)),
                grow_s=float(rng.uniform(4, 10)),
                contrast=contrast,
            )
        )
    if distractors:
        cy = float(rng.uniform(0.02, 0.15)) * height
        objects.append(
            SceneObject(
                "cloud",
                float(rng.uniform(0, 0.6)) * width,
                cy,
                0.3 * width,
                0.1 * height,
                vx=1.5 * width / 320,
                contrast=contrast,
            )
        )
        objects.append(
            SceneObject(
                "steam",
                float(rng.uniform(0.1, 0.9)) * width,
                lay["sky"][1] + 0.05 * height,
                0.04 * width,
                0.1 * height,
                t0=float(rng.uniform(1, 3)),
                contrast=contrast,
            )
        )
    return SceneSpec(
        scene,
        seed,
        width,
        height,
        night=night,
        fog=0.3 * fog,
        thermal=night,
        objects=tuple(objects),
    )
