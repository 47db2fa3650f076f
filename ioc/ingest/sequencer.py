"""Where IOC time advances: event-time ordering and the IOC's timers.

Incoming events wait in the `Sequencer` until the clock passes them, then are released in
event-time order (ties broken by a rank and a stable key), so the IOC's decisions do not
depend on the order in which messages happened to arrive. The clock is either the
simulator's ticks (watermarks whose manifest says which messages must have arrived first) or
the wall clock. `Timers` hold the IOC's own deadlines (SLA expiry, re-checks,
online sampling) on the same event-time axis.

Both queues are heaps of plain tuples in SimPy's shape, `(time, rank, key, eid, item)` and
`(due, eid, kind, key)`, with `eid` from an `itertools.count()`: comparisons run in C, and
ties that remain after (time, rank, key) go in the order things were queued.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterator
from typing import Any

from ioc.contract import ClockTick, SeqTracker

# At equal event times: registrations, crew positions, answers, reports, readings.
RANK_SETUP, RANK_CREW, RANK_RESULT, RANK_REPORT, RANK_READING = 0, 1, 2, 3, 4

Held = tuple[int, int, tuple[Any, ...], int, Any]  # (ts, rank, key, eid, item)


class Sequencer:
    """Held events in event-time order, the sources' message numbers, and the waiting ticks."""

    def __init__(self) -> None:
        self.sources = SeqTracker()
        self._heap: list[Held] = []
        self._eid = itertools.count()
        self._ticks: deque[ClockTick] = deque()
        self.watermark: int | None = None
        self.late = 0  # events released after the clock had already passed them

    def accept(self, source: str, msg_seq: int) -> bool:
        """Record a data message; False if it is a duplicate."""
        return self.sources.add(source, msg_seq)

    def push(self, ts: int, rank: int, key: tuple[Any, ...], item: Any) -> None:
        """Hold `item` until the clock passes `ts`."""
        heapq.heappush(self._heap, (ts, rank, key, next(self._eid), item))

    def pending(self) -> int:
        return len(self._heap)

    def next_ts(self) -> int | None:
        """Event time of the earliest held event."""
        return self._heap[0][0] if self._heap else None

    def offer_tick(self, tick: ClockTick) -> None:
        self._ticks.append(tick)

    def ready_ticks(self) -> Iterator[ClockTick]:
        """Ticks whose manifests are satisfied, in order (a tick waits for its messages)."""
        while self._ticks and self.sources.satisfies(self._ticks[0].published):
            yield self._ticks.popleft()

    def waiting_tick(self) -> ClockTick | None:
        return self._ticks[0] if self._ticks else None

    def last_offered(self) -> int | None:
        """Sequence number of the newest tick still waiting."""
        return self._ticks[-1].seq if self._ticks else None

    def release(self, before: int) -> Iterator[tuple[int, Any]]:
        """Pop (ts, item) with ts < `before` in order; the watermark moves to `before`."""
        heap = self._heap
        while heap and heap[0][0] < before:
            ts, _, _, _, item = heapq.heappop(heap)
            if self.watermark is not None and ts < self.watermark:
                self.late += 1
            yield ts, item
        if self.watermark is None or before > self.watermark:
            self.watermark = before


class Timers:
    """(due time, kind, key) entries popped in due order; ties in scheduling order."""

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, str, str]] = []
        self._counter = itertools.count()

    def schedule(self, due: int, kind: str, key: str = "") -> None:
        heapq.heappush(self._heap, (due, next(self._counter), kind, key))

    def pop_due(self, before: int) -> Iterator[tuple[int, str, str]]:
        """Timers due strictly before `before`, one at a time (handlers may add more)."""
        while self._heap and self._heap[0][0] < before:
            due, _, kind, key = heapq.heappop(self._heap)
            yield due, kind, key

    def __len__(self) -> int:
        return len(self._heap)
