"""Coverage metrics: what the view-sheds of cameras and towers cover of an area, a corridor or
a set of points, and whether towers patrol their sectors around the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ioc.assessment.commitments.areas import Area, select
from ioc.assessment.commitments.data import HOUR_MS, Device, EvaluationData, TimeWindow
from ioc.assessment.commitments.params import (
    CoverageAreaParams,
    CoverageCorridorParams,
    CoveragePointsParams,
    PatrolParams,
    SiteParams,
)
from ioc.assessment.commitments.results import (
    Evaluation,
    Goal,
    judge,
    kinds_text,
    not_evaluable,
    pct,
    with_note,
)
from ioc.assessment.coverage import (
    coverage_of_area,
    coverage_of_corridor,
    coverage_of_points,
    patrol_coverage,
    stated_arithmetic,
)
from ioc.assessment.geometry import Site


def view_sheds(devices: Sequence[Device], p: SiteParams) -> tuple[list[Site], list[str]]:
    """View-sheds of the devices, and the ids of those without a radius."""
    sites, missing = [], []
    for d in devices:
        r = d.attrs.get(p.radius_attr) or p.radius_m
        if not r or r <= 0:
            missing.append(d.device_id)
            continue
        az = d.attrs.get(p.azimuth_attr)
        width = float(d.attrs.get(p.width_attr, 360.0)) if az is not None else 360.0
        sites.append(
            Site(
                d.lon,
                d.lat,
                float(r),
                None if az is None else float(az),
                min(max(width, 1e-6), 360.0),
                id=d.device_id,
            )
        )
    return sites, missing


def viewshed_sites(devices: Sequence[Device], p: SiteParams) -> tuple[list[Site], list[str]]:
    """The view-sheds of the devices of `p.kinds` as the coverage metrics see them (a site
    outside the scope may still see into it), and the ids of devices without a radius."""
    return view_sheds(select(devices, p.kinds, None), p)


def no_radius(missing: list[str], p: SiteParams) -> Evaluation:
    return not_evaluable(
        f"{len(missing)} device(s) have no attrs[{p.radius_attr!r}] and "
        f"params.radius_m is not set (e.g. {', '.join(missing[:5])})",
        {"without_radius": missing[:50], "without_radius_count": len(missing)},
    )


def coverage_area(
    goal: Goal,
    p: CoverageAreaParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of the scope polygon within the view-sheds of the devices of `kinds`.

    With `stated_count` the quote is also judged as written (that many discs of `radius_m`):
    without a registry that alone can fail it; with one, the sites built are measured and
    the as-written arithmetic is added to the reason (a city may build more than it said).
    A fleet whose no-overlap bound is below the target fails with its arithmetic.
    """
    if scope is None or scope.kind != "polygon":
        return not_evaluable("coverage_area needs a polygon area as its scope")
    label = f"{scope.name} area"
    area_km2 = coverage_of_area(scope.geometry, [], area_label=label).area_km2
    evidence: dict[str, Any] = {
        "scope": scope.name,
        "area_km2": round(area_km2, 4),
        "kinds": p.kinds,
    }
    as_written = None
    if p.stated_count is not None and p.radius_m is not None:
        bound, text = stated_arithmetic(p.stated_count, p.radius_m, area_km2, label)
        evidence["as_written"] = {
            "count": p.stated_count,
            "radius_m": p.radius_m,
            "upper_bound_pct": pct(bound),
            "arithmetic": text,
        }
        if goal.unreachable_below(pct(bound)):
            as_written = f"impossible as written: {text}, below the target {goal.text()}"
    if data.devices is None:
        if as_written:
            return Evaluation(None, "fail", evidence, as_written)
        return not_evaluable("no device registry in the data (devices)", evidence)
    sites, missing = view_sheds(select(data.devices, p.kinds, None), p)
    if missing:
        return no_radius(missing, p)
    cov = coverage_of_area(scope.geometry, sites, area_label=label)
    value = pct(cov.fraction)
    evidence.update(cov.to_dict())
    measured = f"{len(sites)} site(s) of {kinds_text(p.kinds)} cover {value:g} % of {scope.name}"
    if goal.unreachable_below(pct(cov.upper_bound_fraction)):
        res = Evaluation(
            value,
            "fail",
            evidence,
            f"impossible with these sites: {cov.arithmetic}, below the target "
            f"{goal.text()}; measured: {measured}",
        )
        if as_written and evidence["as_written"]["arithmetic"] == cov.arithmetic:
            as_written = None  # the sites are the stated count and radius: said once
    else:
        res = judge(goal, value, evidence, measured)
    return with_note(res, as_written)


def coverage_corridor(
    goal: Goal,
    p: CoverageCorridorParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of a corridor (the scope line ± half-width) covered, by area or by length."""
    if scope is None or scope.kind != "line":
        return not_evaluable("coverage_corridor needs a line area as its scope")
    half = p.half_width_m or scope.buffer_m
    if not half:
        return not_evaluable(
            f"no corridor half-width: set params.half_width_m or areas.{scope.name}.buffer_m"
        )
    if data.devices is None:
        return not_evaluable("no device registry in the data (devices)")
    sites, missing = view_sheds(select(data.devices, p.kinds, None), p)
    if missing:
        return no_radius(missing, p)
    cov = coverage_of_corridor(scope.geometry, half, sites)
    frac = cov.area_fraction if p.measure == "area" else cov.length_fraction
    value = pct(frac)
    evidence = {"scope": scope.name, "measure": p.measure, "kinds": p.kinds, **cov.to_dict()}
    return judge(
        goal,
        value,
        evidence,
        f"{len(sites)} site(s) cover {value:g} % of the {scope.name} corridor's "
        f"{p.measure} (±{half:g} m, {cov.length_km:.1f} km)",
    )


def coverage_points(
    goal: Goal,
    p: CoveragePointsParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of points within reach of a site: the scope's named points, or the devices of
    `point_kinds` (inside the scope if one is given)."""
    if p.point_kinds is None:
        if scope is None or scope.kind != "points":
            return not_evaluable(
                "coverage_points needs params.point_kinds or a points area as its scope"
            )
        points = dict(scope.points)
    else:
        if data.devices is None:
            return not_evaluable("no device registry in the data (devices)")
        targets = select(data.devices, p.point_kinds, scope)
        points = {d.device_id: (d.lon, d.lat) for d in targets}
    if not points:
        return not_evaluable(f"no points to cover ({kinds_text(p.point_kinds)})")
    if data.devices is None:
        return not_evaluable("no device registry in the data (devices)")
    sites, missing = view_sheds(select(data.devices, p.kinds, None), p)
    if missing:
        return no_radius(missing, p)
    cov = coverage_of_points(points, sites)
    value = pct(cov.fraction or 0.0)
    evidence = {
        "scope": scope.name if scope else None,
        "kinds": p.kinds,
        "point_kinds": p.point_kinds,
        **cov.to_dict(),
    }
    evidence["uncovered_ids"] = cov.uncovered_ids[:50]
    why = f"{cov.covered} of {cov.total} point(s) within reach of {len(sites)} site(s)"
    if cov.uncovered_ids:
        more = " …" if len(cov.uncovered_ids) > 5 else ""
        why += f" (not: {', '.join(cov.uncovered_ids[:5])}{more})"
    return judge(goal, value, evidence, why)


def patrol_24h(
    goal: Goal,
    p: PatrolParams,
    data: EvaluationData,
    scope: Area | None,
    window: tuple[TimeWindow | None, str | None],
) -> Evaluation:
    """% of the window's whole hours in which each tower swept its sector; the value is the
    `min` (every tower must patrol) or `mean` over towers."""
    span, note = window
    if data.sweeps is None:
        return not_evaluable("no patrol records in the data (sweeps)")
    if span is None:
        return not_evaluable(note or "no window")
    start, end = span
    hours = range(-(-start // HOUR_MS), end // HOUR_MS)
    if len(hours) == 0:
        return not_evaluable("the window holds no whole hour")
    caveat = None
    if data.devices is not None:
        towers = [d.device_id for d in select(data.devices, p.kinds, scope)]
        if not towers:
            return not_evaluable(f"no devices of {kinds_text(p.kinds)} in scope")
    else:  # without a registry a tower that never patrolled cannot be seen
        towers = sorted({s.tower_id for s in data.sweeps})
        caveat = "towers taken from the patrol records (no registry): silent towers unseen"
        if not towers:
            return not_evaluable("no patrol records and no registry")
    pc = patrol_coverage(data.sweeps, towers, hours, p.min_swept)
    frac = pc.min_fraction if p.aggregate == "min" else pc.mean_fraction
    value = pct(frac or 0.0)
    evidence = {
        **pc.to_dict(),
        "aggregate": p.aggregate,
        "kinds": p.kinds,
        "missed_hours": {k: len(v) for k, v in sorted(pc.missed_hours.items())[:50]},
    }
    res = judge(
        goal,
        value,
        evidence,
        f"{p.aggregate} over {len(towers)} tower(s) of the share of {len(hours)} hour(s) swept",
    )
    return with_note(with_note(res, note), caveat)
