"""Incidents act on the devices near them (or the one they happen to) and not on the others."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from sim.scenario import Scenario
from sim.world import World

H = 3600.0
CST = timezone(timedelta(hours=8))
GRID = [[0, 0], [4000, 0], [4000, 4000], [0, 4000]]


def run(
    kind: str, fleet: dict[str, Any], at_h: float = 10.0, place: dict[str, Any] | None = None
) -> tuple[World, dict[str, list[dict[str, Any]]]]:
    sc = Scenario.model_validate(
        {
            "name": "effects",
            "city": "test",
            "start": datetime(2026, 7, 15, tzinfo=CST),
            "duration_h": at_h + 2,
            "seed": 5,
            "geometry": {"origin": {"lon": 116.0, "lat": 36.4}},
            "districts": [
                {
                    "code": "D",
                    "name": "d",
                    "streets": [
                        {"code": "S", "name": "s", "grids": [{"code": "G1", "polygon": GRID}]}
                    ],
                }
            ],
            "fleets": [fleet],
            "incidents": {
                "timeline": [
                    {
                        "kind": kind,
                        "at": at_h * H,
                        "duration_min": 90,
                        **(place or {"near": fleet["kind"], "within_m": 0}),
                    }
                ]
            },
        }
    )
    world = World(sc)
    rows: dict[str, list[dict[str, Any]]] = {}
    t = 0.0
    while t < sc.duration_s:
        world.advance(t + 600)
        for gw_rows in world.collect(t, t + 600).values():
            for r in gw_rows:
                rows.setdefault(r["device_id"], []).append(r)
        t += 600
    return world, rows


def split_by_distance(world: World, near_m: float, far_m: float) -> tuple[list[str], list[str]]:
    inc = world.incidents[0]
    f = world.fleets[0]
    d = np.hypot(*(f.xy - inc.xy).T)
    return (
        [f.ids[i] for i in np.flatnonzero(d <= near_m)],
        [f.ids[i] for i in np.flatnonzero(d >= far_m)],
    )


def during(world: World, rows: list[dict[str, Any]], metric: str) -> list[float]:
    inc = world.incidents[0]
    lo, hi = world.ms(inc.start + 600), world.ms(inc.start + 80 * 60)
    return [r["values"][metric] for r in rows if lo <= r["ts"] < hi]


def before(world: World, rows: list[dict[str, Any]], metric: str) -> list[float]:
    inc = world.incidents[0]
    return [
        r["values"][metric]
        for r in rows
        if world.ms(inc.start - 2 * H) <= r["ts"] < world.ms(inc.start)
    ]


@pytest.mark.parametrize(
    ("kind", "fleet", "metric", "direction", "near_m"),
    [
        ("gas_leak", "gas_detector", "gas_lel_pct", +1, 20),
        ("burst_pipe", "hydrant", "pressure_mpa", -1, 150),
        ("congestion", "traffic_detector", "speed_kmh", -1, 150),
        ("crowd", "smart_pole", "wifi_users", +1, 60),
        ("air_pollution", "air_station", "pm25", +1, 800),
    ],
)
def test_area_incidents_act_near_and_not_far(
    kind: str, fleet: str, metric: str, direction: int, near_m: float
) -> None:
    world, rows = run(kind, {"kind": fleet, "count": 60, "interval_s": 300})
    near, far = split_by_distance(world, near_m, 3000 if kind == "air_pollution" else 1500)
    assert near and far, (near, far)
    changed = [
        np.mean(during(world, rows[d], metric)) - np.mean(before(world, rows[d], metric))
        for d in near
    ]
    quiet = [
        np.mean(during(world, rows[d], metric)) - np.mean(before(world, rows[d], metric))
        for d in far
    ]
    assert direction * np.mean(changed) > 3 * max(abs(np.mean(quiet)), 0.01), (changed, quiet)


@pytest.mark.parametrize(
    ("kind", "fleet", "metric", "expect"),
    [
        ("manhole_open", "manhole_cover", "open", lambda v: v == 1),
        ("pump_fault", "pump_station", "pump_fault", lambda v: v == 1),
        ("bin_overflow", "smart_bin", "fill_pct", lambda v: v >= 100),
        ("charger_fault", "ev_charger", "status", lambda v: v == 2),
        ("sos_call", "smart_pole", "sos", lambda v: v == 1),
        ("electrical_fault", "electrical_fire", "leakage_ma", lambda v: v > 300),
        ("construction_dust", "construction_site", "dust_pm10", lambda v: v > 300),
    ],
)
def test_targeted_incidents_hit_one_device(kind: str, fleet: str, metric: str, expect: Any) -> None:
    world, rows = run(kind, {"kind": fleet, "count": 8, "interval_s": 300})
    inc = world.incidents[0]
    assert inc.target is not None
    target = world.fleets[0].ids[inc.target[1]]
    hit = {d for d, rs in rows.items() if any(expect(v) for v in during(world, rs, metric))}
    assert hit == {target}
