"""Objects that arrive and stay in a zone for a dwell time: illegal parking (违停), street
vending (占道经营) and exposed garbage (暴露垃圾)."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import Field

from devices.params import NonNeg, Params, Share
from edge.vision.background import DualBackground
from edge.vision.common import (
    Blob,
    Detection,
    Polygon,
    Scale,
    Track,
    Tracker,
    clean_mask,
    find_blobs,
    point_in,
    zone_mask,
)


class DwellParams(Params):
    """What the dwell analytics share (sizes for a 320x240 frame, times in seconds); each
    analytic's own model sets the dwell and the sizes of its targets."""

    dwell_s: NonNeg = Field(60.0, description="time in the zone before it is reported, s")
    min_area: NonNeg = Field(260.0, description="smallest target, px")
    max_area: NonNeg = Field(4000.0, description="largest target, px")
    tau_short_s: NonNeg = Field(4.0, description="short-term background time constant, s")
    tau_long_s: NonNeg = Field(300.0, description="long-term background time constant, s")
    grace_s: NonNeg = Field(
        8.0, description="a track survives this long unseen (a passing car hides a parked one)"
    )


class IllegalParkingParams(DwellParams):
    """Thresholds of `IllegalParking`."""

    min_width: NonNeg = Field(22.0, description="a vehicle is at least this long, px")


class StreetVendingParams(DwellParams):
    """Thresholds of `StreetVending`."""

    min_area: NonNeg = Field(380.0, description="smallest stall, px")
    max_area: NonNeg = Field(5000.0, description="largest stall, px")
    min_width: NonNeg = Field(22.0, description="a stall is at least this wide, px")
    max_aspect: NonNeg = Field(
        1.3, description="height / width at most (a person waiting is not a stall)"
    )


class ExposedGarbageParams(DwellParams):
    """Thresholds of `ExposedGarbage`."""

    dwell_s: NonNeg = Field(20.0, description="time in the zone before it is reported, s")
    min_area: NonNeg = Field(120.0, description="smallest heap, px")
    max_area: NonNeg = Field(2500.0, description="largest heap, px")
    max_aspect: NonNeg = Field(1.2, description="height / width at most (a heap is low)")
    edge_min: Share = Field(
        0.24, description="Canny edges per pixel of the blob at least (cars are smooth)"
    )


class _Stationary:
    """Base of the analytics that report objects that arrived and stayed: the static mask of a
    `DualBackground`, tracked blobs, reported after `dwell_s` seconds when their bottom centre
    (where they touch the ground) is in the zone and `accept` passes. A static blob whose
    outline has edges in the background model but not in the frame is a ghost (something
    that left): the model takes the frame there and the blob is dropped."""

    name = ""
    zone_name = ""

    def __init__(self, zones: dict[str, Polygon] | None, p: DwellParams) -> None:
        self.zone = (zones or {}).get(self.zone_name)
        self.dwell_s, self.min_area, self.max_area = p.dwell_s, p.min_area, p.max_area
        self.bg = DualBackground(tau_short_s=p.tau_short_s, tau_long_s=p.tau_long_s)
        self.tracker = Tracker(grace_s=p.grace_s, max_jump=10.0)
        self.scale: Scale | None = None
        self.zmask: np.ndarray | None = None
        self.image: np.ndarray | None = None

    def accept(self, blob: Blob, mask: np.ndarray, sc: Scale, tr: Track) -> float | None:
        """Confidence (0..1) that the stationary blob is the target, or None."""
        return 0.8

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.scale is None or self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.scale = Scale(image.shape)
            self.zmask = zone_mask(image.shape[:2], self.zone)
            self.tracker.max_jump = 10.0 * self.scale.lin
        sc = self.scale
        self.image = image
        _, _, static = self.bg.update(image, t)
        mask = clean_mask(static, 3, 7)
        out: list[Detection] = []
        blobs = []
        for b in find_blobs(mask, self.min_area * sc.area, self.max_area * sc.area):
            if self.bg.is_ghost(b.bbox, mask):
                x, y, w, h = b.bbox
                sub = np.zeros_like(mask)
                sub[y : y + h, x : x + w] = mask[y : y + h, x : x + w]
                self.bg.absorb(sub)
                continue
            blobs.append(b)
        for tr, b in self.tracker.update(blobs, t):
            x, y, w, h = b.bbox
            if not point_in(self.zmask, x + w / 2, y + h - 1):
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
        self, zones: dict[str, Polygon] | None = None, params: IllegalParkingParams | None = None
    ) -> None:
        p = self.params = IllegalParkingParams() if params is None else params
        super().__init__(zones, p)
        self.min_width = p.min_width

    def accept(self, blob: Blob, mask: np.ndarray, sc: Scale, tr: Track) -> float | None:
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
        self, zones: dict[str, Polygon] | None = None, params: StreetVendingParams | None = None
    ) -> None:
        p = self.params = StreetVendingParams() if params is None else params
        super().__init__(zones, p)
        self.min_width, self.max_aspect = p.min_width, p.max_aspect

    def accept(self, blob: Blob, mask: np.ndarray, sc: Scale, tr: Track) -> float | None:
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
        self, zones: dict[str, Polygon] | None = None, params: ExposedGarbageParams | None = None
    ) -> None:
        p = self.params = ExposedGarbageParams() if params is None else params
        super().__init__(zones, p)
        self.max_aspect, self.edge_min = p.max_aspect, p.edge_min

    def accept(self, blob: Blob, mask: np.ndarray, sc: Scale, tr: Track) -> float | None:
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
