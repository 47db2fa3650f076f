"""Distances on the ground for the IOC (merging reports, picking the nearest crew, placing
what a tower camera saw)."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres, equirectangular (accurate at city scale)."""
    k = math.pi * EARTH_RADIUS_M / 180.0
    dx = (lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat2 - lat1) * k)


def offset_lonlat(
    lon: float, lat: float, bearing_deg: float, range_m: float
) -> tuple[float, float]:
    """The point `range_m` away along a compass bearing (equirectangular, city scale)."""
    k = math.pi * EARTH_RADIUS_M / 180.0
    dx = range_m * math.sin(math.radians(bearing_deg))
    dy = range_m * math.cos(math.radians(bearing_deg))
    return lon + dx / (k * math.cos(math.radians(lat))), lat + dy / k
