"""From detections to events: debounce and hysteresis (`EventFilter`), raised and cleared
`VisionEvent`s, JPEG evidence snapshots."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from edge.vision.common import BBox, Detection


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
