"""Where a reading becomes an alarm: duration conditions and hysteresis."""

from __future__ import annotations

from ioc.rules.ruleset import Rule
from ioc.rules.thresholds import RuleEngine

SMOKE = Rule(
    id="smoke",
    name_zh="烟感告警",
    name_en="Smoke alarm",
    device_kind="smoke_detector",
    metric="smoke_pct_m",
    op=">",
    threshold=3.0,
    for_s=120,
    clear_threshold=1.0,
    clear_for_s=300,
    category="IOT-02",
)


def feed(engine: RuleEngine, series: list[tuple[int, float]], device: str = "SD-1") -> list[str]:
    out = []
    for t_s, value in series:
        for ch in engine.evaluate("smoke_detector", device, t_s * 1000, {"smoke_pct_m": value}):
            out.append(f"{ch.change}@{t_s}")
    return out


def test_a_single_spike_is_not_an_alarm() -> None:
    series = [(0, 0.1), (60, 8.0), (120, 0.1), (180, 8.0), (240, 0.1)]
    assert feed(RuleEngine([SMOKE]), series) == []


def test_condition_held_for_the_duration_raises_once() -> None:
    events = feed(RuleEngine([SMOKE]), [(0, 5), (60, 6), (120, 7), (180, 8), (240, 9)])
    assert events == ["raised@120"]


def test_hysteresis_and_clear_duration() -> None:
    engine = RuleEngine([SMOKE])
    series = [
        (0, 5),
        (120, 5),  # raised at 120
        (180, 2.0),
        (240, 2.0),  # between thresholds: still active
        (300, 0.5),
        (420, 0.5),  # clear since 300, not yet 300 s
        (480, 2.5),  # back above clear threshold: clear timer resets
        (540, 0.5),
        (780, 0.5),
        (840, 0.5),
    ]  # clear since 540 -> cleared at 840
    assert feed(engine, series) == ["raised@120", "cleared@840"]
    assert not engine.is_active("smoke", "SD-1")


def test_devices_are_independent_and_other_kinds_ignored() -> None:
    engine = RuleEngine([SMOKE])
    feed(engine, [(0, 9), (120, 9)], device="SD-1")
    assert engine.is_active("smoke", "SD-1") and not engine.is_active("smoke", "SD-2")
    assert engine.evaluate("water_level", "SD-1", 999_000, {"smoke_pct_m": 99}) == []
    assert engine.evaluate("smoke_detector", "SD-3", 0, {"battery_pct": 5}) == []


def test_rules_with_hours_apply_only_then() -> None:
    night = SMOKE.model_copy(update={"id": "night", "hours": ("22:00", "06:00")})
    engine = RuleEngine([night], tz_offset_h=8)
    local_midnight = -8 * 3600  # 00:00 at UTC+8, in seconds of the epoch day before
    noon = local_midnight + 12 * 3600
    assert feed(engine, [(noon, 9), (noon + 120, 9), (noon + 240, 9)]) == []
    late = local_midnight + 23 * 3600
    assert feed(engine, [(late, 9), (late + 120, 9)]) == [f"raised@{late + 120}"]
    morning = local_midnight + 30 * 3600  # 06:00 next day: the night limit no longer applies
    assert feed(engine, [(morning, 9)]) == [f"cleared@{morning}"]
    # a condition pending at the end of the window does not carry into the next one
    eve = local_midnight + 45.9 * 3600  # 21:54
    assert feed(engine, [(eve, 9), (eve + 60, 9), (eve + 8 * 3600, 9)]) == []


def test_out_of_order_readings_are_not_evaluated() -> None:
    engine = RuleEngine([SMOKE])
    assert feed(engine, [(0, 9), (120, 9)]) == ["raised@120"]
    assert feed(engine, [(60, 0.0), (100, 0.0)]) == []  # older than the last evaluated
    assert engine.is_active("smoke", "SD-1")
