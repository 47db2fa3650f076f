"""Fleet base: a whole device kind as numpy arrays, so a county of devices is cheap.

A fleet knows its devices' reporting schedule and how each sensor turns the physical
conditions at the device (supplied by the simulator as per-reading arrays) into readings:
noise, quantisation, physical range, controller logic. It knows nothing about incidents,
gateways or MQTT.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

# Per-reading arrays every fleet receives from the world (same length as the reading batch).
COMMON_CONDITIONS = ("tod_s", "rain_mm_h", "ambient_temp_c", "ambient_rh_pct", "ambient_pm25")


@dataclass(frozen=True)
class Metric:
    """A reading a device kind reports: name on the wire, unit, physical range."""

    name: str
    unit: str
    name_zh: str
    name_en: str
    lo: float
    hi: float
    decimals: int = 2


@dataclass(frozen=True)
class DeviceKind:
    """A device kind: its names, id prefix, readings, what it senses and what it can alarm on."""

    name: str
    name_zh: str
    name_en: str
    id_prefix: str
    metrics: tuple[Metric, ...]
    senses: tuple[str, ...]  # kind-specific conditions the world must supply
    alarms: tuple[str, ...]  # alarms the IOC can raise from it (zh / en), for docs and listings

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "readings": [
                {"name": m.name, "unit": m.unit, "name_zh": m.name_zh, "name_en": m.name_en,
                 "range": [m.lo, m.hi]}
                for m in self.metrics
            ],
            "alarms": list(self.alarms),
        }


class Fleet(ABC):
    """All devices of one kind in a scenario.

    Devices report every `interval_s` seconds from a random phase. `due` yields the readings
    that fall in a time window, in rounds where each device appears at most once, so
    per-device state (cumulative energy, battery) advances in time order.
    """

    KIND: ClassVar[DeviceKind]

    def __init__(self, n: int, interval_s: float, rng: np.random.Generator,
                 params: Mapping[str, Any] | None = None, t0: float = 0.0):
        if n < 1:
            raise ValueError("a fleet needs at least one device")
        self.n = n
        self.rng = rng
        self.params = dict(params or {})
        self.interval = np.full(n, float(interval_s))
        self.next_due = t0 + rng.uniform(0.0, interval_s, n)
        self.seq = np.zeros(n, dtype=np.int64)
        self._setup()

    def _setup(self) -> None:  # noqa: B027 (an optional hook, not abstract)
        """Draw per-device constants (offsets, ratings). Override as needed."""

    def param(self, key: str, default: Any) -> Any:
        return self.params.get(key, default)

    def due(self, t0: float, t1: float) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(device indices, reading times) for readings with t0 <= t < t1, one round at a time."""
        while True:
            idx = np.flatnonzero(self.next_due < t1)
            if idx.size == 0:
                return
            t = self.next_due[idx].copy()
            self.next_due[idx] += self.interval[idx]
            keep = t >= t0  # readings before the window were skipped (e.g. a late start)
            yield idx[keep], t[keep]

    def take_seq(self, idx: np.ndarray) -> np.ndarray:
        """Next per-device sequence numbers for the readings about to be produced."""
        self.seq[idx] += 1
        return self.seq[idx].copy()

    def produce(self, idx: np.ndarray, t: np.ndarray,
                cond: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Readings for devices `idx` at times `t`, clipped to range and rounded."""
        values = self.measure(idx, t, cond)
        out = {}
        for m in self.KIND.metrics:
            out[m.name] = np.round(np.clip(values[m.name], m.lo, m.hi), m.decimals)
        return out

    @abstractmethod
    def measure(self, idx: np.ndarray, t: np.ndarray,
                cond: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Raw values per metric for readings of devices `idx` at times `t`."""

    def noise(self, sigma: float, size: int) -> np.ndarray:
        return self.rng.normal(0.0, sigma, size)
