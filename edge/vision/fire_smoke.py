"""Fire and smoke (烟火): flame colour and flicker, billowing grey smoke, thermal hot spots."""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np
from pydantic import Field

from devices.params import Int, IntBand, Level, NonNeg, Number, Params, Positive, Share
from edge.vision.background import DualBackground
from edge.vision.common import (
    BBox,
    Detection,
    Polygon,
    Scale,
    Track,
    Tracker,
    clean_mask,
    find_blobs,
    is_thermal,
    track_shift,
    track_speed,
    zone_mask,
)


class FireSmokeParams(Params):
    """Thresholds of `FireSmoke` (sizes for a 320x240 frame, times in seconds)."""

    flame_hue: IntBand = Field((6, 35), description="hue band of flame colour (OpenCV 0-180)")
    flame_s_min: Level = Field(80, description="least saturation of flame colour")
    flame_v_min: Level = Field(170, description="least brightness of flame colour")
    flame_core_v: Level = Field(
        225, description="a flame holds light this bright (brighter than any lit surface)"
    )
    flame_min_area: NonNeg = Field(4.0, description="smallest flame blob, px")
    flicker_min: Share = Field(
        0.12, description="share of a flame blob's pixels that keep switching on and off"
    )
    flicker_count: NonNeg = Field(
        2.5, description="transitions (decaying) that make a pixel flicker"
    )
    flicker_tau_s: Positive = Field(2.0, description="decay of the flicker and activity counts, s")
    max_speed: NonNeg = Field(6.0, description="a fire does not travel: bottom centre px/s at most")
    smoke_s_max: Level = Field(64, description="most saturation of smoke (grey)")
    smoke_v: IntBand = Field((60, 250), description="brightness band of smoke")
    smoke_active: NonNeg = Field(1.5, description="recent change a smoke pixel needs (billowing)")
    smoke_min_area: NonNeg = Field(45.0, description="smallest smoke blob, px")
    billow_min: NonNeg = Field(
        2.0, description="change inside a smoke blob after undoing its shift, x sensor noise"
    )
    smoke_sharp_max: NonNeg = Field(
        3.6, description="edge sharpness above which a blob is a car or a sign, not a plume"
    )
    plume_alpha: Number = Field(0.7, gt=0, le=1, description="opacity taken for a plume")
    smoke_dark: NonNeg = Field(60.0, description="darkest plume grey level accepted")
    smoke_white: NonNeg = Field(
        200.0, description="whitest plume grey level accepted (steam and clouds are whiter)"
    )
    dark_v: NonNeg = Field(70.0, description="background mean below which smoke is not judged")
    hot_thr: Level = Field(200, description="thermal frames: hot-spot grey level")
    hot_min_area: NonNeg = Field(2.0, description="thermal frames: smallest hot spot, px")
    min_frames: Int = Field(2, ge=0, description="frames a track needs before it counts")
    min_age_s: NonNeg = Field(1.0, description="age a track needs before it counts (smoke 1.5x), s")
    tau_long_s: NonNeg = Field(60.0, description="long-term background time constant, s")


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
        self, zones: dict[str, Polygon] | None = None, params: FireSmokeParams | None = None
    ) -> None:
        p = self.params = FireSmokeParams() if params is None else params
        self.zone = (zones or {}).get("fire")
        self.flame_hue, self.flame_s_min, self.flame_v_min = (
            p.flame_hue,
            p.flame_s_min,
            p.flame_v_min,
        )
        self.flame_core_v, self.flame_min_area = p.flame_core_v, p.flame_min_area
        self.flicker_min, self.flicker_count = p.flicker_min, p.flicker_count
        self.flicker_tau_s, self.max_speed = p.flicker_tau_s, p.max_speed
        self.smoke_s_max, self.smoke_v, self.smoke_active = p.smoke_s_max, p.smoke_v, p.smoke_active
        self.smoke_min_area, self.billow_min = p.smoke_min_area, p.billow_min
        self.smoke_sharp_max, self.plume_alpha = p.smoke_sharp_max, p.plume_alpha
        self.smoke_dark, self.smoke_white, self.dark_v = p.smoke_dark, p.smoke_white, p.dark_v
        self.hot_thr, self.hot_min_area = p.hot_thr, p.hot_min_area
        self.min_frames, self.min_age_s = p.min_frames, p.min_age_s
        # fire flickers and smoke billows: what stands still is background (a parked red
        # car, the ghost of a car seen while learning), hence the quick absorption of static
        # foreground
        self.bg = DualBackground(
            tau_short_s=2.0,
            tau_long_s=p.tau_long_s,
            tau_absorb_s=120.0,
            tau_static_s=2.0,
            static_age_s=0.5,
            thr_min=8.0,
            k_noise=4.0,
            blur=3,
            warmup_s=6.0,
        )
        self.flames = Tracker(grace_s=1.5, max_jump=12.0)
        self.smokes = Tracker(grace_s=2.0, max_jump=12.0)
        self.prev_colour: np.ndarray | None = None
        self.prev_grey: np.ndarray | None = None
        self.trans = np.zeros((1, 1), np.float32)  # flame-mask transitions per pixel
        self.active = np.zeros((1, 1), np.float32)  # recent "moving" per pixel
        self.t_prev = 0.0
        self.scale: Scale | None = None
        self.zmask: np.ndarray | None = None
        self.trace: list[dict[str, Any]] | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.scale is None or self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.scale = Scale(image.shape)
            self.zmask = zone_mask(image.shape[:2], self.zone)
            self.flames.max_jump = self.smokes.max_jump = 12.0 * self.scale.lin
        if is_thermal(image):
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
        for tr, b in self.flames.update(find_blobs(cand, self.flame_min_area * sc.area), t):
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
            speed = track_speed(tr, 2.0)
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
        smask = clean_mask(smoke, 3, 7)
        out = []
        for tr, b in self.smokes.update(find_blobs(smask, self.smoke_min_area * sc.area), t):
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
            speed = track_speed(tr, 3.0)
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
        grey: np.ndarray, prev: np.ndarray, bbox: BBox, inside: np.ndarray, tr: Track
    ) -> float:
        """Mean change inside the blob since the last frame, after undoing the blob's own
        shift: a vehicle moving through (rigid) scores the noise level, smoke billows."""
        x, y, w, h = bbox
        dx, dy = track_shift(tr)
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

    def _thermal(self, image: np.ndarray, t: float, sc: Scale) -> list[Detection]:
        assert self.zmask is not None
        grey = image if image.ndim == 2 else image[:, :, 0]
        hot = ((grey >= self.hot_thr) & (self.zmask > 0)).astype(np.uint8) * 255
        hot = cv2.dilate(hot, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
        out = []
        for tr, b in self.flames.update(find_blobs(hot, self.hot_min_area * sc.area), t):
            if tr.hits >= self.min_frames:
                x, y, w, h = b.bbox
                peak = float(grey[y : y + h, x : x + w].max())
                conf = min(1.0, 0.5 + (peak - self.hot_thr) / 110.0)
                out.append(Detection(self.name, round(conf, 3), b.bbox, t, "hotspot"))
        return out
