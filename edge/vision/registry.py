"""The analytics by name: `ANALYTICS`, their typed parameters and `make_analytic`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from devices.params import Params
from edge.vision.common import Analytic, Polygon
from edge.vision.crowd import Crowd, CrowdParams
from edge.vision.debris import FloatingDebris, FloatingDebrisParams
from edge.vision.dwell import (
    ExposedGarbage,
    ExposedGarbageParams,
    IllegalParking,
    IllegalParkingParams,
    StreetVending,
    StreetVendingParams,
)
from edge.vision.fire_smoke import FireSmoke, FireSmokeParams
from edge.vision.intrusion import Intrusion, IntrusionParams
from edge.vision.land_change import LandChange, LandChangeParams

# name -> (analytic class, its parameters); each class takes (zones, params).
_REGISTRY: dict[str, tuple[Callable[[Any, Any], Analytic], type[Params]]] = {
    "fire_smoke": (FireSmoke, FireSmokeParams),
    "illegal_parking": (IllegalParking, IllegalParkingParams),
    "crowd": (Crowd, CrowdParams),
    "street_vending": (StreetVending, StreetVendingParams),
    "floating_debris": (FloatingDebris, FloatingDebrisParams),
    "exposed_garbage": (ExposedGarbage, ExposedGarbageParams),
    "intrusion": (Intrusion, IntrusionParams),
    "land_change": (LandChange, LandChangeParams),
}
ANALYTICS: dict[str, Callable[..., Analytic]] = {n: c for n, (c, _) in _REGISTRY.items()}


def analytic_params(name: str) -> type[Params]:
    """The parameters model of analytic `name` (ValueError naming the known analytics)."""
    try:
        return _REGISTRY[name][1]
    except KeyError:
        raise ValueError(
            f"unknown analytic {name!r}; known analytics: {', '.join(sorted(ANALYTICS))}"
        ) from None


def make_analytic(name: str, zones: dict[str, Polygon] | None = None, **params: Any) -> Analytic:
    """An analytic by name, with its zones (pixel polygons) and parameters, checked against
    its model (pydantic's ValidationError, a ValueError, names the key and the accepted
    ones)."""
    model = analytic_params(name)
    return _REGISTRY[name][0](zones, model.model_validate(params))
