"""Dead letters: every message the IOC refuses is kept in the store with its reason (and the
payload as received), and counted per reason, so nothing a sender puts on the wire is lost or
stops ingest.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from ioc.storage.store import Store


def wall_iso() -> str:
    """The wall-clock time now, as dead letters and arrivals record it."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class DeadLetters:
    """Writes refused messages to the store at once (rare, and an operator looks for them)."""

    def __init__(self, store: Store, counters: Counter[str]):
        self.store = store
        self.counters = counters

    def add(self, received_at: str, topic: str, reason: str, detail: str, payload: bytes) -> None:
        self.counters["dead_letters"] += 1
        self.counters[f"dead_letters.{reason}"] += 1
        self.store.add_dead_letter(received_at, topic, reason, detail, payload)
        self.store.flush()

    def internal(self, where: str, detail: str, payload: bytes) -> None:
        """A bug met while applying something (`where`: `(internal)`, `(timer)`): kept, and
        the IOC goes on."""
        self.add(wall_iso(), where, "internal_error", detail, payload)
