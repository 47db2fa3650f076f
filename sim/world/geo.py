"""City geometry: the earth, a local metre frame around an origin, grid polygons and random
placement.

Positions are kept in metres (x east, y north) for distances and published in lon/lat.
The frame is an equirectangular projection about the origin: at city scale (tens of km) its
distance error is well under 0.1 %, far below what placement and matching need. Distances
between lon/lat points are great-circle distances through pyproj's `Geod` on a sphere of the
same radius as the frame (not the WGS84 ellipsoid: the simulator's figures stay the ones it
has always produced).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import Polygon

EARTH_RADIUS_M = 6_371_008.8  # the mean earth radius (IUGG)
SPHERE = Geod(a=EARTH_RADIUS_M, f=0.0)


def great_circle_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points."""
    return float(SPHERE.inv(lon1, lat1, lon2, lat2)[2])


@dataclass(frozen=True)
class LocalFrame:
    """Metres east and north of an origin, to and from lon/lat."""

    lon0: float
    lat0: float

    @property
    def _m_per_deg_lat(self) -> float:
        return math.pi * EARTH_RADIUS_M / 180.0

    @property
    def _m_per_deg_lon(self) -> float:
        return self._m_per_deg_lat * math.cos(math.radians(self.lat0))

    def to_lonlat(self, xy: np.ndarray) -> np.ndarray:
        xy = np.asarray(xy, dtype=float)
        lon = self.lon0 + xy[..., 0] / self._m_per_deg_lon
        lat = self.lat0 + xy[..., 1] / self._m_per_deg_lat
        return np.stack([lon, lat], axis=-1)

    def to_xy(self, lonlat: np.ndarray) -> np.ndarray:
        ll = np.asarray(lonlat, dtype=float)
        x = (ll[..., 0] - self.lon0) * self._m_per_deg_lon
        y = (ll[..., 1] - self.lat0) * self._m_per_deg_lat
        return np.stack([x, y], axis=-1)


def random_points(
    polygons: list[Polygon], n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`n` points uniformly over the union of `polygons`: (xy array, polygon index per point).

    Each point first picks a polygon in proportion to its area, then is drawn by rejection
    inside that polygon's bounding box.
    """
    areas = np.array([p.area for p in polygons])
    which = rng.choice(len(polygons), size=n, p=areas / areas.sum())
    xy = np.empty((n, 2))
    for k, poly in enumerate(polygons):
        want = np.flatnonzero(which == k)
        got = 0
        minx, miny, maxx, maxy = poly.bounds
        while got < want.size:
            m = max(16, 2 * (want.size - got))
            cand = np.column_stack([rng.uniform(minx, maxx, m), rng.uniform(miny, maxy, m)])
            cand = cand[shapely.contains_xy(poly, cand[:, 0], cand[:, 1])]
            take = cand[: want.size - got]
            xy[want[got : got + len(take)]] = take
            got += len(take)
    return xy, which


def locate(polygons: list[Polygon], xy: np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (nearest polygon when outside all)."""
    xy = np.atleast_2d(xy)
    out = np.full(len(xy), -1)
    for k, poly in enumerate(polygons):
        inside = shapely.contains_xy(poly, xy[:, 0], xy[:, 1]) & (out < 0)
        out[inside] = k
    for i in np.flatnonzero(out < 0):
        pt = shapely.Point(xy[i])
        out[i] = int(np.argmin([poly.distance(pt) for poly in polygons]))
    return out


def distances(xy: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Distances in metres from each point of `xy` to `point` (same frame)."""
    return np.hypot(xy[:, 0] - point[0], xy[:, 1] - point[1])
