"""Intrusion on a railway line (铁路入侵): upright, person-sized foreground inside the rail
polygon."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from devices.params import Int, NonNeg, Params
from edge.vision.background import DualBackground
from edge.vision.common import (
    Detection,
    Polygon,
    Scale,
    Tracker,
    clean_mask,
    find_blobs,
    point_in,
    zone_mask,
)


class IntrusionParams(Params):
    """Thresholds of `Intrusion` (sizes for a 320x240 frame)."""

    min_area: NonNeg = Field(40.0, description="smallest person, px")
    max_area: NonNeg = Field(700.0, description="largest person, px (a train is larger)")
    min_aspect: NonNeg = Field(1.3, description="height / width at least (a dog is not upright)")
    min_hits: Int = Field(2, ge=1, description="frames a person is seen before it counts")


class Intrusion:
    """A person on the line: foreground (long-term background) blobs inside the "rail"
    polygon, person-sized (`min_area`..`max_area` px) and upright (height >= `min_aspect` x
    width), seen in `min_hits` frames. A train is too large, a dog not upright, and people
    on the path beside the fence stand outside the polygon."""

    name = "intrusion"

    def __init__(
        self, zones: dict[str, Polygon] | None = None, params: IntrusionParams | None = None
    ) -> None:
        p = self.params = IntrusionParams() if params is None else params
        self.zone = (zones or {}).get("rail")
        self.min_area, self.max_area = p.min_area, p.max_area
        self.min_aspect, self.min_hits = p.min_aspect, p.min_hits
        self.bg = DualBackground(tau_short_s=3.0, tau_long_s=120.0, tau_absorb_s=600.0)
        self.tracker = Tracker(grace_s=1.5, max_jump=20.0)
        self.zmask: np.ndarray | None = None
        self.scale: Scale | None = None

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.zmask is None or self.scale is None or self.zmask.shape != image.shape[:2]:
            self.zmask = zone_mask(image.shape[:2], self.zone)
            self.scale = Scale(image.shape)
            self.tracker.max_jump = 20.0 * self.scale.lin
        sc = self.scale
        fg, _, _ = self.bg.update(image, t)
        mask = clean_mask(fg, 3, 5)
        people = [
            b
            for b in find_blobs(mask, self.min_area * sc.area, self.max_area * sc.area)
            if b.bbox[3] >= self.min_aspect * b.bbox[2]
        ]
        out: list[Detection] = []
        for tr, b in self.tracker.update(people, t):
            x, y, w, h = b.bbox
            if tr.hits >= self.min_hits and point_in(self.zmask, x + w / 2, y + h - 1):
                out.append(Detection(self.name, round(min(1.0, 0.6 + 0.1 * tr.hits), 3), b.bbox, t))
        return out
