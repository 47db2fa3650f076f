"""Intrusion on a railway line (铁路入侵): upright, person-sized foreground inside the rail
polygon."""

from __future__ import annotations

import numpy as np

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
