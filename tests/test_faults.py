"""Each fault kind is visible in the reading stream, only where and when the truth log says."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.scenario import Scenario
from sim.world import World

H = 3600.0
CST = timezone(timedelta(hours=8))
GRID = [[0, 0], [1000, 0], [1000, 1000], [0, 1000]]


def world_with(fault: dict[str, Any], fleet: dict[str, Any] | None = None) -> World:
    sc = Scenario.model_validate(
        {
            "name": "faults",
            "city": "test",
            "start": datetime(2026, 7, 15, tzinfo=CST),
            "duration_h": 6,
            "seed": 3,
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
            "fleets": [fleet or {"kind": "water_level", "count": 6, "interval_s": 60}],
            "faults": [{"at": 2 * H, "duration_min": 120, "count": 2, **fault}],
        }
    )
    return World(sc)


def stream(world: World, hours: float = 6, step: float = 600) -> list[dict[str, Any]]:
    """Rows as the gateway sends them, in order, with the window they went out in."""
    rows: list[dict[str, Any]] = []
    t = 0.0
    while t < hours * H:
        world.advance(t + step)
        for gw_rows in world.collect(t, t + step).values():
            rows += [{**r, "sent_at": t + step} for r in gw_rows]
        t += step
    return rows


def truth(world: World) -> dict[str, Any]:
    (fault,) = [r for r in world.truth_records() if r["type"] == "fault"]
    return fault


def rel(world: World, ts: int) -> float:
    return (ts - world.start_ms) / 1000.0


def split(world: World, rows: list[dict[str, Any]]) -> tuple[set[str], list, list]:
    t = truth(world)
    hit = set(t["devices"])
    return (
        hit,
        [r for r in rows if r["device_id"] in hit],
        [r for r in rows if r["device_id"] not in hit],
    )


def test_offline_devices_go_silent_for_the_window() -> None:
    w = world_with({"kind": "offline", "fleet": "water_level"})
    rows = stream(w)
    hit, faulty, healthy = split(w, rows)
    assert len(hit) == 2 and truth(w)["start"] == "2026-07-15T02:00:00+08:00"
    assert not [r for r in faulty if 2 * H <= rel(w, r["ts"]) < 4 * H]
    assert [r for r in faulty if rel(w, r["ts"]) >= 4 * H]  # back afterwards
    assert [r for r in healthy if 2 * H <= rel(w, r["ts"]) < 4 * H]


def test_intermittent_loss_leaves_gaps_in_seq() -> None:
    w = world_with({"kind": "intermittent", "fleet": "water_level", "params": {"loss": 0.5}})
    _, faulty, healthy = split(w, stream(w))
    for rows, gaps_expected in ((faulty, True), (healthy, False)):
        for dev in {r["device_id"] for r in rows}:
            seqs = [r["seq"] for r in rows if r["device_id"] == dev]
            assert (np.diff(seqs) > 1).any() == gaps_expected, dev


def test_stuck_value_freezes_only_in_the_window() -> None:
    w = world_with(
        {"kind": "stuck", "fleet": "smart_pole", "params": {"metric": "temp_c"}},
        {"kind": "smart_pole", "count": 4, "interval_s": 300},
    )
    _, faulty, healthy = split(w, stream(w))
    inside = [r["values"]["temp_c"] for r in faulty if 2 * H <= rel(w, r["ts"]) < 4 * H]
    assert len(set(inside)) == 2  # one frozen value per faulty device
    assert len({r["values"]["temp_c"] for r in healthy if 2 * H <= rel(w, r["ts"]) < 4 * H}) > 10
    assert truth(w)["metric"] == "temp_c"


def test_drift_grows_with_time() -> None:
    w = world_with(
        {"kind": "drift", "fleet": "water_level", "params": {"metric": "water_cm", "per_day": 24.0}}
    )
    _, faulty, healthy = split(w, stream(w))
    end = [r["values"]["water_cm"] for r in faulty if 3.8 * H <= rel(w, r["ts"]) < 4 * H]
    before = [r["values"]["water_cm"] for r in faulty if rel(w, r["ts"]) < 2 * H]
    assert np.mean(end) - np.mean(before) > 1.5  # ~1 cm/h for ~1.9 h, on a dry road
    assert max(r["values"]["water_cm"] for r in healthy) < 1.5


def test_spikes_jump_and_stay_in_range() -> None:
    w = world_with(
        {
            "kind": "spikes",
            "fleet": "water_level",
            "params": {"metric": "water_cm", "p": 0.3, "size": 50},
        }
    )
    _, faulty, healthy = split(w, stream(w))
    jumps = [r for r in faulty if r["values"]["water_cm"] > 40]
    assert jumps and all(2 * H <= rel(w, r["ts"]) < 4 * H for r in jumps)
    assert all(0 <= r["values"]["water_cm"] <= 300 for r in faulty)
    assert max(r["values"]["water_cm"] for r in healthy) < 1.5


def test_battery_depletion_then_dead() -> None:
    w = world_with({"kind": "battery_depletion", "fleet": "water_level"})
    _, faulty, _ = split(w, stream(w))
    late = [r["values"]["battery_pct"] for r in faulty if 3.9 * H <= rel(w, r["ts"]) < 4 * H]
    assert late and max(late) < 5
    assert not [r for r in faulty if rel(w, r["ts"]) >= 4 * H]  # dead for good


def test_clock_skew_shifts_timestamps() -> None:
    w = world_with({"kind": "clock_skew", "fleet": "water_level", "params": {"skew_s": 900}})
    _, faulty, healthy = split(w, stream(w))
    ahead = [r for r in faulty if rel(w, r["ts"]) > r["sent_at"]]  # stamped after it was sent
    assert ahead and all(2 * H + 900 <= rel(w, r["ts"]) < 4 * H + 900 for r in ahead)
    assert not [r for r in healthy if rel(w, r["ts"]) > r["sent_at"]]


def test_duplicates_repeat_seq_and_time() -> None:
    w = world_with({"kind": "duplicate", "fleet": "water_level", "params": {"p": 0.5}})
    _, faulty, healthy = split(w, stream(w))
    keys = [(r["device_id"], r["seq"]) for r in faulty]
    dups = {k for k in keys if keys.count(k) > 1}
    assert dups
    assert len({(r["device_id"], r["seq"]) for r in healthy}) == len(healthy)


def test_out_of_order_readings_arrive_later() -> None:
    w = world_with(
        {"kind": "out_of_order", "fleet": "water_level", "params": {"p": 0.5, "delay": 1}}
    )
    _, faulty, healthy = split(w, stream(w))
    late = [r for r in faulty if r["sent_at"] - rel(w, r["ts"]) > 600]
    assert late and all(2 * H <= rel(w, r["ts"]) < 4 * H for r in late)
    for dev in {r["device_id"] for r in faulty}:
        seqs = [r["seq"] for r in faulty if r["device_id"] == dev]  # in sending order
        assert sorted(seqs) == sorted(set(seqs))  # nothing lost or doubled
    assert all(r["sent_at"] - rel(w, r["ts"]) <= 600 for r in healthy)


def test_gateway_power_loss_loses_its_readings() -> None:
    w = world_with({"kind": "gateway_offline", "grid": "G1"})
    rows = stream(w)
    assert not [r for r in rows if 2 * H <= rel(w, r["ts"]) < 4 * H]
    assert [r for r in rows if rel(w, r["ts"]) >= 4 * H]
    record = truth(w)
    assert record["grid"] == "G1" and record["devices"] == []


@pytest.mark.parametrize("bad", [{"kind": "offline"}, {"kind": "gateway_offline"}])
def test_fault_specs_name_what_they_hit(tmp_path, bad) -> None:
    import yaml

    from sim.scenario import ScenarioError, load_scenario

    data = yaml.safe_load(Path("scenarios/demo.yaml").read_text(encoding="utf-8"))
    data["faults"] = [{**bad, "at": "01:00", "duration_min": 10}]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.(fleet|grid)"):
        load_scenario(path)
