"""The city's operator: the scenario's `operations:` (commands to devices) issued through the
IOC's API at their times, between ticks, so that they are deterministic."""

from __future__ import annotations

from typing import Any

import httpx

from sim.run.ioc_client import IocClient
from sim.scenario import Scenario


class Operator:
    """Issues the scenario's commands due in each tick window (`before_tick` of the clock);
    a command the IOC refuses becomes a warning of the run."""

    def __init__(self, scenario: Scenario, ioc: IocClient, warnings: list[str]):
        self.ioc = ioc
        self.warnings = warnings
        self.pending = sorted(
            ((scenario.offset_s(op.at), i, op) for i, op in enumerate(scenario.operations)),
            key=lambda x: x[:2],
        )
        self.issued: list[dict[str, Any]] = []

    def __call__(self, t0: float, t1: float) -> None:
        """The operator's commands due in [t0, t1), through the IOC's API."""
        while self.pending and self.pending[0][0] < t1:
            _, _, op = self.pending.pop(0)
            body = op.model_dump(exclude={"at"}, exclude_none=True)
            try:
                self.issued.append(self.ioc.post("/commands", {**body, "issued_by": "operator"}))
            except httpx.HTTPError as err:
                self.warnings.append(f"operator command {op.action!r} failed: {err}")
