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

from pydantic import ConfigDict, Field, ValidatorFunctionWrapHandler, model_validator
from pydantic.dataclasses import dataclass as typed_dataclass

from devices.params import Int, Number, validate_keys
from ioc.contract import Ident


@typed_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class LocalRule:
    """A gateway's local rule, as a scenario's `edge.local_rules` entry writes it (checked:
    an unknown key lists the accepted ones). The IOC needs an event rule for `id` to file
    its events."""

    id: Ident = Field(description="the edge event kind it raises (e.g. water_level_high)")
    metric: str = Field(min_length=1, description="the reading it watches")
    above: Number = Field(description="raise after readings in a row above this")
    clear_below: Number = Field(description="clear after readings in a row at or below this")
    kinds: frozenset[str] = Field(
        frozenset(), description="device kinds it applies to (empty: every kind with the metric)"
    )
    raise_after: Int = Field(3, ge=1, description="readings in a row above `above` to raise")
    clear_after: Int = Field(3, ge=1, description="readings in a row at or below to clear")

    @model_validator(mode="wrap")
    @classmethod
    def _name_accepted_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return validate_keys(cls.__pydantic_fields__, cls.__name__, data, handler)

    @model_validator(mode="after")
    def _hysteresis(self) -> LocalRule:
        if self.clear_below > self.above:
            raise ValueError(
                f"rule {self.id}: clear_below {self.clear_below} is above "
                f"the raise threshold {self.above}"
            )
        return self


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
