"""What the pilot packs' geometry scripts share: drawing frames (metres or km on the ground
to lon/lat), GeoJSON features and a stable, diff-friendly file layout, and a few shapes."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely import affinity
from shapely.geometry import Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

Feature = dict[str, Any]
M_PER_DEG_LAT = 111_320.0


def feature(geometry: dict[str, Any], **props: Any) -> Feature:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(coords: list[list[float]], **props: Any) -> Feature:
    return feature({"type": "Polygon", "coordinates": [coords]}, **props)


def writer(folder: Path) -> Callable[[str, list[Feature]], None]:
    """write(name, features): a FeatureCollection file in `folder`."""
    return lambda name, features: write_collection(folder / name, features)


def write_collection(path: Path, features: list[Feature]) -> None:
    """A FeatureCollection, one feature per line: stable, diff-friendly output."""
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    text = '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n"
    path.write_text(text, encoding="utf-8")


class LocalMetres:
    """Metres east/north of an origin, to lon/lat by a local equirectangular approximation
    (fine over a few km), rounded to 1e-6 degrees (~0.1 m)."""

    def __init__(self, lon0: float, lat0: float):
        self.lon0, self.lat0 = lon0, lat0

    def lonlat(self, x_m: float, y_m: float) -> list[float]:
        lat = self.lat0 + y_m / M_PER_DEG_LAT
        lon = self.lon0 + x_m / (M_PER_DEG_LAT * math.cos(math.radians(self.lat0)))
        return [round(lon, 6), round(lat, 6)]

    def ring(self, corners: list[tuple[float, float]]) -> list[list[float]]:
        """A closed lon/lat ring from corners in metres (counter-clockwise)."""
        pts = [self.lonlat(x, y) for x, y in corners]
        return [*pts, pts[0]]

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
        return self.ring([(x0, y0), (x1, y0), (x1, y1), (x0, y1)])


class EqualAreaKm:
    """Shapes drawn in km on a Lambert azimuthal equal-area projection centred on (lon0,
    lat0), the projection the commitments checker measures areas on."""

    def __init__(self, lon0: float, lat0: float):
        laea = CRS.from_proj4(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m")
        self._to_lonlat = Transformer.from_crs(laea, CRS.from_epsg(4326), always_xy=True)

    def lonlat_km(self, x_km: float, y_km: float) -> tuple[float, float]:
        return self._to_lonlat.transform(x_km * 1000.0, y_km * 1000.0)

    def geometry(self, g_km: BaseGeometry) -> dict[str, Any]:
        """GeoJSON geometry (lon/lat, 6 decimals) of a geometry drawn in km."""

        def fwd(xy: np.ndarray) -> np.ndarray:
            lon, lat = self._to_lonlat.transform(xy[:, 0] * 1000.0, xy[:, 1] * 1000.0)
            return np.column_stack([lon, lat])

        g = shapely.transform(g_km, fwd)
        return json.loads(json.dumps(mapping(g)), parse_float=lambda s: round(float(s), 6))

    def feature(self, g_km: BaseGeometry, **props: Any) -> Feature:
        return feature(self.geometry(g_km), **props)


def scaled(points: list[tuple[float, float]], area_km2: float) -> Polygon:
    """The polygon through `points`, scaled about the origin to `area_km2`."""
    raw = Polygon(points)
    k = math.sqrt(area_km2 / raw.area)
    return affinity.scale(raw, k, k, origin=(0, 0))


def hex_sites(
    region: BaseGeometry, spacing: float, origin: tuple[float, float] = (0.0, 0.0)
) -> list[Point]:
    """Hexagonal lattice points through `origin` (rows spacing·√3/2 apart) inside `region`."""
    minx, miny, maxx, maxy = region.bounds
    dy = spacing * math.sqrt(3) / 2
    out = []
    for row in range(
        math.floor((miny - origin[1]) / dy) - 1, math.ceil((maxy - origin[1]) / dy) + 2
    ):
        shift = spacing / 2 if row % 2 else 0.0
        for col in range(
            math.floor((minx - origin[0]) / spacing) - 1,
            math.ceil((maxx - origin[0]) / spacing) + 2,
        ):
            p = Point(origin[0] + col * spacing + shift, origin[1] + row * dy)
            if region.contains(p):
                out.append(p)
    return out
