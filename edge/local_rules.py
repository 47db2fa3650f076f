"""Local rules at the edge gateway (边缘规则): threshold alarms decided next to the devices,
with debounce and hysteresis, sent to the IOC as edge events (gw/{gateway}/events).

A rule watches one metric of some device kinds. It raises after `raise_after` readings in a
row above `above` (debounce: one spike is not an alarm) and clears after `clear_after`
readings in a row at or below `clear_below` (hysteresis: a value hovering around the
threshold does not flap). One raise and one clear per episode, each carrying the reading
that decided it. The IOC files a local rule's events by its event rules, like a camera's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class LocalRule:
    """`id` is the edge event kind the rule raises (e.g. water_level_high)."""

    id: str
    metric: str
    above: float
    clear_below: float
    kinds: frozenset[str] = frozenset()  # empty: every device that reports the metric
    raise_after: int = 3
    clear_after: int = 3

    def __post_init__(self) -> None:
        if self.clear_below > self.above:
            raise ValueError(
                f"rule {self.id}: clear_below {self.clear_below} is above "
                f"the raise threshold {self.above}"
            )
        if self.raise_after < 1 or self.clear_after < 1:
            raise ValueError(f"rule {self.id}: raise_after and clear_after must be >= 1")


@dataclass(frozen=True)
class LocalEvent:
    rule: str
    device_id: str
    state: str  # raised | cleared
    ts: int
    value: float
    serial: int

    @property
    def event_id(self) -> str:
        return f"{self.rule}-{self.device_id}-{self.serial}"


@dataclass
class _State:
    open: bool = False
    run: int = 0  # readings in a row on the other side of the open/closed state
    serial: int = 0


class LocalRules:
    """The rules of one gateway and each (rule, device)'s state. Feed readings in event-time
    order per device (the gateway sorts each batch)."""

    def __init__(self, rules: Iterable[LocalRule]):
        self.rules = list(rules)
        self._state: dict[tuple[str, str], _State] = {}

    def __bool__(self) -> bool:
        return bool(self.rules)

    def update(self, kind: str | None, reading: dict[str, Any]) -> list[LocalEvent]:
        """Evaluate one reading (`device_id`, `ts`, `values`) of a device of `kind`."""
        out = []
        values = reading["values"]
        for rule in self.rules:
            value = values.get(rule.metric)
            if value is None or (rule.kinds and kind not in rule.kinds):
                continue
            key = (rule.id, reading["device_id"])
            st = self._state.get(key)
            if st is None:
                st = self._state[key] = _State()
            crossing = value <= rule.clear_below if st.open else value > rule.above
            st.run = st.run + 1 if crossing else 0
            if st.run >= (rule.clear_after if st.open else rule.raise_after):
                st.open, st.run = not st.open, 0
                if st.open:
                    st.serial += 1
                out.append(
                    LocalEvent(
                        rule.id,
                        reading["device_id"],
                        "raised" if st.open else "cleared",
                        reading["ts"],
                        float(value),
                        st.serial,
                    )
                )
        return out
