"""Fire: flickering flames, billowing smoke (and steam) plumes, and the two together."""

from __future__ import annotations

import math

import cv2
import numpy as np

from devices.scenes.canvas import seeded_rng
from devices.scenes.draw import Ctx, blend_mask, pt
from devices.scenes.spec import BGR, SceneObject


def draw_plume(
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
        cv2.circle(mask, pt(cx, cy), max(1, round(r)), dens, -1)
    k = max(3, round(0.25 * w)) | 1
    mask = cv2.GaussianBlur(mask, (k, k), 0) * opacity
    # turbulence: the density inside the plume changes from frame to frame
    cells = rng.uniform(0.45, 1.25, (max(2, round(mh / max(2.0, 0.3 * w))), 3)).astype(np.float32)
    mask *= cv2.resize(cells, (mw, mh), interpolation=cv2.INTER_LINEAR)
    np.minimum(mask, 1.0, out=mask)
    blend_mask(img, round(x) - pad, round(y) - pad, mask, colour)


def draw_flame(img: np.ndarray, box: tuple[float, ...], rng: np.random.Generator, ctx: Ctx) -> None:
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
        pts = [pt(x + w * (1 - shrink) / 2, base_y)]
        for i in range(n):
            fx = (i + 0.5) / n
            tip = h * shrink * float(rng.uniform(0.45, 1.0)) * (1.0 - 0.5 * abs(fx - 0.5))
            pts.append(
                pt(
                    x + w * ((1 - shrink) / 2 + shrink * fx) + rng.uniform(-1, 1) * 0.1 * w,
                    base_y - tip,
                )
            )
            pts.append(
                pt(
                    x + w * ((1 - shrink) / 2 + shrink * (i + 1) / n),
                    base_y - h * shrink * 0.35 * float(rng.uniform(0.6, 1.0)),
                )
            )
        pts.append(pt(x + w * (1 + shrink) / 2, base_y))
        cv2.fillPoly(img, [np.array(pts, np.int32)], colour, cv2.LINE_AA)


def draw_fire(
    img: np.ndarray, obj: SceneObject, box: tuple[float, ...], idx: int, ctx: Ctx
) -> None:
    rng = seeded_rng(ctx.spec.seed, 7300 + idx, ctx.t)
    x, y, w, h = box
    shade = 95 + (ctx.spec.seed * 37 + idx * 11) % 60  # smoke from dark to light grey
    smoke_col = ctx.col((shade, shade, shade + 4), 80)
    if obj.kind == "flame":
        draw_flame(img, box, rng, ctx)
    elif obj.kind == "smoke":
        if not ctx.thermal:  # long-wave infrared sees through smoke
            draw_plume(img, box, smoke_col, 0.8, rng, ctx.t, True)
    else:  # fire: flames in the lower third, smoke rising above them
        fh = 0.35 * h
        if not ctx.thermal:
            draw_plume(img, (x, y, w, h - 0.6 * fh), smoke_col, 0.8, rng, ctx.t, True)
        draw_flame(img, (x + 0.15 * w, y + h - fh, 0.7 * w, fh), rng, ctx)
