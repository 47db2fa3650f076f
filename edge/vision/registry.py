"""The analytics by name: `ANALYTICS` and `make_analytic`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge.vision.common import Analytic, Polygon
from edge.vision.crowd import Crowd
from edge.vision.debris import FloatingDebris
from edge.vision.dwell import ExposedGarbage, IllegalParking, StreetVending
from edge.vision.fire_smoke import FireSmoke
from edge.vision.intrusion import Intrusion
from edge.vision.land_change import LandChange

ANALYTICS: dict[str, Callable[..., Analytic]] = {
    "fire_smoke": FireSmoke,
    "illegal_parking": IllegalParking,
    "crowd": Crowd,
    "street_vending": StreetVending,
    "floating_debris": FloatingDebris,
    "exposed_garbage": ExposedGarbage,
    "intrusion": Intrusion,
    "land_change": LandChange,
}


def make_analytic(name: str, zones: dict[str, Polygon] | None = None, **params: Any) -> Analytic:
    """An analytic by name, with its zones (pixel polygons) and parameters."""
    try:
        factory = ANALYTICS[name]
    except KeyError:
        raise ValueError(
            f"unknown analytic {name!r}; known analytics: {', '.join(sorted(ANALYTICS))}"
        ) from None
    return factory(zones, **params)
