"""Land change (违建/土地变化): lasting difference from a reference frame, minus cloud
shadows and things that left."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import Field

from devices.params import NonNeg, Params, Range
from edge.vision.common import (
    BBox,
    Detection,
    Polygon,
    Scale,
    clean_mask,
    find_blobs,
    gradient,
    max_abs_diff,
    zone_mask,
)


class LandChangeParams(Params):
    """Thresholds of `LandChange` (sizes for a 320x240 frame)."""

    thr: NonNeg = Field(30.0, description="colour difference from the reference that counts")
    light_ratio: Range = Field(
        (0.35, 2.9), description="brightness ratios taken as a change of light (cloud shadows)"
    )
    stable_s: NonNeg = Field(12.0, description="a change must last this long, s")
    min_area: NonNeg = Field(150.0, description="smallest changed area, px")
    ref_s: NonNeg = Field(8.0, description="reference: median of the first seconds")


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
        self, zones: dict[str, Polygon] | None = None, params: LandChangeParams | None = None
    ) -> None:
        p = self.params = LandChangeParams() if params is None else params
        self.zone = (zones or {}).get("fields")
        self.thr, self.light_ratio, self.stable_s = p.thr, p.light_ratio, p.stable_s
        self.min_area, self.ref_s = p.min_area, p.ref_s
        self.ref: np.ndarray | None = None
        self.ref_hsv: np.ndarray | None = None
        self.frames: list[np.ndarray] = []
        self.t0: float | None = None
        self.since: np.ndarray | None = None
        self.zmask: np.ndarray | None = None
        self.scale: Scale | None = None

    def set_reference(self, image: np.ndarray) -> None:
        """Use this frame (e.g. the survey image of a camera preset) as the reference."""
        f = cv2.GaussianBlur(image, (5, 5), 0)
        self.ref = f.astype(np.float32)
        self.ref_hsv = cv2.cvtColor(f, cv2.COLOR_BGR2HSV).astype(np.int16)
        self.since = np.full(image.shape[:2], np.inf, np.float32)
        self.zmask = zone_mask(image.shape[:2], self.zone)
        self.scale = Scale(image.shape)

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
        changed = max_abs_diff(f32, self.ref) > self.thr
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
        stable = clean_mask((t - self.since) >= self.stable_s, 3, 5)
        out: list[Detection] = []
        for b in find_blobs(stable, self.min_area * self.scale.area):
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
        now = gradient(frame[y0:y1, x0:x1])[band].mean()
        then = gradient(self.ref[y0:y1, x0:x1])[band].mean()
        return bool(now < 0.7 * then)
