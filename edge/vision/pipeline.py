"""Frames from a source through each analytic and its own event filter."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator

import numpy as np

from edge.vision.common import Analytic
from edge.vision.events import EventFilter, VisionEvent
from edge.vision.sources import FrameSource


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
