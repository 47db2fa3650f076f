"""Scenario files (YAML): the city, its fleets, departments, weather and incident timeline.

`load_scenario` validates the whole file before anything runs. Every problem is reported with
the file, the key path inside it (e.g. `fleets[2].interval_s`), its line and what was expected.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from devices import KINDS as DEVICE_KINDS
from devices import check_params
from devices.schedule import clock_s
from edge.local_rules import LocalRule
from ioc.contract import Ident, InputFileError, read_yaml, validate
from sim.geojson_files import GeoJsonError, grid_outlines, read_features, site_points
from sim.incidents import INCIDENT_KINDS

Code = Ident  # codes of grids, streets, units: they appear in topics and the IOC's records
Point = tuple[float, float]
# A time in the scenario: seconds after the start, "HH:MM[:SS]" on the first day, or
# "D2 HH:MM" (day 2, the day after the start date).
TimeSpec = float | str


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LonLat(_Spec):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class GeometrySpec(_Spec):
    """`local_m`: polygons and points in metres east/north of `origin`. `lonlat`: degrees.
    With `lonlat`, grid outlines may come from `grids_file` (GeoJSON Polygon features with a
    `code` property) and `areas` name GeoJSON files (forest, farmland, a railway line...)
    that devices and incidents can be placed in. Paths are relative to the scenario file."""

    crs: Literal["local_m", "lonlat"] = "local_m"
    origin: LonLat | None = None
    grids_file: str | None = None
    areas: dict[Code, str] = {}

    @model_validator(mode="after")
    def _origin_for_local(self) -> GeometrySpec:
        if self.crs == "local_m" and self.origin is None:
            raise ValueError("crs local_m needs an origin {lon, lat} for the metre grid")
        if self.crs != "lonlat" and (self.grids_file or self.areas):
            raise ValueError("grids_file and areas are GeoJSON (lon/lat): use crs lonlat")
        return self


class GridSpec(_Spec):
    """单元网格: a grid cell with its polygon (and, optionally, its community 社区/村). The
    polygon may instead come from the geometry's `grids_file`."""

    code: Code
    name: str | None = None
    community: Code | None = None
    polygon: list[Point] | None = Field(default=None, min_length=3)


class StreetSpec(_Spec):
    code: Code
    name: str
    grids: list[GridSpec] = Field(min_length=1)


class DistrictSpec(_Spec):
    code: Code
    name: str
    streets: list[StreetSpec] = Field(min_length=1)


class PlacementSpec(_Spec):
    """Where a fleet's devices stand: uniformly at random over `grids` or over a named
    `area` of the geometry, or at `points` (in the geometry's coordinates, one per device),
    or at the Point features of `points_file` (GeoJSON, e.g. tower sites)."""

    grids: list[Code] | Literal["all"] = "all"
    area: Code | None = None
    points: list[Point] | None = Field(default=None, min_length=1)
    points_file: str | None = None


class FleetSpec(_Spec):
    """A fleet of one device kind: how many, how often they report, where, owned by which
    department type (default: the kind's usual owner), installed how long ago at most."""

    kind: str
    count: int = Field(ge=1, le=2_000_000)
    interval_s: float = Field(gt=0, le=86400)
    placement: PlacementSpec = PlacementSpec()
    owner: Code | None = None
    installed_years: float = Field(default=3.0, ge=0)
    params: dict[str, Any] = {}

    @field_validator("params")
    @classmethod
    def _params_of_kind(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Checked against the kind's typed parameters: errors carry the key path inside
        `params`, an unknown key lists the accepted ones (an unknown kind: cross_check)."""
        if info.data.get("kind") in DEVICE_KINDS:
            check_params(info.data["kind"], params)
        return params

    @model_validator(mode="after")
    def _points_match(self) -> FleetSpec:
        pts = self.placement.points
        if pts is not None and len(pts) != self.count:
            raise ValueError(f"placement.points lists {len(pts)} sites for count {self.count}")
        return self


class HandlingSpec(_Spec):
    """On-site handling time, log-normal: its median and 90th percentile in minutes."""

    median_min: float = Field(gt=0)
    p90_min: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> HandlingSpec:
        if self.p90_min < self.median_min:
            raise ValueError("p90_min must be at least median_min")
        return self


Shift = tuple[str, str]  # ("08:00", "12:00"); "24:00" ends a shift at midnight
ALL_DAY: list[Shift] = [("00:00", "24:00")]


class DepartmentSpec(_Spec):
    """A handling unit (处置单位): its type (a catalogue department type), the level and area it
    covers, crews at a base with their shifts, and how its work goes: handling time per
    catalogue category, a chance of poor work (the problem is still there: 核查 fails, 返工),
    of sending back a dispatch that is not theirs (回退), of asking for more time (延期) when a
    job will overrun, of asking to park a job (挂账) per category."""

    code: Code
    type: Code
    name: str
    name_zh: str
    level: Literal["district", "street", "community"] = "district"
    area: Code
    crews: int = Field(ge=1, le=1000)
    base: Point
    speed_kmh: float = Field(default=30.0, gt=0, le=200)
    shifts: list[Shift] = ALL_DAY
    handling: dict[str, HandlingSpec] = {}
    default_handling: HandlingSpec = HandlingSpec(median_min=60, p90_min=120)
    not_found_min: float = Field(default=15.0, gt=0)
    feedback_min: Point = (2.0, 10.0)  # paperwork after the work, before the 反馈 report
    poor_work: float = Field(default=0.0, ge=0, le=1)
    refuse_wrong: float = Field(default=0.9, ge=0, le=1)
    extension_p: float = Field(default=0.0, ge=0, le=1)
    park: dict[str, float] = {}


class DeskSpec(_Spec):
    """The IOC desk (受理员/派遣员/值班长) answering desk tasks: operators on duty, time per task,
    how often a dispatch goes to the wrong unit, how often an obviously bogus hotline report
    is turned down at 受理, how often extensions and 挂账 are approved."""

    operators: int = Field(default=2, ge=1)
    shifts: list[Shift] = ALL_DAY
    accept_min: HandlingSpec = HandlingSpec(median_min=3, p90_min=8)
    file_min: HandlingSpec = HandlingSpec(median_min=5, p90_min=15)
    dispatch_min: HandlingSpec = HandlingSpec(median_min=5, p90_min=20)
    approve_min: HandlingSpec = HandlingSpec(median_min=15, p90_min=60)
    dispatch_error: float = Field(default=0.03, ge=0, le=1)
    junk_detect: float = Field(default=0.5, ge=0, le=1)
    approve_extension: float = Field(default=0.9, ge=0, le=1)
    approve_park: float = Field(default=0.8, ge=0, le=1)


class PatrolSpec(_Spec):
    """Grid supervisors (网格员/监督员): how many per grid, their shifts and pace. They walk
    their grid, report what they notice (主动发现), and do 核实/核查 when the IOC asks."""

    per_grid: int = Field(default=1, ge=0, le=50)
    shifts: list[Shift] = [("08:00", "12:00"), ("14:00", "18:00")]
    speed_kmh: float = Field(default=5.0, gt=0, le=60)
    correct_category: float = Field(default=0.97, ge=0, le=1)
    gps_error_m: float = Field(default=10.0, ge=0)
    on_site_min: float = Field(default=5.0, gt=0)  # time at a 核实/核查 spot


class HotlineSpec(_Spec):
    """12345 callers (被动发现) and the hotline platform that forwards work orders: calls per
    incident follow each kind's visibility, scaled by `call_factor`; the caller waits a
    while before calling, the platform takes its time to forward; callers place the problem
    only roughly; some calls are about nothing real."""

    call_factor: float = Field(default=1.0, ge=0)
    caller_delay_min: HandlingSpec = HandlingSpec(median_min=10, p90_min=45)
    forward_min: HandlingSpec = HandlingSpec(median_min=20, p90_min=60)
    location_error_m: float = Field(default=60.0, ge=0)
    junk_per_day: float = Field(default=2.0, ge=0)
    junk_categories: list[Code] = ["SJ0101", "SJ0401", "BJ0201"]


class RainSpell(_Spec):
    start: TimeSpec
    end: TimeSpec
    mm_h: float = Field(ge=0, le=300)


class FogSpell(_Spec):
    start: TimeSpec
    end: TimeSpec
    visibility_km: float = Field(gt=0, le=50)


class WeatherSpec(_Spec):
    """Daily ambient cycle (min/max of the day), rain spells and fog (what cameras see
    through: clear air is `visibility_km`)."""

    temp_c: Point = (24.0, 33.0)
    rh_pct: Point = (45.0, 85.0)
    pm25: Point = (25.0, 55.0)
    wind_ms: Point = (1.0, 4.0)
    rain: list[RainSpell] = []
    visibility_km: float = Field(default=20.0, gt=0, le=50)
    fog: list[FogSpell] = []


class _Place(_Spec):
    """Where an incident happens: exactly one of `point`, `grid`, `near` (a fleet kind: within
    `within_m` of one of its devices, or in a street camera's view) or `area` (a named area
    of the geometry: anywhere in it, or along a line within `within_m`)."""

    point: Point | None = None
    grid: Code | None = None
    near: str | None = None
    area: Code | None = None
    within_m: float = Field(default=25.0, ge=0)

    @model_validator(mode="after")
    def _one_place(self) -> _Place:
        given = [k for k in ("point", "grid", "near", "area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of point, grid, near or area (got {given or 'none'})"
            )
        return self


class TimelineIncident(_Place):
    kind: str
    at: TimeSpec
    duration_min: float | None = Field(default=None, gt=0)
    params: dict[str, Any] = {}


class IncidentRate(_Place):
    kind: str
    per_day: float = Field(gt=0, le=10_000)


class IncidentsSpec(_Spec):
    timeline: list[TimelineIncident] = []
    rates: list[IncidentRate] = []


FaultKind = Literal[
    "offline",
    "intermittent",
    "stuck",
    "drift",
    "spikes",
    "battery_depletion",
    "clock_skew",
    "duplicate",
    "out_of_order",
    "gateway_offline",
]


class FaultSpec(_Spec):
    """A fault on the timeline (see sim/faults.py for the kinds and their `params`): device
    faults hit `count` devices of a fleet kind; `gateway_offline` hits the gateway of `grid`."""

    kind: FaultKind
    fleet: str | None = None
    grid: Code | None = None
    count: int = Field(default=1, ge=1)
    at: TimeSpec
    duration_min: float = Field(gt=0)
    params: dict[str, Any] = {}


class FaultRate(_Spec):
    """Faults arriving at random: `per_day` of them over the run, each on `count` devices."""

    kind: FaultKind
    fleet: str | None = None
    grid: Code | None = None
    count: int = Field(default=1, ge=1)
    per_day: float = Field(gt=0, le=10_000)
    duration_min: float = Field(gt=0)
    params: dict[str, Any] = {}


class OperationSpec(_Spec):
    """An operator's command through the IOC's API at a time: to `devices`, or to every device
    of `kind` (optionally in `grid`). E.g. a lighting schedule: dim to 50 % after midnight."""

    at: TimeSpec
    action: str
    params: dict[str, str | float | bool] = {}
    devices: list[str] | None = None
    kind: str | None = None
    grid: Code | None = None


class ScoringSpec(_Spec):
    """How IOC cases are matched to ground-truth incidents."""

    match_radius_m: float = Field(default=300.0, gt=0)
    grace_min: float = Field(default=60.0, ge=0)


class EdgeSpec(_Spec):
    """What every gateway runs besides batching: its local rules."""

    local_rules: list[LocalRule] = []  # typed where the gateway runs them


TOWER_SCENES = ("forest", "farmland", "rail")  # what a tower camera's preset can look at
DEFAULT_IOC_BUNDLE = Path(__file__).resolve().parents[1] / "scenarios" / "ioc" / "default.yaml"


class IocSpec(_Spec):
    """The embedded IOC's configuration bundle (ioc.yaml), relative to the scenario file;
    without one, the project's scenarios/ioc/default.yaml."""

    config: str | None = None


class Scenario(_Spec):
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


class ScenarioError(InputFileError):
    """A scenario file that cannot run: the file and each problem's key path and message."""


def load_scenario(
    path: str | Path, *, seed: int | None = None, duration_h: float | None = None
) -> Scenario:
    """Read and fully check a scenario file. `seed` overrides the file's seed; `duration_h`
    cuts the run short (the file is still checked as written)."""
    doc = read_yaml(path, ScenarioError)
    path = doc.path
    if isinstance(doc.data, dict) and seed is not None:
        doc.data["seed"] = seed
    scenario = validate(doc, Scenario, ScenarioError, expect="a mapping of scenario keys")
    scenario._path = path.resolve()
    problems = doc.problems(_attach_files(scenario) + cross_check(scenario))
    if problems:
        raise ScenarioError(path, problems)
    if duration_h is not None:  # simulate only the first hours; later timeline items drop out
        if not 0 < duration_h <= scenario.duration_h:
            raise ScenarioError(
                path,
                [
                    (
                        "duration_h",
                        f"override {duration_h:g} h must be > 0 "
                        f"and at most the file's {scenario.duration_h:g} h",
                    )
                ],
            )
        areas = scenario.areas
        scenario = scenario.model_copy(update={"duration_h": duration_h})
        scenario._path = path.resolve()
        scenario._areas = areas
    return scenario


def _attach_files(sc: Scenario) -> list[tuple[tuple[int | str, ...], str]]:
    """Read the GeoJSON files the scenario names: grid outlines into the grids, site files
    into fleet placements, named areas into `sc.areas`."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    geo = sc.geometry
    outlines: dict[str, list[tuple[float, float]]] = {}
    if geo.grids_file:
        try:
            outlines = grid_outlines(sc.resolve_path(geo.grids_file))
        except GeoJsonError as err:
            problems.append((("geometry", "grids_file"), str(err)))
    for di, d in enumerate(sc.districts):
        for si, st in enumerate(d.streets):
            for gi, g in enumerate(st.grids):
                if g.polygon is not None:
                    continue
                loc = ("districts", di, "streets", si, "grids", gi, "polygon")
                if g.code in outlines:
                    g.polygon = outlines[g.code]
                elif geo.grids_file and outlines:
                    problems.append((loc, f"no outline for grid {g.code!r} in {geo.grids_file}"))
                elif not geo.grids_file:
                    problems.append((loc, "a polygon is needed (or geometry.grids_file)"))
    areas: dict[str, BaseGeometry] = {}
    for name, file in geo.areas.items():
        try:
            areas[name] = unary_union([g for _, g in read_features(sc.resolve_path(file))])
        except GeoJsonError as err:
            problems.append((("geometry", "areas", name), str(err)))
    sc._areas = areas
    for i, f in enumerate(sc.fleets):
        pl = f.placement
        if pl.area is not None and pl.area not in geo.areas:
            problems.append(
                (
                    ("fleets", i, "placement", "area"),
                    f"no area {pl.area!r} in geometry.areas ({sorted(geo.areas)})",
                )
            )
        if pl.points_file is not None:
            if sc.geometry.crs != "lonlat":
                problems.append(
                    (
                        ("fleets", i, "placement", "points_file"),
                        "a points file is lon/lat: use geometry crs lonlat",
                    )
                )
                continue
            try:
                pts = site_points(sc.resolve_path(pl.points_file))
            except GeoJsonError as err:
                problems.append((("fleets", i, "placement", "points_file"), str(err)))
                continue
            if len(pts) != f.count:
                problems.append(
                    (
                        ("fleets", i, "count"),
                        f"{pl.points_file} has {len(pts)} sites for count {f.count}",
                    )
                )
            pl.points = pts
    for i, f in enumerate(sc.fleets):
        by_area = f.params.get("sector_scenes")
        if by_area is not None:
            loc = ("fleets", i, "params", "sector_scenes")
            if not isinstance(by_area, dict):
                problems.append((loc, "expected a mapping {area: scene}"))
            else:
                for area, scene in by_area.items():
                    if area not in geo.areas:
                        problems.append(
                            (
                                (*loc, area),
                                f"no area {area!r} in geometry.areas ({sorted(geo.areas)})",
                            )
                        )
                    if scene not in TOWER_SCENES:
                        problems.append(
                            (
                                (*loc, area),
                                f"scene {scene!r} is not one of {', '.join(TOWER_SCENES)}",
                            )
                        )
        video = f.params.get("video")
        if (
            video is not None
            and "://" not in str(video)
            and not sc.resolve_path(str(video)).is_file()
        ):
            problems.append(
                (
                    ("fleets", i, "params", "video"),
                    f"no such video file: {sc.resolve_path(str(video))}",
                )
            )
    if not sc.ioc_config_path().is_file():
        problems.append((("ioc", "config"), f"no such file: {sc.ioc_config_path()}"))
    for section in ("timeline", "rates"):
        for i, inc in enumerate(getattr(sc.incidents, section)):
            if inc.area is not None and inc.area not in geo.areas:
                problems.append(
                    (
                        ("incidents", section, i, "area"),
                        f"no area {inc.area!r} in geometry.areas ({sorted(geo.areas)})",
                    )
                )
    return problems


def cross_check(sc: Scenario) -> list[tuple[tuple[int | str, ...], str]]:
    """References between sections, times inside the run, known kinds."""
    problems: list[tuple[tuple[int | str, ...], str]] = []
    grid_codes: set[str] = set()
    for di, d in enumerate(sc.districts):
        for si, s in enumerate(d.streets):
            for gi, g in enumerate(s.grids):
                loc = ("districts", di, "streets", si, "grids", gi, "code")
                if g.code in grid_codes:
                    problems.append((loc, f"grid code {g.code!r} is used twice"))
                grid_codes.add(g.code)
    fleet_kinds = {f.kind for f in sc.fleets}
    for i, f in enumerate(sc.fleets):
        if f.kind not in DEVICE_KINDS:
            problems.append(
                (
                    ("fleets", i, "kind"),
                    f"unknown device kind {f.kind!r}; known: {sorted(DEVICE_KINDS)}",
                )
            )
        if f.placement.grids != "all":
            for j, code in enumerate(f.placement.grids):
                if code not in grid_codes:
                    problems.append(
                        (("fleets", i, "placement", "grids", j), f"no grid with code {code!r}")
                    )
    dept_codes = [d.code for d in sc.departments]
    areas = {d.code: "district" for d in sc.districts}
    for d in sc.districts:
        areas.update({s.code: "street" for s in d.streets})
        areas.update({g.community: "community" for s in d.streets for g in s.grids if g.community})
    for i, dept in enumerate(sc.departments):
        if dept.code in dept_codes[:i]:
            problems.append(
                (("departments", i, "code"), f"department {dept.code!r} is listed twice")
            )
        if areas.get(dept.area) != dept.level:
            problems.append(
                (
                    ("departments", i, "area"),
                    f"{dept.area!r} is not a {dept.level} of this city "
                    f"({dept.level} codes: "
                    f"{sorted(a for a, lv in areas.items() if lv == dept.level)})",
                )
            )
    shift_lists = [(("departments", i, "shifts"), d.shifts) for i, d in enumerate(sc.departments)]
    shift_lists += [(("desk", "shifts"), sc.desk.shifts), (("patrol", "shifts"), sc.patrol.shifts)]
    for loc, shifts in shift_lists:
        for j, shift in enumerate(shifts):
            try:
                start, end = (clock_s(x) if x != "24:00" else 86400.0 for x in shift)
            except ValueError as err:
                problems.append(((*loc, j), str(err)))
                continue
            if start >= end:
                problems.append(((*loc, j), f"a shift must end after it starts (got {shift})"))

    def check_time(loc: tuple[int | str, ...], spec: TimeSpec) -> None:
        try:
            t = sc.offset_s(spec)
        except ValueError as err:
            problems.append((loc, str(err)))
            return
        if not 0 <= t <= sc.duration_s:
            problems.append(
                (
                    loc,
                    f"{spec!r} is outside the run (0 to {sc.duration_h:g} h "
                    f"from {sc.start.isoformat()})",
                )
            )

    def check_place(loc: tuple[int | str, ...], item: _Place) -> None:
        if item.grid is not None and item.grid not in grid_codes:
            problems.append(((*loc, "grid"), f"no grid with code {item.grid!r}"))
        if item.near is not None and item.near not in fleet_kinds:
            problems.append(
                (
                    (*loc, "near"),
                    f"no fleet of kind {item.near!r} in this scenario; "
                    f"fleets: {sorted(fleet_kinds)}",
                )
            )

    for section in ("timeline", "rates"):
        for i, inc in enumerate(getattr(sc.incidents, section)):
            loc = ("incidents", section, i)
            if inc.kind not in INCIDENT_KINDS:
                problems.append(
                    (
                        (*loc, "kind"),
                        f"unknown incident kind {inc.kind!r}; known: {sorted(INCIDENT_KINDS)}",
                    )
                )
            elif (need := INCIDENT_KINDS[inc.kind].targets) and need not in fleet_kinds:
                problems.append(
                    (
                        (*loc, "kind"),
                        f"{inc.kind} happens to a {need}: the scenario needs a fleet of {need}",
                    )
                )
            check_place(loc, inc)
            if isinstance(inc, TimelineIncident):
                check_time((*loc, "at"), inc.at)
    for i, op in enumerate(sc.operations):
        check_time(("operations", i, "at"), op.at)
        if op.devices is None and op.kind not in fleet_kinds:
            problems.append(
                (
                    ("operations", i, "kind"),
                    f"give `devices`, or a `kind` with a fleet in this scenario (got {op.kind!r})",
                )
            )
    for i, spell in enumerate(sc.weather.rain):
        check_time(("weather", "rain", i, "start"), spell.start)
        check_time(("weather", "rain", i, "end"), spell.end)
    for section in ("faults", "fault_rates"):
        for i, fault in enumerate(getattr(sc, section)):
            if isinstance(fault, FaultSpec):
                check_time((section, i, "at"), fault.at)
            if fault.kind == "gateway_offline":
                if fault.grid not in grid_codes:
                    problems.append(
                        (
                            (section, i, "grid"),
                            "gateway_offline needs the `grid` "
                            f"whose gateway fails (got {fault.grid!r})",
                        )
                    )
            elif fault.fleet not in fleet_kinds:
                problems.append(
                    (
                        (section, i, "fleet"),
                        f"no fleet of kind {fault.fleet!r}; fleets: {sorted(fleet_kinds)}",
                    )
                )
    return problems
