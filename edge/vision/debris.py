"""Floating debris (河道漂浮物): a per-pixel Gaussian model of the water, drifting blobs."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import Field

from devices.params import Int, NonNeg, Params
from edge.vision.common import (
    Detection,
    Polygon,
    Scale,
    Tracker,
    clean_mask,
    find_blobs,
    learn_rate,
    max_abs_diff,
    zone_mask,
)


class FloatingDebrisParams(Params):
    """Thresholds of `FloatingDebris` (sizes for a 320x240 frame)."""

    k_sigma: NonNeg = Field(3.5, description="sigmas of the water model a pixel must exceed")
    thr_min: NonNeg = Field(14.0, description="margin at mid-grey water (scaled with brightness)")
    min_area: NonNeg = Field(14.0, description="smallest blob, px")
    max_area: NonNeg = Field(1500.0, description="largest blob, px")
    tau_s: NonNeg = Field(10.0, description="water model time constant, s")
    warmup_s: NonNeg = Field(6.0, description="learning time before judging, s")
    min_hits: Int = Field(3, ge=1, description="frames a drifting blob is seen before it counts")
    min_age_s: NonNeg = Field(1.5, description="age a track needs before it counts, s")
    rewarm_gap_s: NonNeg = Field(5.0, description="after a longer pause the view is relearnt, s")


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
        self, zones: dict[str, Polygon] | None = None, params: FloatingDebrisParams | None = None
    ) -> None:
        p = self.params = FloatingDebrisParams() if params is None else params
        self.zone = (zones or {}).get("water")
        self.k_sigma, self.thr_min, self.min_area, self.max_area = (
            p.k_sigma,
            p.thr_min,
            p.min_area,
            p.max_area,
        )
        self.tau_s, self.warmup_s, self.min_hits, self.min_age_s = (
            p.tau_s,
            p.warmup_s,
            p.min_hits,
            p.min_age_s,
        )
        self.rewarm_gap_s = p.rewarm_gap_s
        self.mean: np.ndarray | None = None
        self.var: np.ndarray | None = None
        self.t0 = self.t = 0.0
        self.tracker = Tracker(grace_s=2.0, max_jump=14.0)
        self.zmask: np.ndarray | None = None
        self.scale: Scale | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        f = cv2.GaussianBlur(image, (3, 3), 0).astype(np.float32)
        if self.mean is None or self.var is None or self.mean.shape != f.shape:
            self.mean, self.var = f.copy(), np.full(f.shape[:2], self.thr_min**2 / 4, np.float32)
            self.t0 = self.t = t
            self.zmask = zone_mask(image.shape[:2], self.zone)
            self.scale = Scale(image.shape)
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
            self.tracker = Tracker(grace_s=2.0, max_jump=14.0 * sc.lin)
        d = max_abs_diff(f, self.mean)
        warm = t - self.t0 < self.warmup_s
        # the margin scales with the water's brightness: dim water at night, dim debris
        level = max(cv2.mean(self.mean, mask=self.zmask)[:3])
        thr = self.k_sigma * np.sqrt(self.var) + max(5.0, self.thr_min * level / 128.0)
        fg = (d > thr) & (self.zmask > 0)
        a = learn_rate(dt, self.tau_s) if not warm else max(0.3, learn_rate(dt, self.tau_s))
        bgm = np.ones_like(fg, np.uint8) if warm else (~fg).astype(np.uint8)
        cv2.accumulateWeighted(f, self.mean, a, mask=bgm)
        # the variance learns everywhere (a shimmering reflection that exceeds the model once
        # must still teach it how much it shimmers), the mean only where there is no object
        cv2.accumulateWeighted(d * d, self.var, a)
        if warm:
            return []
        mask = clean_mask(fg, 3, 5)
        out: list[Detection] = []
        blobs = find_blobs(mask, self.min_area * sc.area, self.max_area * sc.area)
        for tr, b in self.tracker.update(blobs, t):
            if tr.hits >= self.min_hits and t - tr.first_t >= self.min_age_s:
                conf = min(1.0, 0.5 + 0.1 * tr.hits)
                out.append(Detection(self.name, round(conf, 3), b.bbox, t))
        return out
