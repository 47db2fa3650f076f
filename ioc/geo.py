"""Distances and offsets on the ground for the IOC (merging reports, picking the nearest crew,
placing what a tower camera saw, matching reports to incidents), through pyproj's `Geod`.

The earth is the sphere of the mean radius (IUGG R1 = 6 371 008.8 m) the project has always
used, not the WGS84 ellipsoid: at Shandong's latitudes the two differ by about 0.2 %; the sphere
keeps every distance the IOC compares (merge radii, the nearest crew) where it was. A leaf:
imports nothing of the IOC.
"""

from __future__ import annotations

from pyproj import Geod

EARTH_RADIUS_M = 6_371_008.8
GEOD = Geod(a=EARTH_RADIUS_M, f=0.0)


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two lon/lat points."""
    return float(GEOD.inv(lon1, lat1, lon2, lat2)[2])


def offset_lonlat(
    lon: float, lat: float, bearing_deg: float, range_m: float
) -> tuple[float, float]:
    """The point `range_m` away along a compass bearing (degrees clockwise from north)."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, bearing_deg, range_m)
    return float(lon2), float(lat2)
