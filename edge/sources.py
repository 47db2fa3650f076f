"""Per-source message sequence numbers (the contract's `msg_seq`), shared by everything
that publishes data on the device side, so the clock can announce what each source sent."""

from __future__ import annotations

import threading


class SourceSequences:
    """msg_seq counters per source id; thread-safe."""

    def __init__(self) -> None:
        self._last: dict[str, int] = {}
        self._lock = threading.Lock()

    def take(self, source: str) -> int:
        with self._lock:
            seq = self._last.get(source, 0) + 1
            self._last[source] = seq
            return seq

    def restore(self, source: str, last: int) -> None:
        """Continue `source` after `last` (e.g. a restarted gateway's saved number)."""
        with self._lock:
            self._last[source] = max(self._last.get(source, 0), last)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._last)
