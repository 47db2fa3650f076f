"""The simulated city's people: the IOC desk, the grid supervisors, the 12345 callers and the
handling units. Built from the scenario and the IOC's catalogue (which unit type handles
which category); `announce` tells the IOC the organisation, `route` hands each task to the
person it is for."""

from __future__ import annotations

from typing import Any

import numpy as np

from ioc.contract import GridInfo, OrgAnnouncement, Task, Topics, UnitInfo
from sim.people.base import Channel, Context
from sim.people.desk import Desk
from sim.people.hotline import Hotline
from sim.people.patrol import GridPatrol
from sim.people.responders import Department
from sim.scenario import Scenario
from sim.world import World


class People:
    """Everyone in the simulated city, built from the scenario and the IOC's catalogue."""

    def __init__(
        self, scenario: Scenario, world: World, control: Channel, catalogue: dict[str, Any]
    ):
        items = catalogue["items"]
        self.ctx = Context(
            world,
            control,
            dept_type_of={i["code"]: i["department"] for i in items},
            units={d.code: d for d in scenario.departments},
            level_of={i["code"]: i["level"] for i in items},
        )
        streams = iter(
            world.rng_responders.spawn(3 + len(scenario.departments) + len(world.grid_codes))
        )

        def rng() -> np.random.Generator:
            return np.random.default_rng(next(streams))

        self.desk = Desk(scenario.desk, self.ctx, rng())
        self.hotline = Hotline(scenario.hotline, self.ctx, rng()) if scenario.hotline else None
        self.units = {d.code: Department(d, self.ctx, rng()) for d in scenario.departments}
        self.patrols = {
            code: GridPatrol(code, world.polygons[i], scenario.patrol, self.ctx, rng())
            for i, code in enumerate(world.grid_codes)
            if scenario.patrol.per_grid > 0
        }

    def announce(self) -> None:
        """The city's grids and units, then every crew's status, before the first tick."""
        world = self.ctx.world
        grids = [
            GridInfo(
                code=g.code,
                name=g.name,
                community=g.community,
                street=world.grid_areas[g.code]["street"],
                district=world.grid_areas[g.code]["district"],
                boundary=[world.lonlat(np.array(xy)) for xy in poly.exterior.coords],
            )
            for g, poly in zip(world.scenario.grids(), world.polygons, strict=True)
        ]
        units = []
        for dept in self.units.values():
            lon, lat = world.lonlat(dept.base_xy)
            units.append(
                UnitInfo(
                    code=dept.spec.code,
                    type=dept.spec.type,
                    name_zh=dept.spec.name_zh,
                    level=dept.spec.level,
                    area=dept.spec.area,
                    crews=[c.crew_id for c in dept.crews],
                    lon=lon,
                    lat=lat,
                )
            )
        self.ctx.control.send(
            Topics.org("city"), OrgAnnouncement, "city", ts=world.ms(0.0), grids=grids, units=units
        )
        for dept in self.units.values():
            dept.announce_crews()

    def route(self, task: Task) -> bool:
        """Hand a task to the person it is for; False when nobody in the city takes it."""
        if task.role == "desk":
            self.desk.receive(task)
            return True
        if task.role == "grid" and task.unit in self.patrols:
            self.patrols[task.unit].receive(task)
            return True
        if task.role == "dept" and task.unit in self.units:
            self.units[task.unit].receive(task)
            return True
        return False
