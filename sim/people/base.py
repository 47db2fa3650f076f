"""What the simulated people share: the world, the channel to the IOC, and what a city's
staff know (which unit handles which catalogue category, the organisation)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.control import ControlChannel
from sim.scenario import DepartmentSpec
from sim.world import World

LEVELS = ("community", "street", "district")


@dataclass
class Context:
    world: World
    control: ControlChannel
    dept_type_of: dict[str, str]  # catalogue category -> handling unit type (from the IOC)
    units: dict[str, DepartmentSpec]
    level_of: dict[str, str] = field(default_factory=dict)  # category -> handling level
    report_truth: dict[str, dict[str, Any]] = field(default_factory=dict)  # by report id

    def ms(self, t: float | None = None) -> int:
        return self.world.ms(self.world.now if t is None else t)

    def unit_for(self, category: str, grid: str | None) -> str | None:
        """The unit a well-informed desk operator sends a category to, for a grid."""
        want = self.dept_type_of.get(category)
        areas = self.world.grid_areas.get(grid or "", {})
        level = self.level_of.get(category, "street")
        of_type = sorted((u for u in self.units.values() if u.type == want), key=lambda u: u.code)
        for lv in LEVELS[LEVELS.index(level) :]:
            match = [u for u in of_type if u.level == lv and u.area == areas.get(lv)]
            if match:
                return match[0].code
        return of_type[0].code if of_type else None

    def record_report(
        self, report_id: str, channel: str, incident: Any, category: str, t: float, xy: np.ndarray
    ) -> None:
        """Keep the truth about a report: which incident it was really about (or none)."""
        lon, lat = self.world.lonlat(xy)
        record = {
            "report_id": report_id,
            "channel": channel,
            "incident": incident.id if incident is not None else None,
            "true_category": incident.kind.category if incident is not None else None,
            "category": category,
            "ts": self.ms(t),
            "lon": lon,
            "lat": lat,
        }
        self.world.reports.append(record)
        self.report_truth[report_id] = record
