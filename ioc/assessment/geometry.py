"""Geometry for the coverage measures: an equal-area projection centred on an area, camera
and tower view-sheds on it, and GeoJSON areas.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import Polygon, shape
from shapely.geometry.base import BaseGeometry

from ioc.contract import InputFileError

CIRCLE_SEGMENTS = 128  # inscribed 128-gon: area 1 - sin(2π/n)/(2π/n) ≈ 0.04 % below πr²
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


def union(polys: np.ndarray) -> BaseGeometry:
    return shapely.union_all(polys) if len(polys) else Polygon()


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
