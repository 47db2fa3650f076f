"""The canvas of a scene: its layout (bands, default zones) and its backgrounds by kind, day,
night and thermal, with the cached sensor noise and water ripples."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from devices.scenes.spec import BGR, SCENE_KINDS, Polygon


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


def seeded_rng(*keys: float) -> np.random.Generator:
    """A generator seeded from integers and clip times (ms), so frames are pure functions."""
    ints = [round(k * 1000) if isinstance(k, float) else int(k) for k in keys]
    return np.random.default_rng([abs(i) for i in ints])


def texture(rng: np.random.Generator, h: int, w: int, amp: float, blur: int) -> np.ndarray:
    """Smooth random texture (float32, zero mean, about +-amp)."""
    n = rng.normal(0.0, 1.0, (h, w)).astype(np.float32)
    k = max(1, blur) | 1
    n = cv2.GaussianBlur(n, (k, k), 0)
    s = float(n.std()) or 1.0
    return n * (amp / s)


def fill_band(img: np.ndarray, y0: float, y1: float, colour: BGR, tex: np.ndarray | None) -> None:
    a, b = round(y0), round(y1)
    region = np.empty((b - a, img.shape[1], 3), np.float32)
    region[:] = colour
    if tex is not None:
        region += tex[a:b, :, None]
    img[a:b] = np.clip(region, 0, 255).astype(np.uint8)


def draw_sky(img: np.ndarray, y1: float) -> None:
    b = round(y1)
    if b <= 0:
        return
    ramp = np.linspace(0.0, 1.0, b, dtype=np.float32)[:, None, None]
    top, bottom = np.array((225, 190, 150), np.float32), np.array((240, 225, 205), np.float32)
    img[:b] = (top + (bottom - top) * ramp).astype(np.uint8)


def _day_background(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    rng = seeded_rng(seed, 7001, SCENE_KINDS.index(kind))
    img = np.zeros((h, w, 3), np.uint8)
    lay = layout(kind, w, h)
    s = w / 320.0
    tex = texture(rng, h, w, 6.0, int(3 * s))
    if kind == "street":
        draw_sky(img, lay["sky"][1])
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
        fill_band(img, *lay["upper_walk"], (160, 165, 170), tex)
        fill_band(img, *lay["road"], (85, 85, 88), tex * 0.8)
        fill_band(img, *lay["lower_walk"], (160, 165, 170), tex)
        for y in (lay["upper_walk"][1], lay["road"][1]):  # curbs
            cv2.line(img, (0, int(y)), (w, int(y)), (200, 200, 200), max(1, int(2 * s)))
        ymid = int((lay["lane_a"][1] + lay["lane_b"][0]) / 2)
        for xd in range(0, w, int(30 * s)):  # dashed centre line
            cv2.line(img, (xd, ymid), (xd + int(15 * s), ymid), (215, 215, 215), max(1, int(s)))
        for tx in rng.uniform(0, w, 4):  # street trees on the upper sidewalk
            cv2.circle(img, (int(tx), int(lay["upper_walk"][0])), int(9 * s), (45, 110, 55), -1)
    elif kind == "square":
        fill_band(img, 0, h, (175, 182, 188), tex)
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
        fill_band(img, *lay["far_bank"], (70, 135, 80), tex * 1.5)
        fill_band(img, *lay["water"], (125, 110, 80), tex * 0.5)
        fill_band(img, *lay["near_bank"], (130, 140, 145), tex)
        for tx in rng.uniform(0, w, 7):  # trees on the far bank
            cv2.circle(
                img, (int(tx), int(lay["far_bank"][1] - 14 * s)), int(10 * s), (40, 95, 45), -1
            )
        y0 = int(lay["water"][0])
        cv2.line(img, (0, y0), (w, y0), (110, 120, 120), max(1, int(2 * s)))
    elif kind == "forest":
        draw_sky(img, lay["canopy"][0])  # behind the ridge too
        ys = lay["ridge"]
        xs = np.arange(w + 1)
        ridge = ys[0] + (ys[1] - ys[0]) * (
            0.5 + 0.5 * np.sin(xs / (37 * s) + seed) * np.cos(xs / (91 * s))
        )
        pts = np.stack([xs, ridge], 1).astype(np.int32)
        poly = np.concatenate([pts, [[w, h], [0, h]]]).astype(np.int32)
        cv2.fillPoly(img, [poly], (115, 135, 120))  # hazy distant ridge
        canopy = np.full((h, w, 3), (45, 95, 50), np.float32)
        canopy += texture(rng, h, w, 14.0, int(5 * s))[:, :, None]
        y0 = int(lay["canopy"][0])
        img[y0:] = np.clip(canopy[y0:], 0, 255).astype(np.uint8)
    elif kind == "farmland":
        draw_sky(img, lay["sky"][1])
        y, colours = (
            lay["fields"][0],
            [(70, 150, 90), (80, 175, 195), (60, 100, 130), (60, 140, 80), (90, 170, 180)],
        )
        i = int(rng.integers(len(colours)))
        while y < h:  # strips of fields, wider toward the camera
            dh = (6 + 0.2 * (y - lay["fields"][0])) * float(rng.uniform(0.8, 1.3))
            fill_band(img, y, min(h, y + dh), colours[i % len(colours)], tex)
            cv2.line(img, (0, int(y)), (w, int(y)), (70, 95, 110), 1)
            y += dh
            i += 1 + int(rng.integers(2))
    elif kind == "rail":
        fill_band(img, 0, h, (70, 130, 85), tex * 1.5)
        x0, x1 = lay["track_x"]
        gravel = np.full((h, int(x1 - x0), 3), (120, 125, 130), np.float32)
        gravel += texture(rng, h, int(x1 - x0), 18.0, 1)[:, :, None]
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
        rng = seeded_rng(seed, 7002)
        glow = np.zeros((h, w), np.float32)
        for x in np.linspace(0.1, 0.9, 4) * w + rng.uniform(-10, 10, 4):
            cv2.circle(glow, (int(x), int(0.35 * h)), int(0.12 * w), 1.0, -1)
        glow = cv2.GaussianBlur(glow, (0, 0), 0.06 * w)
        out += glow[:, :, None] * np.array((20, 45, 70), np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def _thermal_background(kind: str, seed: int, w: int, h: int) -> np.ndarray:
    """Long-wave infrared at night: cold sky, cool vegetation and water, warmer paving."""
    rng = seeded_rng(seed, 7003)
    lay = layout(kind, w, h)
    grey = np.full((h, w), 70.0, np.float32)
    if "sky" in lay:
        grey[: round(lay["sky"][1])] = 25.0
    if kind == "river":
        grey[round(lay["water"][0]) : round(lay["water"][1])] = 55.0
    if kind == "street":
        grey[round(lay["road"][0]) : round(lay["road"][1])] = 95.0
    grey += texture(rng, h, w, 5.0, int(5 * w / 320))
    g = np.clip(grey, 0, 255).astype(np.uint8)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


@lru_cache(maxsize=64)
def background(kind: str, seed: int, w: int, h: int, night: bool, thermal: bool) -> np.ndarray:
    if thermal:
        bg = _thermal_background(kind, seed, w, h)
    else:
        bg = _day_background(kind, seed, w, h)
        if night:
            bg = _night(bg, kind, seed)
    bg.setflags(write=False)
    return bg


@lru_cache(maxsize=16)
def noise_tiles(w: int, h: int, seed: int) -> tuple[np.ndarray, ...]:
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
def wave_texture(w: int, h: int, seed: int) -> np.ndarray:
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
