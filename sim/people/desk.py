"""The IOC desk (受理员/派遣员/值班长): people who answer the desk's tasks.

Operators on duty take tasks in order, each for a sampled time. They accept reports (turning
down some plainly bogus hotline reports), file cases, dispatch them (sending the odd one to
the wrong unit: the unit sends it back, 回退) and approve or refuse requests for more time
(延期) and for parking a case (挂账).
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
import simpy

from ioc.contract import Task
from sim.people.base import Actor, Context
from sim.people.work import draw_s
from sim.scenario import DeskSpec


class Desk(Actor[DeskSpec]):
    """The IOC desk's operators: tasks in arrival order, on shift, each for a sampled time."""

    def __init__(self, spec: DeskSpec, ctx: Context, rng: np.random.Generator):
        super().__init__(spec, ctx, rng, "desk", spec.shifts)
        self.operators = simpy.Resource(self.env, capacity=spec.operators)
        self.received = 0

    def receive(self, task: Task) -> None:
        self.received += 1
        self.env.process(self._work(task))

    def _work(self, task: Task) -> Generator[simpy.Event, object, None]:
        with self.operators.request() as turn:
            yield turn
            wait = self.shifts.until_on(self.ctx.world.now)
            if wait:
                yield self.env.timeout(wait)
            spec = {
                "accept": self.spec.accept_min,
                "file": self.spec.file_min,
                "dispatch": self.spec.dispatch_min,
            }.get(task.kind, self.spec.approve_min)
            yield self.env.timeout(draw_s(self.rng, spec))
        outcome, fields = self._decide(task)
        self.answer(task, outcome, "operator", **fields)

    def _decide(self, task: Task) -> tuple[str, dict[str, object]]:
        r = self.rng.random()
        if task.kind == "accept":
            truth = self.ctx.report_truth.get(task.ref or "")
            bogus = truth is not None and truth["incident"] is None
            if bogus and r < self.spec.junk_detect:
                return "invalid", {"note": "no such problem at the address (不予受理)"}
            return "accepted", {}
        if task.kind == "file":
            return "filed", {}
        if task.kind == "dispatch":
            right = self.ctx.unit_for(task.category, task.grid) or task.department
            others = sorted(u for u in self.ctx.units if u != right)
            if (r < self.spec.dispatch_error and others) or right is None:
                return "dispatched", {"department": others[int(self.rng.integers(len(others)))]}
            return "dispatched", {"department": right}
        if task.kind == "approve_extension":
            return ("approved" if r < self.spec.approve_extension else "denied"), {}
        return ("approved" if r < self.spec.approve_park else "denied"), {}
