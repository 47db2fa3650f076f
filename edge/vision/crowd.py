"""Crowd density (人群聚集): time-smoothed foreground occupancy in the densest window."""

from __future__ import annotations

import cv2
import numpy as np
from pydantic import Field

from devices.params import Fraction, NonNeg, Params, Share
from edge.vision.background import DualBackground
from edge.vision.common import Detection, Polygon, learn_rate, zone_mask


class CrowdParams(Params):
    """Thresholds of `Crowd`."""

    density_thr: Share = Field(0.24, description="occupancy of the densest window for a crowd")
    window: tuple[Fraction, Fraction] = Field(
        (0.25, 0.25), description="window (width, height) as a share of the frame"
    )
    occ_tau_s: NonNeg = Field(6.0, description="smoothing of the foreground occupancy, s")
    tau_long_s: NonNeg = Field(600.0, description="long-term background time constant, s")


class Crowd:
    """Foreground density: foreground against a long-term background (people who stand
    still stay foreground), smoothed over `occ_tau_s` so passers-by and a crossing vehicle
    leave only a faint trace, then the densest window (`window` fraction of the frame): a
    crowd when its occupancy >= `density_thr`."""

    name = "crowd"

    def __init__(
        self, zones: dict[str, Polygon] | None = None, params: CrowdParams | None = None
    ) -> None:
        p = self.params = CrowdParams() if params is None else params
        self.zone = (zones or {}).get("crowd")
        self.density_thr, self.window, self.occ_tau_s = p.density_thr, p.window, p.occ_tau_s
        self.bg = DualBackground(tau_short_s=4.0, tau_long_s=p.tau_long_s, tau_absorb_s=3600.0)
        self.occ: np.ndarray | None = None
        self.zmask: np.ndarray | None = None
        self.t = 0.0

    def process(self, image: np.ndarray, t: float) -> list[Detection]:
        if self.zmask is None or self.zmask.shape != image.shape[:2]:
            self.zmask = zone_mask(image.shape[:2], self.zone)
            self.occ = None
        fg, _, _ = self.bg.update(image, t)
        fgm = (fg & (self.zmask > 0)).astype(np.float32)
        if self.occ is None:
            self.occ, self.t = fgm, t
            return []
        cv2.accumulateWeighted(fgm, self.occ, learn_rate(t - self.t, self.occ_tau_s))
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
