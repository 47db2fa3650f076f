"""Look-alikes that must not raise events: steam and clouds (smoke), red signs and lanterns
(flame), trains and dogs (intruders), cloud shadows (land change), reflections (debris).
`DISTRACTORS` maps each object kind to its drawing."""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np

from devices.scenes.canvas import seeded_rng
from devices.scenes.draw import Ctx, blend_mask, pt
from devices.scenes.fire import draw_plume
from devices.scenes.spec import SceneObject


def draw_steam(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """Steam from a vent or a kettle stall: a white plume (a smoke look-alike)."""
    x, y, w, h = box
    t = ctx.t
    if not ctx.thermal:
        rng = seeded_rng(ctx.spec.seed, 7310 + idx, t)
        cv2.rectangle(
            img,
            pt(x + 0.3 * w, y + h - 2 * ctx.s),
            pt(x + 0.7 * w, y + h),
            ctx.col((60, 60, 60), 120),
            -1,
        )
        draw_plume(img, (x, y, w, h - 2 * ctx.s), ctx.col((245, 245, 245), 110), 0.9, rng, t, True)


def draw_cloud(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A low cloud drifting: soft white ellipses."""
    x, y, w, h = box
    if not ctx.thermal:
        mask = np.zeros((round(h) + 2, round(w) + 2), np.float32)
        rng = seeded_rng(ctx.spec.seed, 7320 + idx)
        for _ in range(5):
            cx, cy = rng.uniform(0.25, 0.75) * w, rng.uniform(0.35, 0.65) * h
            cv2.ellipse(
                mask,
                pt(cx, cy),
                (max(1, round(0.3 * w)), max(1, round(0.3 * h))),
                0,
                0,
                360,
                1.0,
                -1,
            )
        kk = max(3, round(0.2 * w)) | 1
        mask = cv2.GaussianBlur(mask, (kk, kk), 0) * 0.85
        blend_mask(img, round(x), round(y), mask, ctx.col((250, 250, 250), 30))


def draw_red_sign(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A red sign on a post (flame-coloured, but it never flickers)."""
    x, y, w, h = box
    cv2.line(
        img,
        pt(x + w / 2, y + h),
        pt(x + w / 2, y + 1.6 * h),
        ctx.col((120, 120, 120), 80),
        max(1, round(ctx.s)),
    )
    cv2.rectangle(img, pt(x, y), pt(x + w, y + h), ctx.col((35, 35, 215), 80), -1)
    for fy in (0.3, 0.6):
        cv2.line(
            img,
            pt(x + 0.15 * w, y + fy * h),
            pt(x + 0.85 * w, y + fy * h),
            ctx.col((235, 235, 235), 80),
            max(1, round(ctx.s)),
        )


def draw_lantern(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A red lantern swaying, lit from inside (flame-coloured, glowing)."""
    x, y, w, h = box
    t = ctx.t
    sway = 0.6 * ctx.s * math.sin(1.7 * t + idx)
    cx, cy = x + w / 2 + sway, y + h / 2
    body = (40, 40, 215) if not ctx.night else (60, 70, 240)
    cv2.ellipse(
        img,
        pt(cx, cy),
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
            pt(cx, cy),
            (max(1, round(w / 4)), max(1, round(h / 3))),
            0,
            0,
            360,
            (70, 170, 255),
            -1,
        )
    cv2.line(img, pt(cx - w / 4, y), pt(cx + w / 4, y), ctx.col((40, 170, 220), 120), 1)


def draw_train(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A train on the line: too large to be an intruder."""
    x, y, w, h = box
    cv2.rectangle(img, pt(x, y), pt(x + w, y + h), ctx.col((200, 200, 205), 130), -1)
    for wy in np.arange(y + 6 * ctx.s, y + h - 6 * ctx.s, 14 * ctx.s):
        cv2.rectangle(
            img,
            pt(x + 0.15 * w, wy),
            pt(x + 0.85 * w, wy + 6 * ctx.s),
            ctx.col((90, 70, 50), 110),
            -1,
        )
    cv2.line(img, pt(x, y), pt(x, y + h), ctx.col((40, 40, 180), 120), max(1, round(ctx.s)))


def draw_shadow(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A cloud's shadow: a soft darkening that drifts."""
    x, y, w, h = box
    mask = np.zeros((round(h) + 2, round(w) + 2), np.float32)
    cv2.ellipse(
        mask,
        pt(w / 2, h / 2),
        (max(1, round(0.45 * w)), max(1, round(0.45 * h))),
        0,
        0,
        360,
        0.4,
        -1,
    )
    kk = max(3, round(0.3 * w)) | 1
    mask = cv2.GaussianBlur(mask, (kk, kk), 0)
    blend_mask(img, round(x), round(y), mask, (0, 0, 0))


def draw_reflection(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    """A lamp's or the sun's shimmering reflection on water."""
    x, y, w, h = box
    t = ctx.t
    rng = seeded_rng(ctx.spec.seed, 7330 + idx, t)
    colour = (90, 190, 240) if ctx.night else (235, 240, 240)
    for yy in np.arange(y, y + h, 2 * ctx.s):
        half = 0.5 * w * float(rng.uniform(0.2, 1.0))
        cx = x + w / 2 + float(rng.uniform(-0.2, 0.2)) * w
        cv2.line(img, pt(cx - half, yy), pt(cx + half, yy), colour, 1)


def draw_dog(img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx) -> None:
    """A stray dog: long and low (not an upright intruder)."""
    x, y, w, h = box
    c = ctx.col((40, 80, 130), 150)
    cv2.ellipse(
        img,
        pt(x + w / 2, y + 0.45 * h),
        (max(1, round(0.4 * w)), max(1, round(0.3 * h))),
        0,
        0,
        360,
        c,
        -1,
    )
    cv2.circle(
        img,
        pt(x + (0.9 * w if obj.vx >= 0 else 0.1 * w), y + 0.3 * h),
        max(1, round(0.25 * h)),
        c,
        -1,
    )
    for fx in (0.25, 0.75):
        cv2.line(img, pt(x + fx * w, y + 0.6 * h), pt(x + fx * w, y + h), c, 1)


Drawing = Callable[[np.ndarray, SceneObject, tuple[float, ...], int, Ctx], None]
DISTRACTORS: dict[str, Drawing] = {
    "steam": draw_steam,
    "cloud": draw_cloud,
    "red_sign": draw_red_sign,
    "lantern": draw_lantern,
    "train": draw_train,
    "shadow": draw_shadow,
    "reflection": draw_reflection,
    "dog": draw_dog,
}
