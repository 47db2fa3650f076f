"""Device and gateway faults, applied to readings after the devices have produced them.

Each fault hits chosen devices (or a gateway) over a time window and is recorded in the
ground truth with its start, end and parameters:

    offline            power loss: the device sends nothing
    intermittent       readings lost on the way (the device's seq still advances: gaps)
    stuck              a metric freezes at the value it had when the fault began
    drift              a metric drifts away linearly (`per_day`, default 10 % of its range)
    spikes             a metric jumps at random (`p` per reading, `size` in its units)
    battery_depletion  the battery runs down to 0 over the window, then the device is dead
    clock_skew         the device's clock is off by `skew_s` seconds
    duplicate          readings sent twice (`p`), the same seq and time
    out_of_order       readings held back (`p`) and sent `delay` windows later
    gateway_offline    a gateway loses power: its MQTT connection drops without a goodbye (the
                       broker publishes its last will) and its devices' readings are lost

A reading block is columnar: device indices, times, seqs and one array per metric.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, get_args

import numpy as np

from devices import Fleet
from sim.scenario.timeline import FaultKind

# The device faults (every kind but gateway_offline, which hits a gateway).
DEVICE_FAULTS = tuple(k for k in get_args(FaultKind) if k != "gateway_offline")


@dataclass
class Block:
    """Readings of one fleet: device indices, true times (s), seqs, values per metric, and
    the error of each device's clock (the time it stamps is t + skew)."""

    fleet: int
    idx: np.ndarray
    t: np.ndarray
    seq: np.ndarray
    values: dict[str, np.ndarray]
    skew: np.ndarray | None = None

    @property
    def stamp(self) -> np.ndarray:
        return self.t if self.skew is None else self.t + self.skew

    def take(self, keep: np.ndarray) -> Block:
        return Block(
            self.fleet,
            self.idx[keep],
            self.t[keep],
            self.seq[keep],
            {m: v[keep] for m, v in self.values.items()},
            None if self.skew is None else self.skew[keep],
        )

    def __len__(self) -> int:
        return int(self.idx.size)


@dataclass
class Fault:
    """One fault: its kind, window, devices (per fleet) or gateway, and parameters."""

    kind: FaultKind
    start: float
    end: float
    devices: dict[int, np.ndarray] = field(default_factory=dict)  # fleet -> device indices
    grid: str | None = None  # gateway_offline
    params: dict[str, Any] = field(default_factory=dict)
    stuck: dict[tuple[int, int], float] = field(default_factory=dict)
    metric: str | None = None

    def hits(self, block: Block) -> np.ndarray:
        devs = self.devices.get(block.fleet)
        if devs is None:
            return np.zeros(len(block), dtype=bool)
        return np.isin(block.idx, devs) & (block.t >= self.start) & (block.t < self.end)

    def p(self, key: str, default: float) -> float:
        return float(self.params.get(key, default))


class FaultBook:
    """The faults of a run; `apply` turns clean readings into what the gateways get."""

    def __init__(self, faults: list[Fault], fleets: list[Fleet], rng: np.random.Generator):
        self.faults = faults
        self.fleets = fleets
        self.rng = rng
        self._held: list[tuple[int, Block]] = []  # (windows left, block) for out_of_order
        self._active: list[Fault] = list(faults)  # the faults of the current window
        for f in faults:
            if f.kind in ("stuck", "drift", "spikes"):
                kind = fleets[next(iter(f.devices))].KIND if f.devices else None
                f.metric = f.params.get("metric") or (kind.metrics[0].name if kind else None)

    def window(self, t0: float, t1: float) -> None:
        """Only faults overlapping [t0, t1) (and dead batteries) matter for this window."""
        self._active = [
            f for f in self.faults if f.start < t1 and (f.end > t0 or f.kind == "battery_depletion")
        ]

    def gateway_down(self, grid: str, t: float) -> bool:
        """No power at the gateway at time t."""
        return any(
            f.kind == "gateway_offline" and f.grid == grid and f.start <= t < f.end
            for f in self.faults
        )

    def link_dead(self, grid: str, t0: float, t1: float) -> bool:
        """The gateway's connection is down when the window [t0, t1) is sent (it lost power
        before the window and gets it back after)."""
        return any(
            f.kind == "gateway_offline" and f.grid == grid and f.start < t0 and f.end >= t1
            for f in self.faults
        )

    def silent(self, fleet: int, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Devices that produce nothing: powered off, or dead after their battery ran out."""
        down = np.zeros(idx.size, dtype=bool)
        for f in self._active:
            devs = f.devices.get(fleet)
            if devs is None:
                continue
            if f.kind == "offline":
                down |= np.isin(idx, devs) & (t >= f.start) & (t < f.end)
            elif f.kind == "battery_depletion":
                down |= np.isin(idx, devs) & (t >= f.end)
        return down

    def apply(self, block: Block) -> list[Block]:
        """Faults on a freshly produced block; returns what is sent now (may be several
        blocks: duplicates, and readings held back from earlier windows)."""
        fleet = self.fleets[block.fleet]
        metrics = {m.name: m for m in fleet.KIND.metrics}
        for f in self._active:
            if f.kind not in DEVICE_FAULTS or f.kind == "offline":
                continue
            hit = f.hits(block)
            if not hit.any():
                continue
            if f.kind == "intermittent":
                lost = hit & (self.rng.random(len(block)) < f.p("loss", 0.3))
                block = block.take(~lost)
            elif f.kind in ("stuck", "drift", "spikes") and f.metric in block.values:
                m = metrics[f.metric]
                values = block.values[f.metric].copy()
                if f.kind == "stuck":
                    for j in np.flatnonzero(hit):
                        key = (block.fleet, int(block.idx[j]))
                        values[j] = f.stuck.setdefault(key, float(values[j]))
                elif f.kind == "drift":
                    per_day = f.p("per_day", 0.1 * (m.hi - m.lo))
                    values[hit] += per_day * (block.t[hit] - f.start) / 86400.0
                else:
                    jump = hit & (self.rng.random(len(block)) < f.p("p", 0.2))
                    size = f.p("size", 0.2 * (m.hi - m.lo))
                    values[jump] += size * self.rng.choice([-1.0, 1.0], int(jump.sum()))
                block.values[f.metric] = np.round(np.clip(values, m.lo, m.hi), m.decimals)
            elif f.kind == "battery_depletion" and "battery_pct" in block.values:
                frac = np.clip((block.t - f.start) / max(f.end - f.start, 1.0), 0.0, 1.0)
                battery = block.values["battery_pct"].copy()
                battery[hit] = np.round(battery[hit] * (1.0 - frac[hit]), 1)
                block.values["battery_pct"] = battery
            elif f.kind == "clock_skew":
                skew = np.zeros(len(block)) if block.skew is None else block.skew
                block.skew = np.where(hit, skew + f.p("skew_s", 300.0), skew)
        extra: list[Block] = []
        for f in self._active:
            if f.kind == "duplicate":
                dup = f.hits(block) & (self.rng.random(len(block)) < f.p("p", 0.5))
                if dup.any():
                    extra.append(block.take(dup))
            elif f.kind == "out_of_order":
                late = f.hits(block) & (self.rng.random(len(block)) < f.p("p", 0.3))
                if late.any():
                    self._held.append((int(f.p("delay", 1)), block.take(late)))
                    block = block.take(~late)
        return [block, *extra]

    def release_held(self, fleet: int) -> list[Block]:
        """Readings held back by out_of_order faults whose delay is up (called per window)."""
        ready, keep = [], []
        for left, blk in self._held:
            if blk.fleet != fleet:
                keep.append((left, blk))
            elif left <= 1:
                ready.append(blk)
            else:
                keep.append((left - 1, blk))
        self._held = keep
        return ready

    def truth(self, ids: list[list[str]], start_ms: int, iso: Any) -> list[dict[str, Any]]:
        """Truth records, one per fault (device ids from `ids[fleet][index]`)."""
        out = []
        for i, f in enumerate(self.faults, 1):
            out.append(
                {
                    "type": "fault",
                    "id": f"FLT-{i:04d}",
                    "kind": f.kind,
                    "devices": [
                        ids[n][d] for n, devs in sorted(f.devices.items()) for d in devs.tolist()
                    ],
                    "grid": f.grid,
                    "params": f.params,
                    "metric": f.metric,
                    "start": iso(f.start),
                    "start_ts": start_ms + round(f.start * 1000),
                    "end": iso(f.end),
                    "end_ts": start_ms + round(f.end * 1000),
                }
            )
        return out
