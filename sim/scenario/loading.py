"""Reading a scenario file (YAML): `load_scenario` validates the whole file before anything
runs. Every problem is reported with the file, the key path inside it (e.g.
`fleets[2].interval_s`), its line and what was expected. After the models' own checks come
the GeoJSON files the scenario names and the references between its sections.
"""

from __future__ import annotations

from pathlib import Path

from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from devices import KINDS as DEVICE_KINDS
from devices.schedule import clock_s
from ioc.contract import InputFileError, read_yaml, validate
from sim.scenario.base import TimeSpec
from sim.scenario.fleets import TOWER_SCENES
from sim.scenario.geojson import GeoJsonError, grid_outlines, read_features, site_points
from sim.scenario.incident_kinds import INCIDENT_KINDS
from sim.scenario.model import Scenario
from sim.scenario.timeline import FaultSpec, Place, TimelineIncident


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

    def check_place(loc: tuple[int | str, ...], item: Place) -> None:
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
