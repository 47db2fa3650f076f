"""The city's organisation as the IOC knows it: grid cells with their street and district,
handling units (处置单位) with their type, level and area, and where each crew is.

`unit_for` finds the unit of a department type responsible for a grid at a level (区/县,
街道/镇, 社区/村), going up a level when the lower one has none. `nearest_crew` picks the
nearest available crew of a unit (就近调度), else the nearest busy one (it queues the job).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import Point, Polygon

from ioc.contract import CrewStatus, GridInfo, UnitInfo
from ioc.geo import ground_distance_m

LEVELS = ("community", "street", "district")


@dataclass
class Crew:
    crew_id: str
    unit: str
    status: str = "available"
    lon: float = 0.0
    lat: float = 0.0
    ts: int = 0


@dataclass
class Org:
    grids: dict[str, GridInfo] = field(default_factory=dict)
    units: dict[str, UnitInfo] = field(default_factory=dict)
    crews: dict[tuple[str, str], Crew] = field(default_factory=dict)
    outlines: dict[str, Polygon] = field(default_factory=dict)

    def add_grid(self, grid: GridInfo) -> None:
        self.grids[grid.code] = grid
        if grid.boundary:
            self.outlines[grid.code] = Polygon(grid.boundary)

    def grid_at(self, lon: float, lat: float) -> str | None:
        """The grid whose outline holds the point (grids announced without one: None)."""
        pt = Point(lon, lat)
        return next((code for code, poly in self.outlines.items() if poly.covers(pt)), None)

    def add_unit(self, unit: UnitInfo) -> None:
        self.units[unit.code] = unit
        for crew_id in unit.crews:
            self.crews.setdefault(
                (unit.code, crew_id), Crew(crew_id, unit.code, lon=unit.lon, lat=unit.lat)
            )

    def crew_status(self, msg: CrewStatus) -> None:
        crew = self.crews.setdefault((msg.department, msg.crew), Crew(msg.crew, msg.department))
        if msg.ts >= crew.ts:
            crew.status, crew.lon, crew.lat, crew.ts = msg.status, msg.lon, msg.lat, msg.ts

    def areas_of(self, grid_code: str | None) -> dict[str, str | None]:
        """The grid's community, street and district codes (None where unknown)."""
        g = self.grids.get(grid_code or "")
        if g is None:
            return {"community": None, "street": None, "district": None}
        return {"community": g.community, "street": g.street, "district": g.district}

    def unit_for(self, dept_type: str, grid_code: str | None, level: str) -> UnitInfo | None:
        """The unit of `dept_type` covering the grid at `level`, else at a higher level, else
        any unit of that type (a city with one unit per type)."""
        areas = self.areas_of(grid_code)
        of_type = sorted(
            (u for u in self.units.values() if u.type == dept_type), key=lambda u: u.code
        )
        for lv in LEVELS[LEVELS.index(level) :]:
            match = [u for u in of_type if u.level == lv and u.area == areas[lv]]
            if match:
                return match[0]
        return of_type[0] if of_type else None

    def nearest_crew(self, unit_code: str, lon: float, lat: float) -> str | None:
        crews = [c for (u, _), c in sorted(self.crews.items()) if u == unit_code]
        for wanted in ("available", "busy"):
            pool = [c for c in crews if c.status == wanted]
            if pool:
                return min(pool, key=lambda c: ground_distance_m(lon, lat, c.lon, c.lat)).crew_id
        return None
