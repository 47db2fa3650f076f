"""What the dwell and land analytics look for: stalls, garbage heaps, floating debris and new
buildings."""

from __future__ import annotations

import math

import cv2
import numpy as np

from devices.scenes.canvas import seeded_rng
from devices.scenes.draw import Ctx, pt
from devices.scenes.spec import SceneObject


def draw_stall(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: Ctx) -> None:
    """Vendor's cart: a table of goods under a striped awning."""
    x, y, w, h = box
    rng = seeded_rng(ctx.spec.seed, 7400 + idx)
    stripes = [
        ((40, 40, 200), (240, 240, 240)),
        ((170, 90, 30), (240, 240, 240)),
        ((40, 160, 60), (230, 230, 100)),
    ][int(rng.integers(3))]
    cv2.rectangle(img, pt(x, y + 0.45 * h), pt(x + w, y + h), ctx.col((40, 80, 120), 110), -1)
    n = 6
    for i in range(n):
        c = ctx.col(stripes[i % 2], 100)
        cv2.rectangle(img, pt(x + i * w / n, y), pt(x + (i + 1) * w / n, y + 0.4 * h), c, -1)
    for _ in range(8):  # goods
        gx, gy = rng.uniform(x + 2, x + w - 3), rng.uniform(y + 0.5 * h, y + 0.75 * h)
        b, g, r = (int(v) for v in rng.integers(40, 255, 3))
        cv2.circle(img, pt(gx, gy), max(1, round(1.5 * ctx.s)), ctx.col((b, g, r), 100), -1)


def draw_garbage(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: Ctx) -> None:
    """A heap of bags and boxes: many small patches of mixed colours."""
    x, y, w, h = box
    rng = seeded_rng(ctx.spec.seed, 7500 + idx)
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
            cv2.circle(img, pt(cx, cy), max(1, round(r)), ctx.col(c, 95), -1)
        else:
            cv2.rectangle(img, pt(cx - r, cy - r), pt(cx + r, cy + 0.7 * r), ctx.col(c, 95), -1)


def draw_debris(img: np.ndarray, box: tuple[float, ...], idx: int, ctx: Ctx) -> None:
    """Floating rubbish: a bottle, a bag, a plank; bobbing by a pixel."""
    x, y, w, h = box
    rng = seeded_rng(ctx.spec.seed, 7600 + idx)
    bob = math.sin(2.1 * ctx.t + idx) * ctx.s
    colours = [(235, 235, 235), (60, 110, 150), (200, 150, 60), (50, 160, 60), (230, 230, 200)]
    for _ in range(int(rng.integers(2, 4))):
        cx, cy = rng.uniform(x + 0.2 * w, x + 0.8 * w), rng.uniform(y + 0.3 * h, y + 0.7 * h)
        ax, ay = rng.uniform(0.2, 0.5) * w, rng.uniform(0.25, 0.5) * h
        c = colours[int(rng.integers(len(colours)))]
        cv2.ellipse(
            img,
            pt(cx, cy + bob),
            (max(1, round(ax)), max(1, round(ay))),
            float(rng.uniform(0, 180)),
            0,
            360,
            ctx.col(c, 75),
            -1,
        )


def draw_building(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A new structure (e.g. an unpermitted steel shed): walls, a blue roof, door, windows."""
    x, y, w, h = box
    rng = seeded_rng(ctx.spec.seed, 7700 + idx)
    roof = [(170, 110, 40), (200, 140, 60), (60, 60, 170)][int(rng.integers(3))]
    cv2.rectangle(img, pt(x, y + 0.3 * h), pt(x + w, y + h), ctx.col((215, 220, 225), 100), -1)
    roof_pts = np.array(
        [pt(x - 0.05 * w, y + 0.32 * h), pt(x + 0.5 * w, y), pt(x + 1.05 * w, y + 0.32 * h)],
        np.int32,
    )
    cv2.fillPoly(img, [roof_pts], ctx.col(roof, 110))
    cv2.rectangle(
        img,
        pt(x + 0.42 * w, y + 0.6 * h),
        pt(x + 0.58 * w, y + h),
        ctx.col((70, 70, 80), 100),
        -1,
    )
    for fx in (0.15, 0.72):
        cv2.rectangle(
            img,
            pt(x + fx * w, y + 0.45 * h),
            pt(x + (fx + 0.13) * w, y + 0.6 * h),
            ctx.col((110, 90, 70), 100),
            -1,
        )
