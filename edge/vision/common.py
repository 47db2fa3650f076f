"""Shared pieces of the analytics: detections, zones and masks, blobs, running-average
weights, frame scaling and the tracker that follows blobs from frame to frame."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import cv2
import numpy as np

BBox = tuple[int, int, int, int]
Polygon = Sequence[tuple[float, float]]
REF_AREA = 320.0 * 240.0


@dataclass(frozen=True)
class Detection:
    """One analytic's finding in one frame; `cue` says which evidence fired (e.g. flame)."""

    kind: str
    confidence: float
    bbox: BBox
    t: float
    cue: str = ""


class Analytic(Protocol):
    name: str

    def process(self, image: np.ndarray, t: float) -> list[Detection]: ...


# ----------------------------------------------------------------------------------- helpers


def iou(a: Sequence[float], b: Sequence[float]) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = min(ax1, bx1) - max(a[0], b[0])
    ih = min(ay1, by1) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def zone_mask(shape: tuple[int, int], polygon: Polygon | None) -> np.ndarray:
    """uint8 mask (255 inside) of a pixel polygon; the whole frame when there is none."""
    if polygon is None:
        return np.full(shape, 255, np.uint8)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon, np.float32)).astype(np.int32)], 255)
    return mask


def point_in(mask: np.ndarray, x: float, y: float) -> bool:
    h, w = mask.shape
    xi, yi = min(w - 1, max(0, int(x))), min(h - 1, max(0, int(y)))
    return bool(mask[yi, xi])


@dataclass
class Blob:
    bbox: BBox
    area: int
    cx: float
    cy: float


def find_blobs(mask: np.ndarray, min_area: float, max_area: float = math.inf) -> list[Blob]:
    n, _, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, a = (int(v) for v in stats[i])
        if min_area <= a <= max_area:
            out.append(Blob((x, y, w, h), a, float(cents[i][0]), float(cents[i][1])))
    return out


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel largest absolute channel difference (float32), so colour changes count even
    when brightness does not (a red car on grey asphalt of the same luminance)."""
    d = cv2.absdiff(a, b)
    if d.ndim == 2:
        return d
    return np.maximum(np.maximum(d[:, :, 0], d[:, :, 1]), d[:, :, 2])


def learn_rate(dt: float, tau: float) -> float:
    """Update weight of a running average with time constant tau for a frame step dt: the
    models learn in seconds, not frames, so they behave the same at 1 or 25 fps."""
    if tau <= 0:
        return 1.0
    if not math.isfinite(tau):
        return 0.0
    return 1.0 - math.exp(-max(dt, 0.0) / tau)


def is_thermal(image: np.ndarray) -> bool:
    """A thermal (grey) frame stored as BGR: the three channels are equal."""
    if image.ndim == 2:
        return True
    s = image[::7, ::7]
    return bool(np.array_equal(s[:, :, 0], s[:, :, 1]) and np.array_equal(s[:, :, 1], s[:, :, 2]))


class Scale:
    """Converts parameters given for 320x240 into the frame's own pixels."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        h, w = shape[:2]
        self.area = (w * h) / REF_AREA
        self.lin = math.sqrt(self.area)


def gradient(img: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def clean_mask(mask: np.ndarray, open_k: int, close_k: int) -> np.ndarray:
    m = mask.astype(np.uint8) * 255
    if open_k > 1:
        m = cv2.morphologyEx(
            m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (open_k, open_k))
        )
    if close_k > 1:
        m = cv2.morphologyEx(
            m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (close_k, close_k))
        )
    return m


@dataclass
class Track:
    bbox: BBox
    first_t: float
    last_t: float
    hits: int = 1
    path: deque[tuple[float, float, float]] = field(default_factory=lambda: deque(maxlen=16))
    score: float = 0.0  # a per-analytic running score (e.g. flicker)
    stats: dict[str, float] = field(default_factory=dict)

    history: dict[str, deque[float]] = field(default_factory=dict)

    def recent(self, key: str, value: float, n: int = 12) -> deque[float]:
        """The last n values of a per-track feature, this one included."""
        h = self.history.setdefault(key, deque(maxlen=n))
        h.append(value)
        return h

    def ema(self, key: str, value: float, keep: float = 0.6) -> float:
        """Exponential moving average of a per-track feature (the first value seeds it)."""
        old = self.stats.get(key)
        self.stats[key] = value if old is None else keep * old + (1 - keep) * value
        return self.stats[key]

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.bbox
        return x + w / 2, y + h / 2


class Tracker:
    """Greedy frame-to-frame association by overlap or nearby centre; a track survives
    `grace_s` without a match (a passing car hides a parked one for a moment)."""

    def __init__(self, grace_s: float, max_jump: float) -> None:
        self.grace_s, self.max_jump = grace_s, max_jump
        self.tracks: list[Track] = []

    def update(self, blobs: list[Blob], t: float) -> list[tuple[Track, Blob]]:
        matched: list[tuple[Track, Blob]] = []
        free = list(self.tracks)
        for b in sorted(blobs, key=lambda b: -b.area):
            best, best_score = None, 0.0
            for tr in free:
                # overlap first; otherwise a nearby centre (a small or fast object) scores
                # below any overlap, closer being better
                score = iou(tr.bbox, b.bbox)
                if score == 0.0:
                    cx, cy = tr.centre
                    dist = math.hypot(cx - b.cx, cy - b.cy)
                    if dist <= self.max_jump:
                        score = 1e-3 * (1.0 - dist / (self.max_jump + 1e-9)) + 1e-9
                if score > best_score:
                    best, best_score = tr, score
            if best is None:
                best = Track(b.bbox, t, t)
                self.tracks.append(best)
            else:
                free.remove(best)
                best.bbox, best.last_t = b.bbox, t
                best.hits += 1
            # the bottom centre: where an object stands or a fire burns, steady while a fire
            # grows upward, moving with a car
            best.path.append((t, b.bbox[0] + b.bbox[2] / 2, b.bbox[1] + b.bbox[3]))
            matched.append((best, b))
        self.tracks = [tr for tr in self.tracks if t - tr.last_t <= self.grace_s]
        return matched


def track_speed(track: Track, span_s: float) -> float:
    """Speed (px/s) of the track's bottom centre over about the last span_s seconds."""
    if len(track.path) < 2:
        return 0.0
    t1, x1, y1 = track.path[-1]
    t0, x0, y0 = next(p for p in track.path if t1 - p[0] <= span_s)
    if t1 - t0 <= 0:
        return 0.0
    return math.hypot(x1 - x0, y1 - y0) / (t1 - t0)


def track_shift(tr: Track) -> tuple[int, int]:
    """The track's last frame-to-frame shift in whole pixels."""
    if len(tr.path) < 2:
        return 0, 0
    return round(tr.path[-1][1] - tr.path[-2][1]), round(tr.path[-1][2] - tr.path[-2][2])
