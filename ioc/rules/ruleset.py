"""The alarm rules file (告警规则): threshold rules on readings and event rules for edge
events (video analytics, gateways' local rules), each filing its alarms under a catalogue
item.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from ioc.casework.catalogue import Catalogue
from ioc.casework.vocabulary import Code, ConfigError, ConfModel
from ioc.contract import load_yaml_model

Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]  # "HH:MM"


class Rule(ConfModel):
    """A threshold rule: `metric op threshold` held for `for_s` seconds raises an alarm filed
    under catalogue `category`; the alarm clears once the value has been on the far side of
    `clear_threshold` (hysteresis; defaults to `threshold`) for `clear_for_s` seconds.
    `hours` limits the rule to a daily window of local time (day and night noise limits)."""

    id: Code
    name_zh: str
    name_en: str
    device_kind: Code
    metric: str
    op: Literal[">", ">=", "<", "<="]
    threshold: float
    for_s: float = Field(default=0.0, ge=0)
    clear_threshold: float | None = None
    clear_for_s: float = Field(default=0.0, ge=0)
    category: Code
    # Local hours the rule applies in, e.g. ["22:00", "06:00"] for a night limit (may wrap
    # past midnight); readings outside are not evaluated by it.
    hours: tuple[Clock, Clock] | None = None


class EventRule(ConfModel):
    """How an edge event (a video analytic's detection, a gateway's local rule) is filed: an
    event of `kind` from a camera watching one of `scenes` (any scene when omitted) raises an
    alarm under catalogue `category`. The first matching rule wins, so scene-specific rules
    go first. Events below `min_confidence` are kept with their evidence but raise nothing."""

    id: Code
    name_zh: str
    name_en: str
    kind: Code
    scenes: list[Code] | None = None
    min_confidence: float = Field(default=0.0, ge=0, le=1)
    category: Code

    def matches(self, kind: str, scene: str | None) -> bool:
        return kind == self.kind and (self.scenes is None or scene in self.scenes)


class RuleSet(ConfModel):
    rules: list[Rule] = Field(min_length=1)
    events: list[EventRule] = Field(default_factory=list)

    def event_rule(self, kind: str, scene: str | None) -> EventRule | None:
        return next((r for r in self.events if r.matches(kind, scene)), None)


def load_rules(path: str | Path, catalogue: Catalogue) -> RuleSet:
    """A rules file: ids used once, every category an item of `catalogue`."""
    path = Path(path)
    rules = load_yaml_model(path, RuleSet, ConfigError)
    problems = []
    ids: set[str] = set()
    listed: list[tuple[str, Rule | EventRule]] = [
        *((f"rules[{i}]", r) for i, r in enumerate(rules.rules)),
        *((f"events[{i}]", r) for i, r in enumerate(rules.events)),
    ]
    for where, rule in listed:
        if rule.id in ids:
            problems.append((f"{where}.id", f"rule id {rule.id!r} is used twice"))
        ids.add(rule.id)
        if catalogue.item(rule.category) is None:
            problems.append(
                (f"{where}.category", f"no catalogue item {rule.category!r} in {catalogue.name!r}")
            )
    if problems:
        raise ConfigError(path, problems)
    return rules
