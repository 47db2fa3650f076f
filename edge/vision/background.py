"""The dual running-average background model most analytics share."""

from __future__ import annotations

import math

import cv2
import numpy as np

from edge.vision.common import BBox, gradient, learn_rate, max_abs_diff


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
            cv2.accumulateWeighted(f, self.short, learn_rate(t - self.t, self.tau_short_s))
            self.t = t
            if t - self.t0 >= self.warmup_s and self._warm:
                self.long = np.median(np.stack(self._warm[-15:]), axis=0).astype(np.float32)
                self.short = self.long.copy()
                self._warm = []
            z = np.zeros(f.shape[:2], bool)
            return z, z, z
        dt = t - self.t
        self.t = t
        d_short = max_abs_diff(f, self.short)
        # robust sensor-noise estimate (median absolute deviation) on a sparse grid
        sample = d_short[::4, ::4]
        self.noise = 0.8 * self.noise + 0.2 * max(0.5, float(np.median(sample)) * 1.4826)
        self.thr = max(self.thr_min, self.k_noise * self.noise)
        moving = d_short > self.thr
        fg = max_abs_diff(f, self.long) > self.thr
        cv2.accumulateWeighted(f, self.short, learn_rate(dt, self.tau_short_s))
        static = (max_abs_diff(self.short, self.long) > self.thr) & fg & ~moving
        bgmask = (~fg).astype(np.uint8)
        cv2.accumulateWeighted(f, self.long, learn_rate(dt, self.tau_long_s), mask=bgmask)
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
                learn_rate(dt, self.tau_absorb_s),
                mask=(fg & ~old_static).astype(np.uint8),
            )
            cv2.accumulateWeighted(f, self.long, learn_rate(dt, self.tau_static_s), mask=smask)
        else:
            cv2.accumulateWeighted(f, self.long, learn_rate(dt, self.tau_absorb_s), mask=1 - bgmask)
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
        now = gradient(self.frame[y0:y1, x0:x1])[band].mean()
        then = gradient(self.long[y0:y1, x0:x1])[band].mean()
        return bool(now < ratio * then)
