"""Drawing basics (the per-frame context, points, alpha blending) and the common figures:
cars and people, alone or in crowds."""

from __future__ import annotations

import math

import cv2
import numpy as np

from devices.scenes.canvas import seeded_rng
from devices.scenes.spec import BGR, SceneObject, SceneSpec


class Ctx:
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


def pt(x: float, y: float) -> tuple[int, int]:
    return round(x), round(y)


CAR_COLOURS: tuple[BGR, ...] = (
    (200, 200, 200),
    (60, 60, 60),
    (140, 140, 145),
    (150, 80, 30),
    (40, 40, 40),
    (90, 110, 70),
    (220, 225, 230),
)
RED_COLOURS: tuple[BGR, ...] = ((30, 30, 200), (40, 30, 170), (20, 110, 235), (10, 160, 240))


def draw_car(img: np.ndarray, box: tuple[float, ...], colour: BGR, ctx: Ctx, moving: bool) -> None:
    x, y, w, h = box
    body = ctx.col(colour, 130)
    cv2.rectangle(img, pt(x, y), pt(x + w, y + h), body, -1)
    glass = ctx.col((70, 55, 45), 90)
    if w >= h:  # side/top view of a car going left-right: windscreens at both ends of the roof
        cv2.rectangle(
            img, pt(x + 0.22 * w, y + 0.18 * h), pt(x + 0.42 * w, y + 0.82 * h), glass, -1
        )
        cv2.rectangle(
            img, pt(x + 0.62 * w, y + 0.18 * h), pt(x + 0.78 * w, y + 0.82 * h), glass, -1
        )
    else:
        cv2.rectangle(
            img, pt(x + 0.18 * w, y + 0.22 * h), pt(x + 0.82 * w, y + 0.42 * h), glass, -1
        )
    if ctx.night and not ctx.thermal and moving:  # lights: head (white) and tail (red)
        r = max(1, round(0.1 * h))
        cv2.circle(img, pt(x + w, y + 0.25 * h), r, (230, 240, 245), -1)
        cv2.circle(img, pt(x + w, y + 0.75 * h), r, (230, 240, 245), -1)
        cv2.circle(img, pt(x, y + 0.25 * h), r, (40, 40, 200), -1)
        cv2.circle(img, pt(x, y + 0.75 * h), r, (40, 40, 200), -1)


CLOTHES: tuple[BGR, ...] = (
    (40, 40, 40),
    (180, 60, 40),
    (200, 200, 200),
    (60, 60, 150),
    (50, 120, 160),
    (120, 60, 120),
    (90, 140, 60),
    (30, 150, 220),
)


def draw_person(
    img: np.ndarray, x: float, y: float, w: float, h: float, clothes: BGR, step: int, ctx: Ctx
) -> None:
    """Upright person in a (w, h) box: head, torso, legs (apart when walking)."""
    head = ctx.col((60, 90, 140), 155)
    cloth = ctx.col(clothes, 145)
    legs = ctx.col((50, 45, 40), 140)
    r = max(1.0, 0.16 * h)
    cv2.circle(img, pt(x + w / 2, y + r), round(r), head, -1)
    cv2.rectangle(img, pt(x + 0.1 * w, y + 2 * r), pt(x + 0.9 * w, y + 0.62 * h), cloth, -1)
    spread = 0.25 * w if step % 2 else 0.0
    cv2.line(
        img,
        pt(x + 0.35 * w, y + 0.62 * h),
        pt(x + 0.35 * w - spread, y + h),
        legs,
        max(1, round(0.22 * w)),
    )
    cv2.line(
        img,
        pt(x + 0.65 * w, y + 0.62 * h),
        pt(x + 0.65 * w + spread, y + h),
        legs,
        max(1, round(0.22 * w)),
    )


def person_size(ctx: Ctx) -> tuple[float, float]:
    return 7.0 * ctx.s, 18.0 * ctx.s


def crowd_people(obj: SceneObject, idx: int, ctx: Ctx) -> list[tuple[float, float, int]]:
    """(x, y, clothes index) of the people of a crowd present at t: fixed places (seeded)
    around which each person shuffles a little; they arrive one by one over grow_s."""
    rng = seeded_rng(ctx.spec.seed, 7100 + idx)
    pw, ph = person_size(ctx)
    n = obj.count
    xs = rng.uniform(obj.x, obj.x + max(1.0, obj.w - pw), n)
    ys = rng.uniform(obj.y, obj.y + max(1.0, obj.h - ph), n)
    cl = rng.integers(0, len(CLOTHES), n)
    present = n if obj.grow_s <= 0 else math.ceil(n * obj.growth(ctx.t))
    jr = seeded_rng(ctx.spec.seed, 7200 + idx, ctx.t)
    jx = jr.uniform(-1.5, 1.5, n) * ctx.s
    jy = jr.uniform(-1.0, 1.0, n) * ctx.s
    order = np.argsort(ys[:present])
    return [(float(xs[i] + jx[i]), float(ys[i] + jy[i]), int(cl[i])) for i in order]


def blend_mask(img: np.ndarray, x0: int, y0: int, alpha: np.ndarray, colour: BGR) -> None:
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
