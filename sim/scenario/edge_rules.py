"""The gateways' local rules (边缘规则) in a scenario file."""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.base import Code, Spec


class LocalRuleSpec(Spec):
    """A gateway's local rule (边缘规则, edge.local_rules): raise edge event `id` after
    `raise_after` readings in a row of `metric` above `above`, clear after `clear_after` at or
    below `clear_below`. The IOC needs an event rule for `id` to file it."""

    id: Code
    metric: str = Field(min_length=1)
    above: float
    clear_below: float
    kinds: list[str] = []
    raise_after: int = Field(default=3, ge=1)
    clear_after: int = Field(default=3, ge=1)

    @model_validator(mode="after")
    def _hysteresis(self) -> LocalRuleSpec:
        if self.clear_below > self.above:
            raise ValueError(
                f"clear_below ({self.clear_below}) must not be above `above` ({self.above})"
            )
        return self


class EdgeSpec(Spec):
    """What every gateway runs besides batching: its local rules."""

    local_rules: list[LocalRuleSpec] = []
