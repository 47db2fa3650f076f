"""The scenario file as a whole (`Scenario`): its sections, the scoring and IOC settings, and
how its times are read."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pydantic import Field, model_validator
from shapely.geometry.base import BaseGeometry

from sim.scenario.base import Spec, TimeSpec
from sim.scenario.city import DistrictSpec, GeometrySpec, GridSpec, WeatherSpec
from sim.scenario.edge_rules import EdgeSpec
from sim.scenario.fleets import FleetSpec
from sim.scenario.people import DepartmentSpec, DeskSpec, HotlineSpec, PatrolSpec
from sim.scenario.timeline import FaultRate, FaultSpec, IncidentsSpec, OperationSpec


class ScoringSpec(Spec):
    """How IOC cases are matched to ground-truth incidents."""

    match_radius_m: float = Field(default=300.0, gt=0)
    grace_min: float = Field(default=60.0, ge=0)


DEFAULT_IOC_BUNDLE = Path(__file__).resolve().parents[2] / "scenarios" / "ioc" / "default.yaml"


class IocSpec(Spec):
    """The embedded IOC's configuration bundle (ioc.yaml), relative to the scenario file;
    without one, the project's scenarios/ioc/default.yaml."""

    config: str | None = None


class Scenario(Spec):
    """A scenario file as a whole: the city, its fleets, people, weather, what happens and
    when, and how the run is scored."""

    name: str
    name_zh: str | None = None
    city: str
    start: datetime
    duration_h: float = Field(gt=0, le=24 * 62)
    seed: int = 0
    tick_s: int = Field(default=60, ge=1, le=3600)
    geometry: GeometrySpec
    districts: list[DistrictSpec] = Field(min_length=1)
    fleets: list[FleetSpec] = Field(min_length=1)
    departments: list[DepartmentSpec] = []
    desk: DeskSpec = DeskSpec()
    patrol: PatrolSpec = PatrolSpec(per_grid=0)
    hotline: HotlineSpec | None = None
    weather: WeatherSpec = WeatherSpec()
    incidents: IncidentsSpec = IncidentsSpec()
    faults: list[FaultSpec] = []
    fault_rates: list[FaultRate] = []
    operations: list[OperationSpec] = []
    scoring: ScoringSpec = ScoringSpec()
    edge: EdgeSpec = EdgeSpec()
    ioc: IocSpec = IocSpec()

    @model_validator(mode="after")
    def _aware_start(self) -> Scenario:
        if self.start.tzinfo is None:
            raise ValueError("start needs a UTC offset, e.g. 2026-07-15T00:00:00+08:00")
        return self

    # Filled in by load_scenario.
    _path: Path | None = None
    _areas: dict[str, BaseGeometry] = {}  # named areas (lon/lat), from geometry.areas

    @property
    def areas(self) -> dict[str, BaseGeometry]:
        return self._areas

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def duration_s(self) -> float:
        return self.duration_h * 3600.0

    def grids(self) -> list[GridSpec]:
        return [g for d in self.districts for s in d.streets for g in s.grids]

    def ioc_config_path(self) -> Path:
        return self.resolve_path(self.ioc.config) if self.ioc.config else DEFAULT_IOC_BUNDLE

    def resolve_path(self, relative: str) -> Path:
        base = self._path.parent if self._path else Path.cwd()
        return (base / relative).resolve()

    def offset_s(self, spec: TimeSpec) -> float:
        """Seconds after the start for a TimeSpec (ValueError if it cannot be read)."""
        if isinstance(spec, int | float):
            return float(spec)
        text = spec.strip()
        day = 1
        if text[:1] in ("D", "d") and " " in text:
            head, text = text.split(None, 1)
            try:
                day = int(head[1:])
            except ValueError:
                raise ValueError(f"expected a day like 'D2 03:00', got {spec!r}") from None
            if day < 1:
                raise ValueError(f"day must be 1 or more in {spec!r}")
        bad = ValueError(f"expected seconds, 'HH:MM[:SS]' or 'D2 HH:MM', got {spec!r}")
        try:
            hms = [int(p) for p in text.split(":")]
        except ValueError:
            raise bad from None
        if not 2 <= len(hms) <= 3 or not (0 <= hms[0] < 24 and 0 <= hms[1] < 60):
            raise bad
        clock = hms[0] * 3600 + hms[1] * 60 + (hms[2] if len(hms) == 3 else 0)
        start_clock = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        return (day - 1) * 86400.0 + clock - start_clock
