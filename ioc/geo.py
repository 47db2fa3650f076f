"""Distances on the ground for the IOC (merging reports, picking the nearest crew)."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8


def ground_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres, equirectangular (accurate at city scale)."""
    k = math.pi * EARTH_RADIUS_M / 180.0
    dx = (lon2 - lon1) * k * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot(dx, (lat2 - lat1) * k)
