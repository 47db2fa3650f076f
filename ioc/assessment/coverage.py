"""Coverage geometry for checking commitments: camera/tower view-sheds over areas, corridors
and point sets, on an equal-area projection, plus the 24-hour patrol measure.

Conventions:

- Public inputs and outputs are lon/lat (WGS84, degrees) unless a name ends in `_m` (metres on
  an `AreaProjection`). Areas are reported in km², fractions in [0, 1].
- Measuring happens on a Lambert azimuthal equal-area projection centred on the area, so areas
  are right to the ellipsoid's precision; over a county (±50 km) distances and bearings are off
  by less than 0.01 %.
- A view-shed is a disc (or a sector: `azimuth_deg` clockwise from north, `width_deg` wide) of
  `radius_m` on the ground. Terrain and occlusion are not modelled: the figures are what the
  radius promises, an upper bound for a real view-shed. Discs are `CIRCLE_SEGMENTS`-gons
  inscribed in the circle, whose area is 0.04 % below πr²; the no-overlap arithmetic uses the
  exact πr².
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiPoint, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from ioc.contract import InputFileError

CIRCLE_SEGMENTS = 128  # inscribed 128-gon: area 1 - sin(2π/n)/(2π/n) ≈ 0.04 % below πr²
HOUR_MS = 3_600_000
_WGS84 = CRS.from_epsg(4326)


# --------------------------------------------------------------------------- projection


class AreaProjection:
    """A Lambert azimuthal equal-area projection centred on an area (metres, x east, y north).

    Build it from a centre (`AreaProjection(lon0, lat0)`) or from any lon/lat geometry
    (`AreaProjection.for_geometry(g)`: the centre of its bounding box).
    """

    def __init__(self, lon0: float, lat0: float):
        if not (-180 <= lon0 <= 180 and -90 <= lat0 <= 90):
            raise ValueError(f"projection centre ({lon0}, {lat0}) is not a lon/lat position")
        self.lon0, self.lat0 = float(lon0), float(lat0)
        crs = CRS.from_proj4(
            f"+proj=laea +lat_0={self.lat0} +lon_0={self.lon0} +x_0=0 +y_0=0 "
            "+datum=WGS84 +units=m +no_defs"
        )
        self._fwd = Transformer.from_crs(_WGS84, crs, always_xy=True)
        self._inv = Transformer.from_crs(crs, _WGS84, always_xy=True)

    @classmethod
    def for_geometry(cls, geom: BaseGeometry) -> AreaProjection:
        """A projection centred on the bounding box of a lon/lat geometry."""
        if geom.is_empty:
            raise ValueError("cannot centre a projection on an empty geometry")
        minx, miny, maxx, maxy = geom.bounds
        _check_lonlat_bounds(geom.bounds)
        return cls((minx + maxx) / 2, (miny + maxy) / 2)

    def xy(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        """Metric x, y of lon/lat values (scalars or arrays)."""
        x, y = self._fwd.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
        return np.asarray(x), np.asarray(y)

    def lonlat(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Lon/lat of metric x, y values (scalars or arrays)."""
        lon, lat = self._inv.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        return np.asarray(lon), np.asarray(lat)

    def to_m(self, geom: BaseGeometry) -> BaseGeometry:
        """A lon/lat geometry in metres on this projection."""
        return shapely.transform(geom, self._fwd_coords)

    def to_lonlat(self, geom: BaseGeometry) -> BaseGeometry:
        """A metric geometry back in lon/lat."""
        return shapely.transform(geom, self._inv_coords)

    def _fwd_coords(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._fwd.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inv_coords(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self._inv.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    def __repr__(self) -> str:
        return f"AreaProjection(lon0={self.lon0:.6f}, lat0={self.lat0:.6f})"


def _check_lonlat_bounds(bounds: tuple[float, float, float, float]) -> None:
    minx, miny, maxx, maxy = bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(
            f"coordinates {bounds} are not lon/lat degrees (WGS84); metric "
            "coordinates must be converted first"
        )


# --------------------------------------------------------------------------- view-sheds


@dataclass(frozen=True)
class Site:
    """A camera/tower position (lon/lat) and what it sees: a disc of `radius_m`, or a sector
    `width_deg` wide centred on `azimuth_deg` (degrees clockwise from north)."""

    lon: float
    lat: float
    radius_m: float
    azimuth_deg: float | None = None
    width_deg: float = 360.0
    id: str = ""

    def __post_init__(self) -> None:
        if not self.radius_m > 0:
            raise ValueError(f"site {self.id or (self.lon, self.lat)}: radius_m must be > 0")
        if not 0 < self.width_deg <= 360:
            raise ValueError(
                f"site {self.id or (self.lon, self.lat)}: width_deg must be in (0, 360]"
            )

    @property
    def is_disc(self) -> bool:
        return self.azimuth_deg is None or self.width_deg >= 360

    @property
    def nominal_area_m2(self) -> float:
        """Exact area it promises: π r² (× width/360° for a sector)."""
        share = 1.0 if self.is_disc else self.width_deg / 360.0
        return math.pi * self.radius_m**2 * share


def viewshed_m(
    x: float,
    y: float,
    radius_m: float,
    azimuth_deg: float | None = None,
    width_deg: float = 360.0,
    segments: int = CIRCLE_SEGMENTS,
) -> Polygon:
    """A disc or sector in projected metres around (x, y)."""
    if azimuth_deg is None or width_deg >= 360:
        theta = np.linspace(0.0, 2 * math.pi, segments, endpoint=False)
        return Polygon(
            np.column_stack([x + radius_m * np.sin(theta), y + radius_m * np.cos(theta)])
        )
    n = max(2, math.ceil(segments * width_deg / 360.0)) + 1
    theta = np.radians(np.linspace(azimuth_deg - width_deg / 2, azimuth_deg + width_deg / 2, n))
    arc = np.column_stack([x + radius_m * np.sin(theta), y + radius_m * np.cos(theta)])
    return Polygon(np.vstack([[x, y], arc]))


def viewshed(
    lon: float,
    lat: float,
    radius_m: float,
    azimuth_deg: float | None = None,
    width_deg: float = 360.0,
    projection: AreaProjection | None = None,
) -> Polygon:
    """A view-shed as a lon/lat polygon (disc, or sector when `azimuth_deg` is given).

    Built in metres on `projection` (default: one centred on the site itself) and returned in
    lon/lat; use `viewshed_m` for the metric polygon.
    """
    proj = projection or AreaProjection(lon, lat)
    x, y = proj.xy(lon, lat)
    return proj.to_lonlat(viewshed_m(float(x), float(y), radius_m, azimuth_deg, width_deg))


def site_polygons_m(sites: Sequence[Site], projection: AreaProjection) -> np.ndarray:
    """Metric view-shed polygons of many sites (an array of shapely Polygons)."""
    if not sites:
        return np.empty(0, dtype=object)
    x, y = projection.xy([s.lon for s in sites], [s.lat for s in sites])
    discs = [i for i, s in enumerate(sites) if s.is_disc]
    out = np.empty(len(sites), dtype=object)
    if discs:  # all discs at once: one (n, k, 2) coordinate array
        theta = np.linspace(0.0, 2 * math.pi, CIRCLE_SEGMENTS, endpoint=False)
        r = np.array([sites[i].radius_m for i in discs])[:, None]
        ring = np.stack(
            [x[discs][:, None] + r * np.sin(theta), y[discs][:, None] + r * np.cos(theta)], axis=-1
        )
        out[discs] = shapely.polygons(ring)
    for i, s in enumerate(sites):
        if not s.is_disc:
            out[i] = viewshed_m(float(x[i]), float(y[i]), s.radius_m, s.azimuth_deg, s.width_deg)
    return out


def _union(polys: np.ndarray) -> BaseGeometry:
    return shapely.union_all(polys) if len(polys) else Polygon()


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
    union_m = _union(polys)
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
    union_m = _union(site_polygons_m(sites, proj))
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


# --------------------------------------------------------------------------- GeoJSON


def read_geojson(path: str | Path) -> BaseGeometry:
    """The geometry of a GeoJSON file (lon/lat): a geometry, a Feature, or a
    FeatureCollection (the union of its polygonal features, else of its lines, else points).

    Raises InputFileError naming the file and what is wrong with it.
    """
    path = Path(path)
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as err:
        raise InputFileError(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    except orjson.JSONDecodeError as err:
        raise InputFileError(path, [("(json)", str(err))]) from None
    try:
        geom = geojson_geometry(data)
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        raise InputFileError(path, [("(geojson)", str(err))]) from None
    return geom


def geojson_geometry(data: Any) -> BaseGeometry:
    """A shapely geometry from parsed GeoJSON (see `read_geojson`)."""
    if not isinstance(data, dict) or "type" not in data:
        raise ValueError("expected a GeoJSON object with a `type`")
    if data["type"] == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in data.get("features", []) if f.get("geometry")]
    elif data["type"] == "Feature":
        geoms = [shape(data["geometry"])] if data.get("geometry") else []
    else:
        geoms = [shape(data)]
    geoms = [g for g in geoms if not g.is_empty]
    if not geoms:
        raise ValueError("no geometry in the file")
    for dim in (2, 1, 0):  # prefer surfaces, then lines, then points
        same = [
            g
            for g in geoms
            if g.geom_type != "GeometryCollection" and shapely.get_dimensions(g) == dim
        ]
        if same:
            geom = shapely.union_all(same) if len(same) > 1 else same[0]
            _check_lonlat_bounds(geom.bounds)
            return shapely.make_valid(geom) if dim == 2 else geom
    raise ValueError("no usable geometry (polygons, lines or points) in the file")


# --------------------------------------------------------------------------- map image

# Families that carry Chinese glyphs; the first installed one labels maps bilingually.
_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
    "Heiti SC",
)
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]+")


def cjk_font() -> str | None:
    """The family name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _CJK_FAMILIES if f in names), None)


def _label(zh: str, en: str, bilingual: bool) -> str:
    return f"{zh} {en}" if bilingual else en


def _strip_cjk(text: str) -> str:
    """Without a CJK font Chinese would render as boxes with a warning per glyph: drop it."""
    out = _CJK.sub("", text)
    out = re.sub(r"\(\s*\)|（\s*）|\[\s*\]", "", out)
    return re.sub(r"\s{2,}", " ", out).strip(" -—:·")


def save_coverage_map(
    path: str | Path,
    area: BaseGeometry,
    sites: Sequence[Site],
    radius_m: float | None = None,
    blind_spots: BaseGeometry | None = None,
    title: str = "Coverage",
    projection: AreaProjection | None = None,
) -> Path:
    """A PNG map (Agg, no display): the area, each site's view-shed, blind spots, in km on
    the equal-area projection. Labels are Chinese + English when a CJK font is installed,
    English otherwise (Chinese characters in `title` are then dropped).

    `sites` may be `Site`s or (lon, lat) pairs with `radius_m` given. Needs matplotlib.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import pyplot as plt
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MplPath

    site_list = [
        s if isinstance(s, Site) else Site(float(s[0]), float(s[1]), _need_radius(radius_m))
        for s in sites
    ]
    proj = projection or AreaProjection.for_geometry(area)
    family = cjk_font()
    bilingual = family is not None
    if not bilingual:
        title = _strip_cjk(title) or "Coverage"

    def patch(geom: BaseGeometry, **kw: Any) -> None:
        for poly_any in getattr(geom, "geoms", [geom]):
            if poly_any.is_empty or poly_any.geom_type != "Polygon":
                continue
            poly = orient(poly_any, 1.0)
            verts: list[Any] = []
            codes: list[int] = []
            for ring in [poly.exterior, *poly.interiors]:
                xy = np.asarray(ring.coords) / 1000.0
                verts += [*xy.tolist()]
                codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY]
            ax.add_patch(PathPatch(MplPath(verts, codes), **kw))
            kw.pop("label", None)  # one legend entry per layer, not per part

    rc = {"font.family": [family, "DejaVu Sans"]} if family else {}
    with plt.rc_context(rc):
        fig, ax = plt.subplots(figsize=(8, 8), dpi=110)
        area_m = shapely.make_valid(proj.to_m(area))
        patch(
            area_m,
            facecolor="#f2f2f2",
            edgecolor="#333333",
            linewidth=1.2,
            label=_label("区域", "area", bilingual),
        )
        polys = site_polygons_m(site_list, proj)
        union_m = _union(polys)
        patch(
            union_m.intersection(area_m),
            facecolor="#7fb3d5",
            alpha=0.55,
            edgecolor="none",
            label=_label("覆盖", "covered", bilingual),
        )
        for poly in polys:
            patch(poly, facecolor="none", edgecolor="#2e86c1", linewidth=0.4, alpha=0.6)
        blind_m = proj.to_m(blind_spots) if blind_spots is not None else area_m.difference(union_m)
        if not blind_m.is_empty:
            patch(
                blind_m,
                facecolor="#e74c3c",
                alpha=0.75,
                edgecolor="none",
                label=_label("盲区", "blind spots", bilingual),
            )
        if site_list:
            x, y = proj.xy([s.lon for s in site_list], [s.lat for s in site_list])
            ax.plot(
                x / 1000,
                y / 1000,
                "k^",
                markersize=3,
                label=_label("站点", "sites", bilingual) + f" ({len(site_list)})",
            )
        ax.set_aspect("equal")
        ax.autoscale_view()
        ax.set_xlabel(_label("东向", "east", bilingual) + " (km)")
        ax.set_ylabel(_label("北向", "north", bilingual) + " (km)")
        ax.set_title(title)
        ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=4, fontsize=8, frameon=False
        )
        ax.grid(True, linewidth=0.3)
        out = Path(path)
        fig.savefig(out, format="png", bbox_inches="tight")
        plt.close(fig)
    return out


def _need_radius(radius_m: float | None) -> float:
    if radius_m is None:
        raise ValueError("sites given as (lon, lat) need radius_m")
    return radius_m
