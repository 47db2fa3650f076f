"""Coverage measures for checking commitments: what camera and tower view-sheds cover of an
area, a corridor or a set of points, the no-overlap arithmetic that bounds it (and a count a
task book states), and the 24-hour patrol of tower cameras. Geometry (projection, view-sheds,
GeoJSON) is in `ioc.assessment.geometry`; the conventions are stated there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from ioc.assessment.geometry import AreaProjection, Site, site_polygons_m, union

HOUR_MS = 3_600_000


def _overlap_m(polys: np.ndarray) -> BaseGeometry:
    """Where two or more polygons overlap: the union of pairwise intersections."""
    if len(polys) < 2:
        return Polygon()
    tree = shapely.STRtree(polys)
    i, j = tree.query(polys, predicate="intersects")
    keep = i < j
    if not keep.any():
        return Polygon()
    return shapely.union_all(shapely.intersection(polys[i[keep]], polys[j[keep]]))


# --------------------------------------------------------------------------- arithmetic


def fmt_km2(value_km2: float) -> str:
    """'1 639.9' (a space between thousands, one decimal)."""
    return f"{value_km2:,.1f}".replace(",", " ")


def no_overlap_arithmetic(
    sites: Sequence[Site], area_km2: float, area_label: str = "area"
) -> tuple[float, str]:
    """(upper bound fraction, the sum that shows it): the sites' view-sheds, even if none
    overlapped, cover at most Σ site areas / area.

    e.g. "58 × π × 3.0² km² = 1 639.9 km² < 1 998.0 km² county area → at most 82.1 % even
    with no overlap".
    """
    total_km2 = sum(s.nominal_area_m2 for s in sites) / 1e6
    bound = min(1.0, total_km2 / area_km2) if area_km2 > 0 else 0.0
    n = len(sites)
    if n == 0:
        return 0.0, f"0 sites cover 0 km² of the {fmt_km2(area_km2)} km² {area_label} → 0 %"
    radii = {s.radius_m for s in sites}
    widths = {360.0 if s.is_disc else s.width_deg for s in sites}
    if len(radii) == 1 and len(widths) == 1:
        r_km = next(iter(radii)) / 1000
        w = next(iter(widths))
        share = "" if w >= 360 else f"({w:g}°/360°) × "
        lhs = f"{n} × {share}π × {r_km:.1f}² km²"
    else:
        lo, hi = min(radii) / 1000, max(radii) / 1000
        lhs = f"Σ π r² over {n} sites (r {lo:.1f}–{hi:.1f} km)"
    head = f"{lhs} = {fmt_km2(total_km2)} km²"
    if total_km2 < area_km2:
        return bound, (
            f"{head} < {fmt_km2(area_km2)} km² {area_label} → at most "
            f"{100 * bound:.1f} % even with no overlap"
        )
    return bound, (
        f"{head} ≥ {fmt_km2(area_km2)} km² {area_label} → full coverage is not "
        "ruled out by area alone"
    )


def stated_arithmetic(
    count: int, radius_m: float, area_km2: float, area_label: str = "area"
) -> tuple[float, str]:
    """The no-overlap bound of a stated count of disc sites of one radius."""
    dummy = [Site(0.0, 0.0, radius_m)] * count
    return no_overlap_arithmetic(dummy, area_km2, area_label)


# --------------------------------------------------------------------------- area coverage


@dataclass
class AreaCoverage:
    """How much of an area the sites' view-sheds cover (exact polygon geometry).

    `covered`, `overlap` and `blind_spots` are lon/lat geometries clipped to the area;
    `overlap_km2` is the part covered by two or more sites.
    """

    area_km2: float
    covered_km2: float
    fraction: float
    overlap_km2: float
    blind_km2: float
    sites: int
    site_area_km2: float  # Σ nominal view-shed areas (π r² each), unclipped
    upper_bound_fraction: float
    arithmetic: str
    covered: BaseGeometry = field(repr=False)
    overlap: BaseGeometry = field(repr=False)
    blind_spots: BaseGeometry = field(repr=False)

    def to_dict(self, geometry: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "area_km2": round(self.area_km2, 4),
            "covered_km2": round(self.covered_km2, 4),
            "fraction": round(self.fraction, 6),
            "overlap_km2": round(self.overlap_km2, 4),
            "blind_km2": round(self.blind_km2, 4),
            "sites": self.sites,
            "site_area_km2": round(self.site_area_km2, 4),
            "upper_bound_fraction": round(self.upper_bound_fraction, 6),
            "arithmetic": self.arithmetic,
            "blind_spot_parts": _parts(self.blind_spots),
        }
        if geometry:
            out["blind_spots"] = mapping(self.blind_spots)
            out["covered"] = mapping(self.covered)
        return out


def _parts(geom: BaseGeometry) -> int:
    if geom.is_empty:
        return 0
    return len(getattr(geom, "geoms", [geom]))


def coverage_of_area(
    area: BaseGeometry,
    sites: Sequence[Site],
    projection: AreaProjection | None = None,
    area_label: str = "area",
) -> AreaCoverage:
    """Coverage of a lon/lat (Multi)Polygon by the sites' view-sheds."""
    proj = projection or AreaProjection.for_geometry(area)
    area_m = shapely.make_valid(proj.to_m(area))
    a_m2 = area_m.area
    if a_m2 <= 0:
        raise ValueError("the area has no surface (a polygon is needed, not a line or points)")
    polys = site_polygons_m(sites, proj)
    union_m = union(polys)
    covered_m = area_m.intersection(union_m)
    overlap_m = area_m.intersection(_overlap_m(polys))
    blind_m = area_m.difference(union_m)
    a_km2 = a_m2 / 1e6
    bound, text = no_overlap_arithmetic(sites, a_km2, area_label)
    return AreaCoverage(
        area_km2=a_km2,
        covered_km2=covered_m.area / 1e6,
        fraction=covered_m.area / a_m2,
        overlap_km2=overlap_m.area / 1e6,
        blind_km2=blind_m.area / 1e6,
        sites=len(sites),
        site_area_km2=sum(s.nominal_area_m2 for s in sites) / 1e6,
        upper_bound_fraction=bound,
        arithmetic=text,
        covered=proj.to_lonlat(covered_m),
        overlap=proj.to_lonlat(overlap_m),
        blind_spots=proj.to_lonlat(blind_m),
    )


# --------------------------------------------------------------------------- corridors


@dataclass
class CorridorCoverage:
    """Coverage of a corridor: a line (rail, road, river) ± `half_width_m`.

    `area_fraction` is the covered share of the corridor's surface, `length_fraction` the
    covered share of the centre line; `uncovered` is the uncovered centre line (lon/lat).
    """

    length_km: float
    half_width_m: float
    corridor_km2: float
    covered_km2: float
    area_fraction: float
    covered_length_km: float
    length_fraction: float
    sites: int
    uncovered: BaseGeometry = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "length_km": round(self.length_km, 4),
            "half_width_m": self.half_width_m,
            "corridor_km2": round(self.corridor_km2, 4),
            "covered_km2": round(self.covered_km2, 4),
            "area_fraction": round(self.area_fraction, 6),
            "covered_length_km": round(self.covered_length_km, 4),
            "length_fraction": round(self.length_fraction, 6),
            "sites": self.sites,
            "uncovered_stretches": _parts(self.uncovered),
        }


def coverage_of_corridor(
    line: BaseGeometry,
    half_width_m: float,
    sites: Sequence[Site],
    projection: AreaProjection | None = None,
) -> CorridorCoverage:
    """Coverage of a lon/lat (Multi)LineString ± `half_width_m` (flat ends)."""
    if not half_width_m > 0:
        raise ValueError("half_width_m must be > 0")
    proj = projection or AreaProjection.for_geometry(line)
    line_m = proj.to_m(line)
    if line_m.length <= 0:
        raise ValueError("the corridor's line has no length")
    corridor_m = line_m.buffer(half_width_m, quad_segs=32, cap_style="flat")
    union_m = union(site_polygons_m(sites, proj))
    covered = corridor_m.intersection(union_m).area
    on_line = line_m.intersection(union_m).length
    return CorridorCoverage(
        length_km=line_m.length / 1000,
        half_width_m=half_width_m,
        corridor_km2=corridor_m.area / 1e6,
        covered_km2=covered / 1e6,
        area_fraction=covered / corridor_m.area,
        covered_length_km=on_line / 1000,
        length_fraction=on_line / line_m.length,
        sites=len(sites),
        uncovered=proj.to_lonlat(line_m.difference(union_m)),
    )


# --------------------------------------------------------------------------- point sets


@dataclass
class PointCoverage:
    """Which of a set of named points (pumping stations, schools …) some site reaches."""

    total: int
    covered: int
    fraction: float | None  # None when there are no points
    uncovered_ids: list[str]
    covered_by: dict[str, list[str]]  # point id -> ids of the sites that reach it

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "covered": self.covered,
            "fraction": None if self.fraction is None else round(self.fraction, 6),
            "uncovered_ids": self.uncovered_ids,
        }


def coverage_of_points(
    points: Mapping[str, tuple[float, float]],
    sites: Sequence[Site],
    projection: AreaProjection | None = None,
) -> PointCoverage:
    """Points (id -> (lon, lat)) within reach of any site: distance ≤ radius and, for a
    sector, bearing inside it. Exact (no polygon approximation)."""
    ids = list(points)
    if not ids:
        return PointCoverage(0, 0, None, [], {})
    lon = np.array([points[i][0] for i in ids], dtype=float)
    lat = np.array([points[i][1] for i in ids], dtype=float)
    if projection is None:
        all_lon = np.concatenate([lon, [s.lon for s in sites]])
        all_lat = np.concatenate([lat, [s.lat for s in sites]])
        projection = AreaProjection.for_geometry(MultiPoint(np.column_stack([all_lon, all_lat])))
    px, py = projection.xy(lon, lat)
    by: dict[str, list[str]] = {i: [] for i in ids}
    hit = np.zeros(len(ids), dtype=bool)
    if sites:
        sx, sy = projection.xy([s.lon for s in sites], [s.lat for s in sites])
        for k, s in enumerate(sites):
            dx, dy = px - sx[k], py - sy[k]
            reach = np.hypot(dx, dy) <= s.radius_m * (1 + 1e-9)
            if not s.is_disc:
                bearing = np.degrees(np.arctan2(dx, dy))
                off = (bearing - float(s.azimuth_deg or 0.0) + 180.0) % 360.0 - 180.0
                reach &= (np.abs(off) <= s.width_deg / 2 + 1e-9) | (np.hypot(dx, dy) < 1e-6)
            for j in np.flatnonzero(reach):
                by[ids[j]].append(s.id or str(k))
            hit |= reach
    uncovered = [ids[j] for j in np.flatnonzero(~hit)]
    return PointCoverage(
        len(ids), int(hit.sum()), float(hit.mean()), uncovered, {i: v for i, v in by.items() if v}
    )


# --------------------------------------------------------------------------- 24-hour patrol


@dataclass(frozen=True)
class Sweep:
    """One tower's patrol in one hour.

    `hour` is an integer hour label: whole hours since the Unix epoch (`ts_ms // 3_600_000`)
    in data from a run, or any numbering (e.g. 0–23) as long as the records and the `hours`
    asked about use the same one. `swept_fraction` is the share of the tower's sector its
    PTZ tour covered in that hour (1.0 = a full sweep). Several records of one tower and hour
    count as their best one: partial tours may overlap, so adding them up could overstate.
    """

    tower_id: str
    hour: int
    swept_fraction: float = 1.0


def sweeps_from_timestamps(tower_id: str, timestamps_ms: Iterable[int]) -> list[Sweep]:
    """Sweeps from the times (epoch ms) a tower completed a full sweep of its sector."""
    hours = sorted({int(ts) // HOUR_MS for ts in timestamps_ms})
    return [Sweep(tower_id, h, 1.0) for h in hours]


@dataclass
class PatrolCoverage:
    """Per tower, the fraction of the asked hours in which it swept (at least `min_swept`
    of) its sector; `min_fraction`/`mean_fraction` over towers (None without towers)."""

    hours: int
    min_swept: float
    per_tower: dict[str, float]
    missed_hours: dict[str, list[int]]
    min_fraction: float | None
    mean_fraction: float | None

    def to_dict(self) -> dict[str, Any]:
        worst = sorted(self.per_tower.items(), key=lambda kv: (kv[1], kv[0]))[:10]
        return {
            "hours": self.hours,
            "min_swept": self.min_swept,
            "towers": len(self.per_tower),
            "min_fraction": self.min_fraction,
            "mean_fraction": self.mean_fraction,
            "worst": dict(worst),
        }


def patrol_coverage(
    sweeps: Iterable[Sweep],
    towers: Iterable[str] | None = None,
    hours: int | Iterable[int] = 24,
    min_swept: float = 1.0,
) -> PatrolCoverage:
    """Fraction of `hours` (an int n means hours 0..n-1) each tower swept its sector.

    `towers` lists the towers that should patrol (one with no record scores 0); without it
    the towers are those that appear in `sweeps`.
    """
    wanted = list(range(hours)) if isinstance(hours, int) else sorted(set(hours))
    if not wanted:
        raise ValueError("no hours to evaluate")
    if not 0 < min_swept <= 1:
        raise ValueError("min_swept must be in (0, 1]")
    hour_set = set(wanted)
    best: dict[str, dict[int, float]] = {}
    for s in sweeps:
        if s.hour in hour_set:
            per = best.setdefault(s.tower_id, {})
            per[s.hour] = max(per.get(s.hour, 0.0), s.swept_fraction)
    ids = sorted(set(towers)) if towers is not None else sorted(best)
    per_tower: dict[str, float] = {}
    missed: dict[str, list[int]] = {}
    for t in ids:
        done = best.get(t, {})
        ok = [h for h in wanted if done.get(h, 0.0) >= min_swept - 1e-9]
        per_tower[t] = len(ok) / len(wanted)
        gone = [h for h in wanted if done.get(h, 0.0) < min_swept - 1e-9]
        if gone:
            missed[t] = gone
    values = list(per_tower.values())
    return PatrolCoverage(
        len(wanted),
        min_swept,
        per_tower,
        missed,
        min(values) if values else None,
        sum(values) / len(values) if values else None,
    )
