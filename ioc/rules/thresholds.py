"""Where a reading becomes an alarm: threshold rules with a duration and hysteresis.

A rule's condition must hold over readings spanning `for_s` seconds before the alarm is
raised (one noisy spike is not an alarm). An active alarm clears once the value has stayed on
the far side of `clear_threshold` for `clear_for_s` seconds. A rule with `hours` (a night
noise limit) applies only then: outside, nothing pending carries over and its alarm ends.
Evaluation is per (rule, device) in event time; a reading older than the last one evaluated
is stored but not evaluated.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ioc.rules.ruleset import Rule

_OPS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True)
class AlarmChange:
    change: Literal["raised", "cleared"]
    rule: Rule
    device_id: str
    ts: int
    value: float


@dataclass
class _State:
    last_ts: int = -1
    pending_since: int | None = None  # condition true since (not yet raised)
    active: bool = False
    clear_since: int | None = None  # clear condition true since (alarm still active)


def _minutes(clock: str) -> int:
    h, m = clock.split(":")
    return int(h) * 60 + int(m)


class RuleEngine:
    def __init__(self, rules: list[Rule], tz_offset_h: float = 8.0):
        self._by_kind: dict[str, list[Rule]] = {}
        for rule in rules:
            self._by_kind.setdefault(rule.device_kind, []).append(rule)
        self._state: dict[tuple[str, str], _State] = {}
        self._offset_ms = int(tz_offset_h * 3_600_000)
        self._windows = {
            r.id: (_minutes(r.hours[0]), _minutes(r.hours[1])) for r in rules if r.hours
        }

    def _in_hours(self, rule: Rule, ts: int) -> bool:
        window = self._windows.get(rule.id)
        if window is None:
            return True
        minute = (ts + self._offset_ms) // 60_000 % 1440
        start, end = window
        return start <= minute < end if start <= end else (minute >= start or minute < end)

    def kinds(self) -> set[str]:
        return set(self._by_kind)

    def evaluate(
        self, kind: str, device_id: str, ts: int, values: dict[str, float]
    ) -> list[AlarmChange]:
        changes: list[AlarmChange] = []
        for rule in self._by_kind.get(kind, ()):
            value = values.get(rule.metric)
            if value is None:
                continue
            st = self._state.setdefault((rule.id, device_id), _State())
            if ts <= st.last_ts:
                continue
            st.last_ts = ts
            if not self._in_hours(rule, ts):
                # Outside its hours the limit does not apply: nothing pending carries over,
                # and an alarm raised under it ends.
                st.pending_since = st.clear_since = None
                if st.active:
                    st.active = False
                    changes.append(AlarmChange("cleared", rule, device_id, ts, value))
                continue
            change = self._step(rule, st, ts, value)
            if change:
                changes.append(AlarmChange(change, rule, device_id, ts, value))
        return changes

    @staticmethod
    def _step(rule: Rule, st: _State, ts: int, value: float) -> Literal["raised", "cleared"] | None:
        op = _OPS[rule.op]
        if not st.active:
            if not op(value, rule.threshold):
                st.pending_since = None
                return None
            if st.pending_since is None:
                st.pending_since = ts
            if ts - st.pending_since >= rule.for_s * 1000:
                st.active, st.pending_since, st.clear_since = True, None, None
                return "raised"
            return None
        clear_at = rule.threshold if rule.clear_threshold is None else rule.clear_threshold
        if op(value, clear_at):
            st.clear_since = None
            return None
        if st.clear_since is None:
            st.clear_since = ts
        if ts - st.clear_since >= rule.clear_for_s * 1000:
            st.active, st.clear_since = False, None
            return "cleared"
        return None

    def is_active(self, rule_id: str, device_id: str) -> bool:
        st = self._state.get((rule_id, device_id))
        return bool(st and st.active)

    def restore_active(self, rule_id: str, device_id: str, since_ts: int) -> None:
        """Mark an alarm active again after a restart (from the store)."""
        st = self._state.setdefault((rule_id, device_id), _State())
        st.active, st.last_ts = True, max(st.last_ts, since_ts)
