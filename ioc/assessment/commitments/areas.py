"""Named areas of a commitments file resolved to geometries (lon/lat): polygons, corridors
(a line and its half-width) and named points; and which devices lie in one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from ioc.assessment.commitments.data import Device
from ioc.assessment.commitments.spec import AreaSpec
from ioc.assessment.geometry import AreaProjection, geojson_geometry


@dataclass(frozen=True)
class Area:
    """A resolved named geometry (lon/lat): a polygon, a line (a corridor with `buffer_m`)
    or named points."""

    name: str
    kind: Literal["polygon", "line", "points"]
    geometry: BaseGeometry
    buffer_m: float | None = None
    points: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    name_zh: str | None = None

    def contains(self, lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
        """Which positions lie in the area (a line: within `buffer_m` of it)."""
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if len(x) == 0:
            return np.zeros(0, dtype=bool)
        if self.kind == "polygon":
            return shapely.intersects_xy(self.geometry, x, y)
        if self.kind == "line" and self.buffer_m:
            proj = AreaProjection.for_geometry(self.geometry)
            line_m = proj.to_m(self.geometry)
            px, py = proj.xy(x, y)
            return shapely.distance(line_m, shapely.points(px, py)) <= self.buffer_m
        raise ValueError(f"area {self.name!r} ({self.kind}) cannot hold devices")


def area_from_spec(name: str, spec: AreaSpec, base: Path) -> tuple[Area | None, list[str]]:
    """The area, or None and the problems (messages for `areas.<name>...`)."""
    if spec.polygon is not None:
        poly = Polygon(spec.polygon)
        if not poly.is_valid:
            return None, [f"polygon: not a valid ring ({shapely.is_valid_reason(poly)})"]
        if poly.area == 0:
            return None, ["polygon: the ring encloses no area"]
        return Area(name, "polygon", poly, name_zh=spec.name_zh), []
    if spec.line is not None:
        return Area(name, "line", LineString(spec.line), spec.buffer_m, name_zh=spec.name_zh), []
    if spec.lines is not None:
        return Area(
            name, "line", MultiLineString(spec.lines), spec.buffer_m, name_zh=spec.name_zh
        ), []
    if spec.points is not None:
        pts = {k: (float(v[0]), float(v[1])) for k, v in spec.points.items()}
        return Area(
            name, "points", MultiPoint(list(pts.values())), points=pts, name_zh=spec.name_zh
        ), []
    path = (base / str(spec.file)).resolve()
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as err:
        return None, [f"file: cannot read {path}: {err.strerror}"]
    except orjson.JSONDecodeError as err:
        return None, [f"file: {path} is not JSON: {err}"]
    points = _geojson_points(data)
    if points:
        if spec.buffer_m is not None:
            return None, ["buffer_m: the file holds points; buffer_m is for lines"]
        return Area(
            name, "points", MultiPoint(list(points.values())), points=points, name_zh=spec.name_zh
        ), []
    try:
        geom = geojson_geometry(data)
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        return None, [f"file: {path}: {err}"]
    dim = shapely.get_dimensions(geom)
    if dim == 2:
        if spec.buffer_m is not None:
            return None, ["buffer_m: the file holds polygons; buffer_m is for lines"]
        return Area(name, "polygon", geom, name_zh=spec.name_zh), []
    if dim == 1:
        return Area(name, "line", geom, spec.buffer_m, name_zh=spec.name_zh), []
    return None, [f"file: {path}: no polygon or line in it"]


def _geojson_points(data: Any) -> dict[str, tuple[float, float]]:
    """Named points of a FeatureCollection of Point features (ids from the feature id or
    its `id`/`name` property, else its position in the file); {} if it holds anything else."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return {}
    feats = data.get("features") or []
    if not feats or any((f.get("geometry") or {}).get("type") != "Point" for f in feats):
        return {}
    out = {}
    for k, f in enumerate(feats):
        props = f.get("properties") or {}
        key = str(f.get("id") or props.get("id") or props.get("name") or k + 1)
        lon, lat = f["geometry"]["coordinates"][:2]
        out[key] = (float(lon), float(lat))
    return out


def select(
    devices: Sequence[Device], kinds: Sequence[str] | None, scope: Area | None
) -> list[Device]:
    chosen = [d for d in devices if kinds is None or d.kind in kinds]
    if scope is not None and chosen:
        inside = scope.contains([d.lon for d in chosen], [d.lat for d in chosen])
        chosen = [d for d, ok in zip(chosen, inside, strict=True) if ok]
    return chosen
