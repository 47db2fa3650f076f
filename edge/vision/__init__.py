"""Edge video analytics with classical OpenCV: no deep learning, no model downloads.

Each analytic turns frames into per-frame `Detection`s; an `EventFilter` per analytic
debounces them into raised/cleared `VisionEvent`s carrying a JPEG evidence snapshot; a
`VisionPipeline` feeds frames from a `FrameSource` (rendered scenes, a video file or an RTSP
stream through cv2.VideoCapture) to a set of analytics.

Techniques (parameters are per analytic, see `docs/vision.md`):

- fire_smoke: flame colour (HSV) on foreground, kept where it is brighter than any lit
  surface, keeps flickering pixel by pixel and does not travel; smoke as grey foreground that
  billows in place, fades out at its edges and whose estimated plume colour is grey, not
  white (steam, cloud); in thermal images a hot-spot threshold.
- illegal_parking, street_vending, exposed_garbage: a dual running-average background (short-
  and long-term): pixels that the short-term model has absorbed but the long-term one has not
  are stationary foreground; ghosts (something that left) are told apart by their edges;
  blobs are tracked and reported after a dwell time in the zone, each analytic with its own
  size, shape and texture tests.
- crowd: long-term background, time-smoothed foreground occupancy, densest window.
- floating_debris: a per-pixel Gaussian model of the water (waves, glints and shimmering
  reflections are in its variance), persistent blobs tracked as they drift.
- intrusion: upright, person-sized foreground standing inside the rail polygon.
- land_change: difference from a reference frame, minus illumination changes (cloud
  shadows), stable for some time.

Sizes are given for a 320x240 frame and scaled with the frame; times are in seconds of the
frames' own clock, so results do not depend on how fast the analytics run.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import cv2
import numpy as np

if TYPE_CHECKING:
    from devices.scenes import Label, SceneSpec

BBox = tuple[int, int, int, int]
Polygon = Sequence[tuple[float, float]]
_REF_AREA = 320.0 * 240.0


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


def _iou(a: Sequence[float], b: Sequence[float]) -> float:
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = min(ax1, bx1) - max(a[0], b[0])
    ih = min(ay1, by1) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def _zone_mask(shape: tuple[int, int], polygon: Polygon | None) -> np.ndarray:
    """uint8 mask (255 inside) of a pixel polygon; the whole frame when there is none."""
    if polygon is None:
        return np.full(shape, 255, np.uint8)
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(np.asarray(polygon, np.float32)).astype(np.int32)], 255)
    return mask


def _inside(mask: np.ndarray, x: float, y: float) -> bool:
    h, w = mask.shape
    xi, yi = min(w - 1, max(0, int(x))), min(h - 1, max(0, int(y)))
    return bool(mask[yi, xi])


@dataclass
class _Blob:
    bbox: BBox
    area: int
    cx: float
    cy: float


def _blobs(mask: np.ndarray, min_area: float, max_area: float = math.inf) -> list[_Blob]:
    n, _, stats, cents = cv2.connectedComponentsWithStats(mask, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, a = (int(v) for v in stats[i])
        if min_area <= a <= max_area:
            out.append(_Blob((x, y, w, h), a, float(cents[i][0]), float(cents[i][1])))
    return out


def _max_abs_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel largest absolute channel difference (float32), so colour changes count even
    when brightness does not (a red car on grey asphalt of the same luminance)."""
    d = cv2.absdiff(a, b)
    if d.ndim == 2:
        return d
    return np.maximum(np.maximum(d[:, :, 0], d[:, :, 1]), d[:, :, 2])


def _alpha(dt: float, tau: float) -> float:
    """Update weight of a running average with time constant tau for a frame step dt: the
    models learn in seconds, not frames, so they behave the same at 1 or 25 fps."""
    if tau <= 0:
        return 1.0
    if not math.isfinite(tau):
        return 0.0
    return 1.0 - math.exp(-max(dt, 0.0) / tau)


def _is_thermal(image: np.ndarray) -> bool:
    """A thermal (grey) frame stored as BGR: the three channels are equal."""
    if image.ndim == 2:
        return True
    s = image[::7, ::7]
    return bool(np.array_equal(s[:, :, 0], s[:, :, 1]) and np.array_equal(s[:, :, 1], s[:, :, 2]))


class _Scale:
    """Converts parameters given for 320x240 into the frame's own pixels."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        h, w = shape[:2]
        self.area = (w * h) / _REF_AREA
        self.lin = math.sqrt(self.area)


class DualBackground:
    """Short- and long-term running-average backgrounds of a blurred colour frame.

    - `fg`: the frame differs from the long-term model (something that is not the scene).
    - `moving`: it differs from the short-term model (changing now).
    - `static`: the short-term model has absorbed something the long-term one has not, and
      the frame still shows it: an object that arrived and stopped.

    The long-term model learns only where there is no foreground (so a parked car is not
    absorbed), except at the slow `tau_absorb_s` (so a lasting change is, eventually);
    foreground that has stood still for `static_age_s` is absorbed at `tau_static_s` (short
    for analytics that look for change, like fire, rather than for objects that stay). It
    starts as the per-pixel median of the first `warmup_s` seconds, so traffic in the first
    frame leaves no ghost. The threshold is `k_noise` times the sensor noise, estimated from
    the frame-to-model differences, but at least `thr_min`: at night or in fog objects are
    dimmer but so is the noise, and real cameras' noise and compression differ.
    """

    def __init__(
        self,
        tau_short_s: float = 4.0,
        tau_long_s: float = 120.0,
        tau_absorb_s: float = 1800.0,
        thr_min: float = 9.0,
        k_noise: float = 5.0,
        blur: int = 5,
        warmup_s: float = 6.0,
        tau_static_s: float | None = None,
        static_age_s: float = 10.0,
    ) -> None:
        self.tau_short_s, self.tau_long_s, self.tau_absorb_s = tau_short_s, tau_long_s, tau_absorb_s
        self.tau_static_s = tau_absorb_s if tau_static_s is None else tau_static_s
        self.static_age_s = static_age_s
        self.static_since: np.ndarray | None = None
        self.thr_min, self.k_noise, self.blur = thr_min, k_noise, blur | 1
        self.warmup_s = warmup_s
        self.short: np.ndarray | None = None
        self.long: np.ndarray | None = None
        self.t = self.t0 = 0.0
        self.noise = 1.0
        self.thr = thr_min
        self.frame: np.ndarray | None = None
        self._warm: list[np.ndarray] = []
        self._warm_t = -math.inf

    @property
    def ready(self) -> bool:
        return self.long is not None and not self._warm

    def update(self, image: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fg, moving, static) boolean masks; all empty while the model warms up."""
        f = cv2.GaussianBlur(image, (self.blur, self.blur), 0).astype(np.float32)
        self.frame = f
        if self.long is None or self.short is None or self.long.shape != f.shape:
            self.short, self.long, self.t = f.copy(), f.copy(), t
            self.t0, self._warm, self._warm_t = t, [], -math.inf
        if t - self.t0 < self.warmup_s or self._warm:
            # warm-up: the long-term model starts as the per-pixel median of the first
            # seconds, so traffic present in the very first frame leaves no ghost
            if t - self._warm_t >= self.warmup_s / 12:
                self._warm.append(f)
                self._warm_t = t
            cv2.accumulateWeighted(f, self.short, _alpha(t - self.t, self.tau_short_s))
            self.t = t
            if t - self.t0 >= self.warmup_s and self._warm:
                self.long = np.median(np.stack(self._warm[-15:]), axis=0).astype(np.float32)
                self.short = self.long.copy()
                self._warm = []
            z = np.zeros(f.shape[:2], bool)
            return z, z, z
        dt = t - self.t
        self.t = t
        d_short = _max_abs_diff(f, self.short)
        # robust sensor-noise estimate (median absolute deviation) on a sparse grid
        sample = d_short[::4, ::4]
        self.noise = 0.8 * self.noise + 0.2 * max(0.5, float(np.median(sample)) * 1.4826)
        self.thr = max(self.thr_min, self.k_noise * self.noise)
        moving = d_short > self.thr
        fg = _max_abs_diff(f, self.long) > self.thr
        cv2.accumulateWeighted(f, self.short, _alpha(dt, self.tau_short_s))
        static = (_max_abs_diff(self.short, self.long) > self.thr) & fg & ~moving
        bgmask = (~fg).astype(np.uint8)
        cv2.accumulateWeighted(f, self.long, _alpha(dt, self.tau_long_s), mask=bgmask)
        if self.tau_static_s != self.tau_absorb_s:
            # only what has stood still for static_age_s is absorbed quickly (a slow tractor
            # covering a pixel for a few seconds is not)
            if self.static_since is None or self.static_since.shape != static.shape:
                self.static_since = np.full(static.shape, np.inf, np.float32)
            self.static_since = np.where(static, np.minimum(self.static_since, t), np.inf)
            old_static = static & (t - self.static_since >= self.static_age_s)
            smask = old_static.astype(np.uint8)
            cv2.accumulateWeighted(
                f,
                self.long,
                _alpha(dt, self.tau_absorb_s),
                mask=(fg & ~old_static).astype(np.uint8),
            )
            cv2.accumulateWeighted(f, self.long, _alpha(dt, self.tau_static_s), mask=smask)
        else:
            cv2.accumulateWeighted(f, self.long, _alpha(dt, self.tau_absorb_s), mask=1 - bgmask)
        return fg, moving, static

    def absorb(self, mask: np.ndarray) -> None:
        """Take the current frame into both models where mask is set (a ghost found)."""
        if self.frame is None or self.long is None or self.short is None:
            return
        m = mask.astype(bool)
        self.long[m] = self.frame[m]
        self.short[m] = self.frame[m]

    def is_ghost(self, bbox: BBox, mask: np.ndarray, ratio: float = 0.7) -> bool:
        """A blob is a ghost (the background model still holds something that left) when
        its outline has edges in the background model but not in the frame: a real object
        shows its own edges now."""
        if self.frame is None or self.long is None:
            return False
        x, y, w, h = bbox
        H, W = mask.shape
        x0, y0, x1, y1 = max(0, x - 2), max(0, y - 2), min(W, x + w + 2), min(H, y + h + 2)
        m = (mask[y0:y1, x0:x1] > 0).astype(np.uint8)
        k = np.ones((3, 3), np.uint8)
        band = (cv2.dilate(m, k) - cv2.erode(m, k)) > 0
        if not band.any():
            return False
        now = _grad(self.frame[y0:y1, x0:x1])[band].mean()
        then = _grad(self.long[y0:y1, x0:x1])[band].mean()
        return bool(now < ratio * then)


def _grad(img: np.ndarray) -> np.ndarray:
    grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1, ksize=3)
    return cv2.magnitude(gx, gy)


def _clean(mask: np.ndarray, open_k: int, close_k: int) -> np.ndarray:
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
class _Track:
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


class _Tracker:
    """Greedy frame-to-frame association by overlap or nearby centre; a track survives
    `grace_s` without a match (a passing car hides a parked one for a moment)."""

    def __init__(self, grace_s: float, max_jump: float) -> None:
        self.grace_s, self.max_jump = grace_s, max_jump
        self.tracks: list[_Track] = []

    def update(self, blobs: list[_Blob], t: float) -> list[tuple[_Track, _Blob]]:
        matched: list[tuple[_Track, _Blob]] = []
        free = list(self.tracks)
        for b in sorted(blobs, key=lambda b: -b.area):
            best, best_score = None, 0.0
            for tr in free:
                # overlap first; otherwise a nearby centre (a small or fast object) scores
                # below any overlap, closer being better
                score = _iou(tr.bbox, b.bbox)
                if score == 0.0:
                    cx, cy = tr.centre
                    dist = math.hypot(cx - b.cx, cy - b.cy)
                    if dist <= self.max_jump:
                        score = 1e-3 * (1.0 - dist / (self.max_jump + 1e-9)) + 1e-9
                if score > best_score:
                    best, best_score = tr, score
            if best is None:
                best = _Track(b.bbox, t, t)
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


def _speed(track: _Track, span_s: float) -> float:
    """Speed (px/s) of the track's bottom centre over about the last span_s seconds."""
    if len(track.path) < 2:
        return 0.0
    t1, x1, y1 = track.path[-1]
    t0, x0, y0 = next(p for p in track.path if t1 - p[0] <= span_s)
    if t1 - t0 <= 0:
        return 0.0
    return math.hypot(x1 - x0, y1 - y0) / (t1 - t0)


def _shift(tr: _Track) -> tuple[int, int]:
    """The track's last frame-to-frame shift in whole pixels."""
    if len(tr.path) < 2:
        return 0, 0
    return round(tr.path[-1][1] - tr.path[-2][1]), round(tr.path[-1][2] - tr.path[-2][2])


# -------------------------------------------------------------------------------- fire/smoke


class FireSmoke:
    """Flame, smoke and (in thermal images) hot spots.

    Flame: HSV colour (hue `flame_hue`, S >= `flame_s_min`, V >= `flame_v_min`) on the
    foreground of a background model (a yellow field or a parked orange car is background),
    dilated into blobs. A blob is a flame when it holds light brighter than any lit surface
    (V >= `flame_core_v`), when at least `flicker_min` of its pixels keep switching on and
    off (>= `flicker_count` transitions, decaying over `flicker_tau_s`: a swaying lantern's
    edge switches now and then, a sign never) and when it does not travel (bottom centre
    slower than `max_speed` px/s: passing cars do).

    Smoke: foreground that keeps changing (recent activity >= `smoke_active`), grey
    (S <= `smoke_s_max`, or a quarter less saturated than the background there) and of grey
    brightness (`smoke_v`), in blobs of at least `smoke_min_area` px that rise from a source
    in view. A blob is smoke when, over its track, it billows in place (change after undoing
    its own shift >= `billow_min` x noise), fades out at its edges (edge sharpness <=
    `smoke_sharp_max`: cars and signs are steps), and the plume's own grey level estimated
    from its densest pixels (opacity taken as `plume_alpha`) lies within `smoke_dark`..
    `smoke_white`: steam and clouds are white. In the dark (background mean < `dark_v`) the
    smoke cue is off: flames remain, and towers switch to thermal.

    Thermal frames (three equal channels): pixels >= `hot_thr`, in blobs of at least
    `hot_min_area` px seen in `min_frames` frames.

    `trace`, when set to a list, collects each candidate blob's features (for tuning).
    """

    name = "fire_smoke"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        flame_hue: tuple[int, int] = (6, 35),
        flame_s_min: int = 80,
        flame_v_min: int = 170,
        flame_core_v: int = 225,
        flame_min_area: float = 4.0,
        flicker_min: float = 0.12,
        flicker_count: float = 2.5,
        flicker_tau_s: float = 2.0,
        max_speed: float = 6.0,
        smoke_s_max: int = 64,
        smoke_v: tuple[int, int] = (60, 250),
        smoke_active: float = 1.5,
        smoke_min_area: float = 45.0,
        billow_min: float = 2.0,
        smoke_sharp_max: float = 3.6,
        plume_alpha: float = 0.7,
        smoke_dark: float = 60.0,
        smoke_white: float = 200.0,
        dark_v: float = 70.0,
        hot_thr: int = 200,
        hot_min_area: float = 2.0,
        min_frames: int = 2,
        min_age_s: float = 1.0,
        tau_long_s: float = 60.0,
    ) -> None:
        self.zone = (zones or {}).get("fire")
        self.flame_hue, self.flame_s_min, self.flame_v_min = flame_hue, flame_s_min, flame_v_min
        self.flame_core_v, self.flame_min_area = flame_core_v, flame_min_area
        self.flicker_min, self.flicker_count = flicker_min, flicker_count
        self.flicker_tau_s, self.max_speed = flicker_tau_s, max_speed
        self.smoke_s_max, self.smoke_v, self.smoke_active = smoke_s_max, smoke_v, smoke_active
        self.smoke_min_area, self.billow_min = smoke_min_area, billow_min
        self.smoke_sharp_max, self.plume_alpha = smoke_sharp_max, plume_alpha
        self.smoke_dark, self.smoke_white, self.dark_v = smoke_dark, smoke_white, dark_v
        self.hot_thr, self.hot_min_area = hot_thr, hot_min_area
        self.min_frames, self.min_age_s = min_frames, min_age_s
        # fire flickers and smoke billows: what stands still is background (a parked red
        # car, the ghost of a car seen while learning), hence the quick absorption of static
        # foreground
        self.bg = DualBackground(
            tau_short_s=2.0,
            tau_long_s=tau_long_s,
            tau_absorb_s=120.0,
            tau_static_s=2.0,
            static_age_s=0.5,
            thr_min=8.0,
            k_noise=4.0,
            blur=3,
            warmup_s=6.0,
        )
        self.flames = _Tracker(grace_s=1.5, max_jump=12.0)
        self.smokes = _Tracker(grace_s=2.0, max_jump=12.0)
        self.prev_colour: np.ndarray | None = None
        self.prev_grey: np.ndarray | None = None
        self.trans = np.zeros((1, 1), np.float32)  # flame-mask transitions per pixel
        self.active = np.zeros((1, 1), np.float32)  # recent "moving" per pixel
        self.t_prev = 0.0
        self.scale: _Scale | None = None
        self.zmask: np.ndarray | None = None
        self.trace: list[dict[str, Any]] | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.scale is None or self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.scale = _Scale(image.shape)
            self.zmask = _zone_mask(image.shape[:2], self.zone)
            self.flames.max_jump = self.smokes.max_jump = 12.0 * self.scale.lin
        if _is_thermal(image):
            return self._thermal(image, t, self.scale)
        fg, moving, _ = self.bg.update(image, t)
        hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
        colour = cv2.inRange(
            hsv,
            (self.flame_hue[0], self.flame_s_min, self.flame_v_min),
            (self.flame_hue[1], 255, 255),
        )
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
        prev_colour, prev_grey = self.prev_colour, self.prev_grey
        self.prev_colour, self.prev_grey = colour, grey
        if prev_colour is None or prev_grey is None or prev_colour.shape != colour.shape:
            self.trans = np.zeros(colour.shape, np.float32)
            self.active = np.zeros(colour.shape, np.float32)
            self.t_prev = t
            return []
        decay = math.exp(-max(t - self.t_prev, 0.0) / self.flicker_tau_s)
        self.t_prev = t
        self.trans *= decay
        self.trans += colour != prev_colour
        # recent activity: smoke keeps changing where it is; a ghost (where the background
        # model still holds a car that left) is quiet until traffic crosses it
        self.active *= decay
        self.active += moving
        zone = self.zmask > 0
        out = self._flames(image, t, hsv, colour, prev_colour, fg & zone)
        assert self.bg.long is not None
        bg_grey = cv2.cvtColor(self.bg.long, cv2.COLOR_BGR2GRAY)
        if float(bg_grey.mean()) >= self.dark_v:
            out += self._smoke(image, t, hsv, colour, grey, prev_grey, bg_grey, fg & zone)
        return out

    def _flames(
        self,
        image: np.ndarray,
        t: float,
        hsv: np.ndarray,
        colour: np.ndarray,
        prev_colour: np.ndarray,
        fg: np.ndarray,
    ) -> list[Detection]:
        assert self.scale is not None
        sc, W = self.scale, image.shape[1]
        # dilated so that a fire's tongues form one blob
        cand = cv2.dilate(
            ((colour > 0) & fg).astype(np.uint8) * 255,
            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)),
        )
        out = []
        for tr, b in self.flames.update(_blobs(cand, self.flame_min_area * sc.area), t):
            x, y, w, h = b.bbox
            if x <= 0 or x + w >= W:
                continue  # entering or leaving the view: its shape and place are unknown
            roi = (slice(y, y + h), slice(x, x + w))
            on = colour[roi] > 0
            if int(hsv[roi][:, :, 2][on].max(initial=0)) < self.flame_core_v:
                continue  # flames emit light: brighter than a sunlit yellow field or car
            region = on | (prev_colour[roi] > 0)
            busy = self.trans[roi][region] >= self.flicker_count
            tr.score = float(busy.mean()) if busy.size else 0.0
            speed = _speed(tr, 2.0)
            if self.trace is not None:
                self.trace.append(
                    {
                        "t": t,
                        "cue": "flame",
                        "bbox": b.bbox,
                        "hits": tr.hits,
                        "score": tr.score,
                        "speed": speed,
                    }
                )
            if (
                tr.hits > self.min_frames
                and t - tr.first_t >= self.min_age_s
                and tr.score >= self.flicker_min
                and speed <= self.max_speed * sc.lin
            ):
                out.append(
                    Detection(self.name, round(min(1.0, 0.5 + tr.score), 3), b.bbox, t, "flame")
                )
        return out

    def _smoke(
        self,
        image: np.ndarray,
        t: float,
        hsv: np.ndarray,
        colour: np.ndarray,
        grey: np.ndarray,
        prev_grey: np.ndarray,
        bg_grey: np.ndarray,
        fg: np.ndarray,
    ) -> list[Detection]:
        assert self.scale is not None and self.bg.long is not None
        sc = self.scale
        H, W = grey.shape
        s, v = hsv[:, :, 1].astype(np.int16), hsv[:, :, 2]
        # grey, or greyer than the background was: a thin plume over a green field or a red
        # roof is still coloured, but less so
        s_bg = cv2.cvtColor(self.bg.long.astype(np.uint8), cv2.COLOR_BGR2HSV)[:, :, 1]
        greyish = (s <= self.smoke_s_max) | (
            (4 * s <= 3 * s_bg.astype(np.int16)) & (s <= 2 * self.smoke_s_max)
        )
        smoke = (
            fg
            & (self.active >= self.smoke_active)
            & greyish
            & (v >= self.smoke_v[0])
            & (v <= self.smoke_v[1])
            & (colour == 0)
        )
        smask = _clean(smoke, 3, 7)
        out = []
        for tr, b in self.smokes.update(_blobs(smask, self.smoke_min_area * sc.area), t):
            x, y, w, h = b.bbox
            if x <= 0 or x + w >= W or y + h >= H:
                continue  # a plume rises from a source in view
            if min(w, h) < 5 * sc.lin or h < 0.4 * w:
                continue  # slivers: the edge of a car, a lane of traffic
            roi = (slice(y, y + h), slice(x, x + w))
            inside = smask[roi] > 0
            billow = tr.ema(
                "billow",
                self._billow(grey, prev_grey, b.bbox, inside, tr) / max(1.0, self.bg.noise),
                0.75,
            )
            sharp = tr.ema("sharp", self._sharpness(grey[roi], bg_grey[roi], inside), 0.75)
            plume_now = self._plume_grey(grey[roi][inside], bg_grey[roi][inside])
            # steam shows its whiteness in its densest puffs, not in every frame: judge the
            # plume by the upper part (80th percentile) of its recent estimates
            plume = float(np.percentile(tr.recent("plume", plume_now), 80))
            speed = _speed(tr, 3.0)
            if self.trace is not None:
                self.trace.append(
                    {
                        "t": t,
                        "cue": "smoke",
                        "bbox": b.bbox,
                        "hits": tr.hits,
                        "billow": billow,
                        "plume": plume,
                        "plume_now": plume_now,
                        "sharp": sharp,
                        "speed": speed,
                    }
                )
            if (
                tr.hits > self.min_frames
                and t - tr.first_t >= 1.5 * self.min_age_s
                and billow >= self.billow_min
                and sharp <= self.smoke_sharp_max
                and self.smoke_dark <= plume <= self.smoke_white
                and speed <= self.max_speed * sc.lin
            ):
                out.append(
                    Detection(self.name, round(min(1.0, 0.4 + 0.1 * billow), 3), b.bbox, t, "smoke")
                )
        return out

    @staticmethod
    def _billow(
        grey: np.ndarray, prev: np.ndarray, bbox: BBox, inside: np.ndarray, tr: _Track
    ) -> float:
        """Mean change inside the blob since the last frame, after undoing the blob's own
        shift: a vehicle moving through (rigid) scores the noise level, smoke billows."""
        x, y, w, h = bbox
        dx, dy = _shift(tr)
        H, W = grey.shape
        px0, py0 = min(max(0, x - dx), W - w), min(max(0, y - dy), H - h)
        cur = grey[y : y + h, x : x + w].astype(np.int16)
        old = prev[py0 : py0 + h, px0 : px0 + w].astype(np.int16)
        return float(np.abs(cur - old)[inside].mean()) if inside.any() else 0.0

    @staticmethod
    def _sharpness(grey: np.ndarray, bg_grey: np.ndarray, inside: np.ndarray) -> float:
        """How abruptly the blob departs from the background at its edges relative to how
        much it departs inside (x 10): a car or a sign is a step, a plume fades out."""
        if not inside.any():
            return 0.0
        d = np.abs(grey.astype(np.float32) - bg_grey)
        g = cv2.magnitude(
            cv2.Sobel(d, cv2.CV_32F, 1, 0, ksize=3, scale=0.125),
            cv2.Sobel(d, cv2.CV_32F, 0, 1, ksize=3, scale=0.125),
        )
        return (
            10.0
            * float(np.percentile(g[inside], 90))
            / max(1.0, float(np.percentile(d[inside], 90)))
        )

    def _plume_grey(self, frame: np.ndarray, background: np.ndarray) -> float:
        """Grey level of the plume itself: a semi-transparent plume shows F = B + a (C - B)
        over the background B, so at its densest pixels (the top 3 % of |F - B|, opacity
        taken as `plume_alpha`) C = B + (F - B) / a. Steam and clouds are white, smoke grey;
        fog veils both alike, so their order is kept."""
        if frame.size == 0:
            return 255.0
        delta = frame.astype(np.float32) - background
        mag = np.abs(delta)
        dense = mag >= np.percentile(mag, 97)
        return float(np.median(background[dense] + delta[dense] / self.plume_alpha))

    def _thermal(self, image: np.ndarray, t: float, sc: _Scale) -> list[Detection]:
        assert self.zmask is not None
        grey = image if image.ndim == 2 else image[:, :, 0]
        hot = ((grey >= self.hot_thr) & (self.zmask > 0)).astype(np.uint8) * 255
        hot = cv2.dilate(hot, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
        out = []
        for tr, b in self.flames.update(_blobs(hot, self.hot_min_area * sc.area), t):
            if tr.hits >= self.min_frames:
                x, y, w, h = b.bbox
                peak = float(grey[y : y + h, x : x + w].max())
                conf = min(1.0, 0.5 + (peak - self.hot_thr) / 110.0)
                out.append(Detection(self.name, round(conf, 3), b.bbox, t, "hotspot"))
        return out


# ------------------------------------------------------------------ stationary-object family


class _Stationary:
    """Base of the analytics that report objects that arrived and stayed: the static mask of a
    `DualBackground`, tracked blobs, reported after `dwell_s` seconds when their bottom centre
    (where they touch the ground) is in the zone and `accept` passes. A static blob whose
    outline has edges in the background model but not in the frame is a ghost (something
    that left): the model takes the frame there and the blob is dropped."""

    name = ""
    zone_name = ""

    def __init__(
        self,
        zones: dict[str, Polygon] | None,
        dwell_s: float,
        min_area: float,
        max_area: float,
        tau_short_s: float,
        tau_long_s: float,
        grace_s: float,
    ) -> None:
        self.zone = (zones or {}).get(self.zone_name)
        self.dwell_s, self.min_area, self.max_area = dwell_s, min_area, max_area
        self.bg = DualBackground(tau_short_s=tau_short_s, tau_long_s=tau_long_s)
        self.tracker = _Tracker(grace_s=grace_s, max_jump=10.0)
        self.scale: _Scale | None = None
        self.zmask: np.ndarray | None = None
        self.image: np.ndarray | None = None

    def accept(self, blob: _Blob, mask: np.ndarray, sc: _Scale, tr: _Track) -> float | None:
        """Confidence (0..1) that the stationary blob is the target, or None."""
        return 0.8

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.scale is None or self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.scale = _Scale(image.shape)
            self.zmask = _zone_mask(image.shape[:2], self.zone)
            self.tracker.max_jump = 10.0 * self.scale.lin
        sc = self.scale
        self.image = image
        _, _, static = self.bg.update(image, t)
        mask = _clean(static, 3, 7)
        out: list[Detection] = []
        blobs = []
        for b in _blobs(mask, self.min_area * sc.area, self.max_area * sc.area):
            if self.bg.is_ghost(b.bbox, mask):
                x, y, w, h = b.bbox
                sub = np.zeros_like(mask)
                sub[y : y + h, x : x + w] = mask[y : y + h, x : x + w]
                self.bg.absorb(sub)
                continue
            blobs.append(b)
        for tr, b in self.tracker.update(blobs, t):
            x, y, w, h = b.bbox
            if not _inside(self.zmask, x + w / 2, y + h - 1):
                continue
            conf = self.accept(b, mask, sc, tr)
            if conf is None:
                tr.first_t = t  # the dwell counts only while the object qualifies
                continue
            dwell = t - tr.first_t
            if dwell >= self.dwell_s:
                bonus = min(0.2, 0.2 * (dwell - self.dwell_s) / max(1.0, self.dwell_s))
                out.append(Detection(self.name, round(min(1.0, conf + bonus), 3), b.bbox, t))
        return out


class IllegalParking(_Stationary):
    """A vehicle-sized stationary blob (`min_area`..`max_area` px, wider than `min_width`)
    whose bottom centre is in the "no_parking" polygon for at least `dwell_s` seconds.
    Moving traffic never becomes stationary; a short stop ends before the dwell."""

    name = "illegal_parking"
    zone_name = "no_parking"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        dwell_s: float = 60.0,
        min_area: float = 260.0,
        max_area: float = 4000.0,
        min_width: float = 22.0,
        tau_short_s: float = 4.0,
        tau_long_s: float = 300.0,
        grace_s: float = 8.0,
    ) -> None:
        super().__init__(zones, dwell_s, min_area, max_area, tau_short_s, tau_long_s, grace_s)
        self.min_width = min_width

    def accept(self, blob: _Blob, mask: np.ndarray, sc: _Scale, tr: _Track) -> float | None:
        _, _, w, h = blob.bbox
        if max(w, h) < self.min_width * sc.lin:
            return None
        return 0.7 + 0.2 * min(1.0, blob.area / (700.0 * sc.area))


class StreetVending(_Stationary):
    """A stall: a stationary blob in the "vending" polygon for `dwell_s` seconds, at least
    `min_area` px and `min_width` px wide and not taller than wide by more than `max_aspect`
    (so a person waiting, or two chatting, is not a stall)."""

    name = "street_vending"
    zone_name = "vending"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        dwell_s: float = 60.0,
        min_area: float = 380.0,
        max_area: float = 5000.0,
        min_width: float = 22.0,
        max_aspect: float = 1.3,
        tau_short_s: float = 4.0,
        tau_long_s: float = 300.0,
        grace_s: float = 8.0,
    ) -> None:
        super().__init__(zones, dwell_s, min_area, max_area, tau_short_s, tau_long_s, grace_s)
        self.min_width, self.max_aspect = min_width, max_aspect

    def accept(self, blob: _Blob, mask: np.ndarray, sc: _Scale, tr: _Track) -> float | None:
        _, _, w, h = blob.bbox
        if w < self.min_width * sc.lin or h > self.max_aspect * w:
            return None
        return 0.7 + 0.2 * min(1.0, blob.area / (900.0 * sc.area))


class ExposedGarbage(_Stationary):
    """A heap: stationary in the "garbage" polygon (whole frame if none) for `dwell_s`,
    low (height <= `max_aspect` x width) and cluttered: edge density (Canny edges per pixel
    of the blob) >= `edge_min` and many colours (hue spread); cars and stalls are smooth."""

    name = "exposed_garbage"
    zone_name = "garbage"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        dwell_s: float = 20.0,
        min_area: float = 120.0,
        max_area: float = 2500.0,
        max_aspect: float = 1.2,
        edge_min: float = 0.24,
        tau_short_s: float = 4.0,
        tau_long_s: float = 300.0,
        grace_s: float = 8.0,
    ) -> None:
        super().__init__(zones, dwell_s, min_area, max_area, tau_short_s, tau_long_s, grace_s)
        self.max_aspect, self.edge_min = max_aspect, edge_min

    def accept(self, blob: _Blob, mask: np.ndarray, sc: _Scale, tr: _Track) -> float | None:
        x, y, w, h = blob.bbox
        if h > self.max_aspect * w or self.image is None:
            return None
        roi = cv2.cvtColor(self.image[y : y + h, x : x + w], cv2.COLOR_BGR2GRAY)
        inside = mask[y : y + h, x : x + w] > 0
        # edge thresholds follow the scene's brightness, so clutter still shows at night
        assert self.bg.long is not None
        k = min(1.0, max(0.25, float(self.bg.long.mean()) / 128.0))
        edges = cv2.Canny(roi, 40 * k, 120 * k) > 0
        density = float(np.count_nonzero(edges & inside)) / max(1, int(inside.sum()))
        # averaged over the track: one frame's clutter (a pedestrian crossing) decides nothing
        density = tr.ema("edges", density, 0.8)
        if density < self.edge_min:
            return None
        return min(1.0, 0.5 + density)


# ------------------------------------------------------------------------------------ crowd


class Crowd:
    """Foreground density: foreground against a long-term background (people who stand
    still stay foreground), smoothed over `occ_tau_s` so passers-by and a crossing vehicle
    leave only a faint trace, then the densest window (`window` fraction of the frame): a
    crowd when its occupancy >= `density_thr`."""

    name = "crowd"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        density_thr: float = 0.24,
        window: tuple[float, float] = (0.25, 0.25),
        occ_tau_s: float = 6.0,
        tau_long_s: float = 600.0,
    ) -> None:
        self.zone = (zones or {}).get("crowd")
        self.density_thr, self.window, self.occ_tau_s = density_thr, window, occ_tau_s
        self.bg = DualBackground(tau_short_s=4.0, tau_long_s=tau_long_s, tau_absorb_s=3600.0)
        self.occ: np.ndarray | None = None
        self.zmask: np.ndarray | None = None
        self.t = 0.0

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.zmask = _zone_mask(image.shape[:2], self.zone)
            self.occ = None
        fg, _, _ = self.bg.update(image, t)
        fgm = (fg & (self.zmask > 0)).astype(np.float32)
        if self.occ is None:
            self.occ, self.t = fgm, t
            return []
        cv2.accumulateWeighted(fgm, self.occ, _alpha(t - self.t, self.occ_tau_s))
        self.t = t
        h, w = fgm.shape
        kw, kh = max(3, int(self.window[0] * w)), max(3, int(self.window[1] * h))
        dens = cv2.boxFilter(self.occ, -1, (kw, kh), borderType=cv2.BORDER_CONSTANT)
        _, peak, _, (px, py) = cv2.minMaxLoc(dens)
        if peak < self.density_thr:
            return []
        # report the extent of the dense foreground around the peak window
        x0, y0 = max(0, px - kw), max(0, py - kh)
        x1, y1 = min(w, px + kw), min(h, py + kh)
        region = (self.occ[y0:y1, x0:x1] > 0.5).astype(np.uint8)
        pts = cv2.findNonZero(region)
        if pts is None:
            return []
        bx, by, bw, bh = cv2.boundingRect(pts)
        conf = min(1.0, 0.5 + (peak - self.density_thr) * 2.0)
        return [
            Detection(
                self.name, round(conf, 3), (x0 + bx, y0 + by, bw, bh), t, f"density={peak:.2f}"
            )
        ]


# --------------------------------------------------------------------------- floating debris


class FloatingDebris:
    """Anomalous blobs on the water: a per-pixel Gaussian model (running mean of the colour,
    learned fast during `warmup_s` and then only where there is no foreground; running
    variance of the largest channel difference, learned everywhere) takes waves, glints and
    shimmering reflections into its variance; pixels beyond `k_sigma` sigmas plus a margin
    (`thr_min` at mid-grey water, scaled with the water's brightness) are opened to remove
    glints; blobs of at least `min_area` px are tracked as they drift and reported after
    `min_hits` frames and `min_age_s` seconds. After a pause longer than `rewarm_gap_s` (a
    camera that looks now and then) the view is learned again from the next frames."""

    name = "floating_debris"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        k_sigma: float = 3.5,
        thr_min: float = 14.0,
        min_area: float = 14.0,
        max_area: float = 1500.0,
        tau_s: float = 10.0,
        warmup_s: float = 6.0,
        min_hits: int = 3,
        min_age_s: float = 1.5,
        rewarm_gap_s: float = 5.0,
    ) -> None:
        self.zone = (zones or {}).get("water")
        self.k_sigma, self.thr_min, self.min_area, self.max_area = (
            k_sigma,
            thr_min,
            min_area,
            max_area,
        )
        self.tau_s, self.warmup_s, self.min_hits, self.min_age_s = (
            tau_s,
            warmup_s,
            min_hits,
            min_age_s,
        )
        self.rewarm_gap_s = rewarm_gap_s
        self.mean: np.ndarray | None = None
        self.var: np.ndarray | None = None
        self.t0 = self.t = 0.0
        self.tracker = _Tracker(grace_s=2.0, max_jump=14.0)
        self.zmask: np.ndarray | None = None
        self.scale: _Scale | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        f = cv2.GaussianBlur(image, (3, 3), 0).astype(np.float32)
        if self.mean is None or self.var is None or self.mean.shape != f.shape:
            self.mean, self.var = f.copy(), np.full(f.shape[:2], self.thr_min**2 / 4, np.float32)
            self.t0 = self.t = t
            self.zmask = _zone_mask(image.shape[:2], self.zone)
            self.scale = _Scale(image.shape)
            self.tracker.max_jump = 14.0 * self.scale.lin
            return []
        assert self.zmask is not None and self.scale is not None
        sc = self.scale
        dt, self.t = t - self.t, t
        if dt > self.rewarm_gap_s:
            # Frames after a pause (a camera that looks now and then): the water has changed
            # meanwhile, and one frame must not teach the variance what is floating now.
            # Learn the view again from here, keeping the mean as a start.
            self.var.fill(self.thr_min**2 / 4)
            self.t0 = t
            self.tracker = _Tracker(grace_s=2.0, max_jump=14.0 * sc.lin)
        d = _max_abs_diff(f, self.mean)
        warm = t - self.t0 < self.warmup_s
        # the margin scales with the water's brightness: dim water at night, dim debris
        level = max(cv2.mean(self.mean, mask=self.zmask)[:3])
        thr = self.k_sigma * np.sqrt(self.var) + max(5.0, self.thr_min * level / 128.0)
        fg = (d > thr) & (self.zmask > 0)
        a = _alpha(dt, self.tau_s) if not warm else max(0.3, _alpha(dt, self.tau_s))
        bgm = np.ones_like(fg, np.uint8) if warm else (~fg).astype(np.uint8)
        cv2.accumulateWeighted(f, self.mean, a, mask=bgm)
        # the variance learns everywhere (a shimmering reflection that exceeds the model once
        # must still teach it how much it shimmers), the mean only where there is no object
        cv2.accumulateWeighted(d * d, self.var, a)
        if warm:
            return []
        mask = _clean(fg, 3, 5)
        out: list[Detection] = []
        blobs = _blobs(mask, self.min_area * sc.area, self.max_area * sc.area)
        for tr, b in self.tracker.update(blobs, t):
            if tr.hits >= self.min_hits and t - tr.first_t >= self.min_age_s:
                conf = min(1.0, 0.5 + 0.1 * tr.hits)
                out.append(Detection(self.name, round(conf, 3), b.bbox, t))
        return out


# -------------------------------------------------------------------------------- intrusion


class Intrusion:
    """A person on the line: foreground (long-term background) blobs inside the "rail"
    polygon, person-sized (`min_area`..`max_area` px) and upright (height >= `min_aspect` x
    width), seen in `min_hits` frames. A train is too large, a dog not upright, and people
    on the path beside the fence stand outside the polygon."""

    name = "intrusion"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        min_area: float = 40.0,
        max_area: float = 700.0,
        min_aspect: float = 1.3,
        min_hits: int = 2,
    ) -> None:
        self.zone = (zones or {}).get("rail")
        self.min_area, self.max_area = min_area, max_area
        self.min_aspect, self.min_hits = min_aspect, min_hits
        self.bg = DualBackground(tau_short_s=3.0, tau_long_s=120.0, tau_absorb_s=600.0)
        self.tracker = _Tracker(grace_s=1.5, max_jump=20.0)
        self.zmask: np.ndarray | None = None
        self.scale: _Scale | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.zmask is None or self.scale is None or self.zmask.shape != image.shape[:2]:
            self.zmask = _zone_mask(image.shape[:2], self.zone)
            self.scale = _Scale(image.shape)
            self.tracker.max_jump = 20.0 * self.scale.lin
        sc = self.scale
        fg, _, _ = self.bg.update(image, t)
        mask = _clean(fg, 3, 5)
        people = [
            b
            for b in _blobs(mask, self.min_area * sc.area, self.max_area * sc.area)
            if b.bbox[3] >= self.min_aspect * b.bbox[2]
        ]
        out: list[Detection] = []
        for tr, b in self.tracker.update(people, t):
            x, y, w, h = b.bbox
            if tr.hits >= self.min_hits and _inside(self.zmask, x + w / 2, y + h - 1):
                out.append(Detection(self.name, round(min(1.0, 0.6 + 0.1 * tr.hits), 3), b.bbox, t))
        return out


# ------------------------------------------------------------------------------ land change


class LandChange:
    """Change against a reference frame (the per-pixel median of the first `ref_s` seconds,
    or `set_reference`, e.g. a survey image of the camera preset): the largest channel
    difference beyond `thr`, minus illumination changes (hue and saturation kept, brightness
    scaled by a factor within `light_ratio`: a cloud's shadow arriving or leaving), kept only
    where it has lasted `stable_s` seconds (a passing tractor has not), blobs of at least
    `min_area` px in the "fields" polygon (whole frame if none). A blob whose outline has
    edges in the reference but not in the frame is something that left (a vehicle in the
    reference): the reference is updated there instead."""

    name = "land_change"

    def __init__(
        self,
        zones: dict[str, Polygon] | None = None,
        *,
        thr: float = 30.0,
        light_ratio: tuple[float, float] = (0.35, 2.9),
        stable_s: float = 12.0,
        min_area: float = 150.0,
        ref_s: float = 8.0,
    ) -> None:
        self.zone = (zones or {}).get("fields")
        self.thr, self.light_ratio, self.stable_s = thr, light_ratio, stable_s
        self.min_area, self.ref_s = min_area, ref_s
        self.ref: np.ndarray | None = None
        self.ref_hsv: np.ndarray | None = None
        self.frames: list[np.ndarray] = []
        self.t0: float | None = None
        self.since: np.ndarray | None = None
        self.zmask: np.ndarray | None = None
        self.scale: _Scale | None = None

    def set_reference(self, image: np.ndarray) -> None:
        """Use this frame (e.g. the survey image of a camera preset) as the reference."""
        f = cv2.GaussianBlur(image, (5, 5), 0)
        self.ref = f.astype(np.float32)
        self.ref_hsv = cv2.cvtColor(f, cv2.COLOR_BGR2HSV).astype(np.int16)
        self.since = np.full(image.shape[:2], np.inf, np.float32)
        self.zmask = _zone_mask(image.shape[:2], self.zone)
        self.scale = _Scale(image.shape)

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.ref is None:
            if self.t0 is None:
                self.t0 = t
            if len(self.frames) < 15:
                self.frames.append(image)
            if t - self.t0 >= self.ref_s:
                self.set_reference(np.median(np.stack(self.frames), axis=0).astype(np.uint8))
                self.frames = []
            return []
        assert self.ref_hsv is not None and self.since is not None
        assert self.zmask is not None and self.scale is not None
        fb = cv2.GaussianBlur(image, (5, 5), 0)
        f32 = fb.astype(np.float32)
        changed = _max_abs_diff(f32, self.ref) > self.thr
        hsv = cv2.cvtColor(fb, cv2.COLOR_BGR2HSV).astype(np.int16)
        ratio = (hsv[:, :, 2] + 1) / (self.ref_hsv[:, :, 2] + 1.0)
        dh = np.abs(hsv[:, :, 0] - self.ref_hsv[:, :, 0])
        dh = np.minimum(dh, 180 - dh)
        ds = np.abs(hsv[:, :, 1] - self.ref_hsv[:, :, 1])
        light = (
            (ratio >= self.light_ratio[0]) & (ratio <= self.light_ratio[1]) & (dh <= 8) & (ds <= 45)
        )
        change = changed & ~light & (self.zmask > 0)
        self.since = np.where(change, np.minimum(self.since, t), np.inf).astype(np.float32)
        stable = _clean((t - self.since) >= self.stable_s, 3, 5)
        out: list[Detection] = []
        for b in _blobs(stable, self.min_area * self.scale.area):
            x, y, w, h = b.bbox
            if self._left(f32, stable, b.bbox):
                m = np.zeros(stable.shape, bool)
                m[y : y + h, x : x + w] = stable[y : y + h, x : x + w] > 0
                self.ref[m] = f32[m]
                self.ref_hsv[m] = hsv[m]
                self.since[m] = np.inf
                continue
            conf = min(1.0, 0.6 + 0.4 * b.area / (1500.0 * self.scale.area))
            out.append(Detection(self.name, round(conf, 3), b.bbox, t))
        return out

    def _left(self, frame: np.ndarray, mask: np.ndarray, bbox: BBox) -> bool:
        """Edges along the blob's outline in the reference but not in the frame."""
        assert self.ref is not None
        x, y, w, h = bbox
        H, W = mask.shape
        x0, y0, x1, y1 = max(0, x - 2), max(0, y - 2), min(W, x + w + 2), min(H, y + h + 2)
        m = (mask[y0:y1, x0:x1] > 0).astype(np.uint8)
        k = np.ones((3, 3), np.uint8)
        band = (cv2.dilate(m, k) - cv2.erode(m, k)) > 0
        if not band.any():
            return False
        now = _grad(frame[y0:y1, x0:x1])[band].mean()
        then = _grad(self.ref[y0:y1, x0:x1])[band].mean()
        return bool(now < 0.7 * then)


# -------------------------------------------------------------------------------- registry

ANALYTICS: dict[str, Callable[..., Analytic]] = {
    "fire_smoke": FireSmoke,
    "illegal_parking": IllegalParking,
    "crowd": Crowd,
    "street_vending": StreetVending,
    "floating_debris": FloatingDebris,
    "exposed_garbage": ExposedGarbage,
    "intrusion": Intrusion,
    "land_change": LandChange,
}


def make_analytic(name: str, zones: dict[str, Polygon] | None = None, **params: Any) -> Analytic:
    """An analytic by name, with its zones (pixel polygons) and parameters."""
    try:
        factory = ANALYTICS[name]
    except KeyError:
        raise ValueError(
            f"unknown analytic {name!r}; known analytics: {', '.join(sorted(ANALYTICS))}"
        ) from None
    return factory(zones, **params)


# ----------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class VisionEvent:
    """A debounced event: `raised` (with a JPEG snapshot of the evidence) or `cleared`."""

    kind: str
    state: str
    confidence: float
    bbox: BBox
    t: float
    snapshot: bytes | None = None


def snapshot_jpeg(image: np.ndarray, boxes: list[tuple[str, BBox]], quality: int = 80) -> bytes:
    """The frame as JPEG evidence with each (label, box) drawn on it."""
    img = image.copy() if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h = img.shape[0]
    for label, (x, y, w, bh) in boxes:
        cv2.rectangle(img, (x, y), (x + w, y + bh), (0, 0, 255), 2)
        ty = y - 4 if y > 12 else min(h - 2, y + bh + 12)
        cv2.putText(img, label, (x, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (0, 0, 0), 3, cv2.LINE_AA)
        cv2.putText(
            img, label, (x, ty), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1, cv2.LINE_AA
        )
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


@dataclass
class _KindState:
    recent: deque[bool]
    misses: int = 0
    open: bool = False
    last: Detection | None = None
    confs: deque[float] = field(default_factory=lambda: deque(maxlen=8))


class EventFilter:
    """Debounce + hysteresis: raise after `raise_after` detections within the last `window`
    frames; clear after `clear_after` consecutive frames without; one open event per kind."""

    def __init__(self, raise_after: int = 3, window: int = 5, clear_after: int = 5) -> None:
        if not 1 <= raise_after <= window or clear_after < 1:
            raise ValueError("need 1 <= raise_after <= window and clear_after >= 1")
        self.raise_after, self.window, self.clear_after = raise_after, window, clear_after
        self.kinds: dict[str, _KindState] = {}

    def update(self, image: np.ndarray, t: float, detections: list[Detection]) -> list[VisionEvent]:
        by_kind: dict[str, list[Detection]] = {}
        for d in detections:
            by_kind.setdefault(d.kind, []).append(d)
        for kind in by_kind:
            if kind not in self.kinds:
                self.kinds[kind] = _KindState(deque(maxlen=self.window))
        events: list[VisionEvent] = []
        for kind, st in self.kinds.items():
            dets = by_kind.get(kind, [])
            st.recent.append(bool(dets))
            if dets:
                best = max(dets, key=lambda d: d.confidence)
                st.last, st.misses = best, 0
                st.confs.append(best.confidence)
                if not st.open and sum(st.recent) >= self.raise_after:
                    st.open = True
                    conf = round(sum(st.confs) / len(st.confs), 3)
                    snap = snapshot_jpeg(
                        image, [(f"{kind} {d.confidence:.2f}", d.bbox) for d in dets]
                    )
                    events.append(VisionEvent(kind, "raised", conf, best.bbox, t, snap))
            else:
                st.misses += 1
                if st.open and st.misses >= self.clear_after and st.last is not None:
                    st.open = False
                    st.confs.clear()
                    st.recent.clear()  # a new event needs fresh evidence
                    events.append(
                        VisionEvent(kind, "cleared", st.last.confidence, st.last.bbox, t, None)
                    )
        return events

    def open_kinds(self) -> list[str]:
        return [k for k, st in self.kinds.items() if st.open]


# ------------------------------------------------------------------------------ frame sources


class FrameSource(Protocol):
    def read(self) -> tuple[float, np.ndarray] | None: ...


class RenderedSource:
    """Frames of a synthetic scene at `fps` for `duration_s` seconds of clip time, after an
    optional pre-roll (`preroll_s` seconds before t = 0 at `preroll_fps`) that lets background
    models start from a steady state, as on a camera that has been running for a while."""

    def __init__(
        self,
        spec: SceneSpec,
        fps: float,
        duration_s: float,
        preroll_s: float = 0.0,
        preroll_fps: float = 1.0,
    ) -> None:
        from devices.scenes import render  # edge stays importable without the scene renderer

        self._render = render
        self.spec, self.fps, self.duration_s = spec, fps, duration_s
        pre = round(preroll_s * preroll_fps)
        self.times = [-preroll_s + k / preroll_fps for k in range(pre)]
        self.times += [k / fps for k in range(round(duration_s * fps))]
        self.i = 0
        self.labels: list[Label] = []  # ground truth of the last frame read

    def read(self) -> tuple[float, np.ndarray] | None:
        if self.i >= len(self.times):
            return None
        t = self.times[self.i]
        self.i += 1
        frame = self._render(self.spec, t)
        self.labels = frame.labels
        return t, frame.image


class CaptureSource:
    """A video file or stream (RTSP/HTTP URL) through cv2.VideoCapture.

    Time comes from CAP_PROP_POS_MSEC when the backend provides it, otherwise from the frame
    index and the stream's fps. With `fps`, frames are skipped (grabbed, not decoded) to that
    rate; frames wider than `max_width` are shrunk (zones are in the shrunk frame's pixels).
    """

    def __init__(self, uri: str | Path, fps: float | None = None, max_width: int = 640) -> None:
        text = str(uri)
        self.is_stream = "://" in text
        if not self.is_stream and not Path(text).is_file():
            raise FileNotFoundError(f"video file not found: {text}")
        self.cap = cv2.VideoCapture(text)
        if not self.cap.isOpened():
            self.cap.release()
            if self.is_stream:
                raise ConnectionError(f"cannot open video stream {text}")
            raise ValueError(
                f"cannot decode video file {text} (codec or container not "
                f"supported by this OpenCV build)"
            )
        self.uri, self.fps, self.max_width = text, fps, max_width
        native = self.cap.get(cv2.CAP_PROP_FPS)
        self.native_fps = native if native and 0 < native < 1000 else 25.0
        self.index = -1
        self.next_t = 0.0
        self.t_last = -math.inf

    def _time(self) -> float:
        ms = self.cap.get(cv2.CAP_PROP_POS_MSEC)
        t_index = self.index / self.native_fps
        # some backends (and most streams) report 0 or nothing: fall back to the frame index
        if ms and ms > 0 and ms / 1000.0 > self.t_last:
            return ms / 1000.0
        return max(t_index, self.t_last + 1e-3) if self.index > 0 else t_index

    def read(self) -> tuple[float, np.ndarray] | None:
        item = self.read_at(self.next_t if self.fps is not None else -math.inf)
        if item is not None and self.fps is not None:
            t = item[0]
            self.next_t = max(self.next_t + 1.0 / self.fps, t + 0.5 / self.fps)
        return item

    def read_at(self, t: float) -> tuple[float, np.ndarray] | None:
        """The first frame at or after source time `t` (seconds); frames before it are
        grabbed, not decoded. None at the end of a file. A live stream's time runs with the
        wall clock, so this waits until the stream gets there."""
        while True:
            if not self.cap.grab():
                return None
            self.index += 1
            ft = self._time()
            self.t_last = ft
            if ft + 1e-6 >= t:
                break
        ok, img = self.cap.retrieve()
        if not ok or img is None:
            return None
        h, w = img.shape[:2]
        if w > self.max_width:
            img = cv2.resize(
                img, (self.max_width, round(h * self.max_width / w)), interpolation=cv2.INTER_AREA
            )
        return ft, img

    def close(self) -> None:
        self.cap.release()

    def __enter__(self) -> CaptureSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -------------------------------------------------------------------------------- pipeline


class VisionPipeline:
    """Frames from a source through each analytic and its own EventFilter."""

    def __init__(
        self,
        source: FrameSource,
        analytics: list[Analytic],
        event_filter_factory: Callable[[], EventFilter] = EventFilter,
    ) -> None:
        self.source, self.analytics = source, analytics
        self.filters = [event_filter_factory() for _ in analytics]
        self.frames = 0
        self.busy_s: dict[str, float] = {a.name: 0.0 for a in analytics}
        self.last_frame: tuple[float, np.ndarray] | None = None

    def run(self, max_frames: int | None = None) -> Iterator[VisionEvent]:
        """Yield events as they happen; stops at the end of the source or after max_frames."""
        while max_frames is None or self.frames < max_frames:
            item = self.source.read()
            if item is None:
                return
            t, image = item
            self.last_frame = item
            self.frames += 1
            for analytic, flt in zip(self.analytics, self.filters, strict=True):
                start = time.perf_counter()
                events = flt.update(image, t, analytic.process(image, t))
                self.busy_s[analytic.name] += time.perf_counter() - start
                yield from events

    def fps(self, name: str) -> float:
        """Frames per second of wall time spent in one analytic and its filter."""
        busy = self.busy_s.get(name, 0.0)
        return self.frames / busy if busy > 0 else math.inf
