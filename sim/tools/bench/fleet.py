"""`citysim bench fleet`: how fast the simulator alone turns a county of devices into readings.

A county-scale city is built (or a scenario file used): `devices` devices spread over every
device kind, reporting every minute, with incidents and faults by rate. The world then runs
`hours` of simulated time window by window: device values, incident effects and faults into
in-memory columnar batches, no MQTT. For comparison the same device models run as one SimPy
process per device (each process producing its own readings one at a time) on a smaller
fleet; `speedup` is the ratio of the two rates measured in the same run.
"""

from __future__ import annotations

import math
import resource
import time
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import simpy

from devices import FLEET_MODELS
from sim.scenario import INCIDENT_KINDS, Scenario
from sim.world import World

CST = timezone(timedelta(hours=8))


def county_scenario(
    devices: int, hours: float, seed: int = 1, interval_s: float = 60.0, side_km: int = 10
) -> Scenario:
    """A synthetic county: side_km x side_km one-km grid cells in four streets, every device
    kind in equal shares, incidents of every kind and device faults by rate, a rain spell."""
    kinds = sorted(FLEET_MODELS)
    share, extra = divmod(max(devices, len(kinds)), len(kinds))
    counts = [share + (i < extra) for i in range(len(kinds))]  # exactly `devices` in all
    half = side_km // 2
    streets = []
    for s in range(4):
        x0, y0 = (s % 2) * half, (s // 2) * half
        grids = [
            {
                "code": f"G{s}{i:02d}{j:02d}",
                "polygon": [
                    [(x0 + i) * 1000, (y0 + j) * 1000],
                    [(x0 + i + 1) * 1000, (y0 + j) * 1000],
                    [(x0 + i + 1) * 1000, (y0 + j + 1) * 1000],
                    [(x0 + i) * 1000, (y0 + j + 1) * 1000],
                ],
            }
            for i in range(half)
            for j in range(half)
        ]
        streets.append({"code": f"S{s}", "name": f"街道{s}", "grids": grids})
    rates: list[dict[str, Any]] = []
    for name, kind in INCIDENT_KINDS.items():
        if kind.targets:  # happens to a device: needs that kind of device
            if kind.targets in kinds:
                rates.append({"kind": name, "per_day": 20.0, "near": kind.targets, "within_m": 0})
        else:  # somewhere in each street
            rates += [
                {"kind": name, "per_day": 5.0, "grid": street["grids"][0]["code"]}
                for street in streets
            ]
    fault_rates = [
        {
            "kind": kind,
            "fleet": kinds[i % len(kinds)],
            "per_day": 10.0,
            "count": 20,
            "duration_min": 120.0,
        }
        for i, kind in enumerate(
            (
                "offline",
                "intermittent",
                "stuck",
                "drift",
                "spikes",
                "clock_skew",
                "duplicate",
                "out_of_order",
            )
        )
    ]
    duration_h = max(hours, 1.0)
    return Scenario.model_validate(
        {
            "name": f"county bench {devices}",
            "city": "bench county",
            "start": datetime(2026, 7, 15, tzinfo=CST),
            "duration_h": duration_h,
            "seed": seed,
            "tick_s": 60,
            "geometry": {"crs": "local_m", "origin": {"lon": 116.0, "lat": 36.4}},
            "districts": [{"code": "D0", "name": "县", "streets": streets}],
            "fleets": [
                {"kind": k, "count": n, "interval_s": interval_s}
                for k, n in zip(kinds, counts, strict=True)
            ],
            "weather": {"rain": [{"start": 3600 * 2, "end": 3600 * 5, "mm_h": 20}]},
            "incidents": {"rates": rates},
            "fault_rates": fault_rates,
        }
    )


def run_vectorised(scenario: Scenario, hours: float, window_s: float) -> dict[str, Any]:
    """Readings per second of the world's vectorised fleets over `hours`, window by window."""
    world = World(scenario)
    end = hours * 3600.0
    readings = 0
    t0 = time.perf_counter()
    t = 0.0
    while t < end:
        nxt = min(t + window_s, end)
        world.advance(nxt)
        readings += sum(len(b) for b in world.sample(t, nxt))
        t = nxt
    elapsed = time.perf_counter() - t0
    return {
        "readings": readings,
        "seconds": elapsed,
        "readings_per_s": readings / elapsed,
        "devices": sum(f.model.n for f in world.fleets),
        "incidents": len(world.incidents),
        "faults": len(world.faults.faults),
    }


def run_per_process(scenario: Scenario, hours: float) -> dict[str, Any]:
    """The same device models, one SimPy process per device, one reading at a time."""
    world = World(scenario)
    env = simpy.Environment()
    end = hours * 3600.0
    counter = [0]

    def device(fleet: int, i: int) -> Any:
        f = world.fleets[fleet]
        idx = np.array([i])
        yield env.timeout(float(f.model.next_due[i]))
        while True:
            t = np.array([env.now])
            f.model.produce(idx, t, world._conditions(fleet, idx, t, world.incidents))
            f.model.take_seq(idx)
            counter[0] += 1
            yield env.timeout(float(f.model.interval[i]))

    for n, f in enumerate(world.fleets):
        for i in range(f.model.n):
            env.process(device(n, i))
    t0 = time.perf_counter()
    env.run(until=end)
    elapsed = time.perf_counter() - t0
    return {
        "readings": counter[0],
        "seconds": elapsed,
        "readings_per_s": counter[0] / elapsed,
        "devices": sum(f.model.n for f in world.fleets),
    }


def bench_fleet(
    devices: int = 20_000,
    hours: float = 24.0,
    window_s: float = 300.0,
    per_process_devices: int = 1000,
    per_process_hours: float = 1.0,
    scenario: Scenario | None = None,
) -> dict[str, Any]:
    """The figures of `citysim bench fleet`: vectorised against one process per device."""
    sc = scenario or county_scenario(devices, hours)
    vec = run_vectorised(sc, min(hours, sc.duration_h), window_s)
    small = county_scenario(per_process_devices, per_process_hours)
    per = run_per_process(small, per_process_hours)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return {
        "devices": vec["devices"],
        "hours": min(hours, sc.duration_h),
        "window_s": window_s,
        "kinds": len(FLEET_MODELS),
        "incidents": vec["incidents"],
        "faults": vec["faults"],
        "readings": vec["readings"],
        "seconds": round(vec["seconds"], 3),
        "readings_per_s": round(vec["readings_per_s"], 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "per_process_devices": per["devices"],
        "per_process_hours": per_process_hours,
        "per_process_readings": per["readings"],
        "per_process_readings_per_s": round(per["readings_per_s"], 1),
        "speedup": round(vec["readings_per_s"] / per["readings_per_s"], 1)
        if per["readings_per_s"]
        else math.nan,
    }
