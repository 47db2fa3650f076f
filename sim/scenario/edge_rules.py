"""The gateways' local rules (边缘规则) in a scenario file: typed where the gateway runs
them (`edge.local_rules.LocalRule`)."""

from __future__ import annotations

from edge.local_rules import LocalRule
from sim.scenario.base import Spec


class EdgeSpec(Spec):
    """What every gateway runs besides batching: its local rules."""

    local_rules: list[LocalRule] = []
