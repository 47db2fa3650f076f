"""GeoJSON files a scenario refers to (lon/lat): grid outlines, named areas (forest,
farmland, a railway line), and device sites. A pilot pack's scenario and its commitments file
read the same files, so the city that runs is the city that is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry


class GeoJsonError(ValueError):
    """A GeoJSON file that cannot be used: says which file and what is wrong."""


def read_features(path: Path) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """(properties, geometry) of each feature of a FeatureCollection, Feature or geometry."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as err:
        raise GeoJsonError(f"{path}: cannot read: {err.strerror}") from None
    except orjson.JSONDecodeError as err:
        raise GeoJsonError(f"{path}: not JSON: {err}") from None
    if not isinstance(data, dict) or "type" not in data:
        raise GeoJsonError(f"{path}: expected a GeoJSON object with a `type`")
    if data["type"] == "FeatureCollection":
        raw = data.get("features") or []
    elif data["type"] == "Feature":
        raw = [data]
    else:
        raw = [{"type": "Feature", "properties": {}, "geometry": data}]
    out = []
    for i, feature in enumerate(raw):
        try:
            geom = shape(feature["geometry"])
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise GeoJsonError(f"{path}: feature {i}: bad geometry ({err})") from None
        if geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise GeoJsonError(f"{path}: feature {i}: coordinates are not lon/lat degrees")
        out.append((dict(feature.get("properties") or {}), geom))
    if not out:
        raise GeoJsonError(f"{path}: no features with a geometry")
    return out


def grid_outlines(path: Path) -> dict[str, list[tuple[float, float]]]:
    """Grid code (`properties.code`) -> outer ring, from Polygon features."""
    out: dict[str, list[tuple[float, float]]] = {}
    for i, (props, geom) in enumerate(read_features(path)):
        code = props.get("code")
        if code is None or geom.geom_type != "Polygon":
            continue
        if code in out:
            raise GeoJsonError(f"{path}: feature {i}: grid code {code!r} appears twice")
        out[str(code)] = [(float(x), float(y)) for x, y in list(geom.exterior.coords)[:-1]]
    return out


def site_points(path: Path) -> list[tuple[float, float]]:
    """The Point features' positions, in file order (MultiPoints are split)."""
    pts: list[tuple[float, float]] = []
    for _, geom in read_features(path):
        parts = getattr(geom, "geoms", [geom])
        pts += [(float(g.x), float(g.y)) for g in parts if g.geom_type == "Point"]
    if not pts:
        raise GeoJsonError(f"{path}: no Point features")
    return pts
