"""The `params` of each metric (every key checked): which devices, radii and attributes,
which KPI, which percentile, which AQI levels.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from ioc.assessment.commitments.spec import Name, Spec, Text
from ioc.measures.aqi import LEVELS as AQI_LEVELS


class Params(Spec):
    pass


Kinds = Annotated[list[Name], Field(min_length=1)]


class DeviceCountParams(Params):
    kinds: Kinds | None = None  # None: every device


class SiteParams(Params):
    """Which devices see, and how far: `attrs[radius_attr]` of each device, else `radius_m`;
    a device with `attrs[azimuth_attr]` sees a sector `attrs[width_attr]` wide (360 if
    absent)."""

    kinds: Kinds
    radius_m: float | None = Field(default=None, gt=0)
    radius_attr: str = "radius_m"
    azimuth_attr: str = "azimuth_deg"
    width_attr: str = "width_deg"


class CoverageAreaParams(SiteParams):
    stated_count: int | None = Field(default=None, ge=1)  # the count in the quote, judged as
    # written with `radius_m` (e.g. 58 towers of 3 km)

    @model_validator(mode="after")
    def _radius_for_stated(self) -> CoverageAreaParams:
        if self.stated_count is not None and self.radius_m is None:
            raise ValueError("stated_count needs radius_m (the radius the quote promises)")
        return self


class CoverageCorridorParams(SiteParams):
    half_width_m: float | None = Field(default=None, gt=0)  # else the area's buffer_m
    measure: Literal["area", "length"] = "area"


class CoveragePointsParams(SiteParams):
    point_kinds: Kinds | None = None  # points = these devices; else the scope's points


class DeviceParams(Params):
    kinds: Kinds | None = None


class PatrolParams(Params):
    kinds: Kinds = Field(default_factory=lambda: ["tower_camera"])
    aggregate: Literal["min", "mean"] = "min"
    min_swept: float = Field(default=1.0, gt=0, le=1)


class KpiParams(Params):
    name: Text  # a KPI key (closure_rate) or its Chinese name (结案率)
    as_percent: bool | None = None  # None: keys ending in _rate/_share are fractions → %


class LatencyParams(Params):
    percentile: float = Field(default=90, gt=0, le=100)
    kinds: Kinds | None = None  # incident kinds (e.g. fire); None: every incident


def _aqi_level(value: Any) -> int:
    names = {}
    for level, _lo, _hi, zh, en, *_ in AQI_LEVELS:
        names[zh] = level
        names[en.lower()] = level
    if isinstance(value, bool):
        raise ValueError("expected an AQI level 1-6 or its name")
    if isinstance(value, int):
        if 1 <= value <= len(AQI_LEVELS):
            return value
        raise ValueError(f"AQI levels are 1-{len(AQI_LEVELS)} (got {value})")
    if isinstance(value, str) and value.strip().lower() in names:
        return names[value.strip().lower()]
    raise ValueError(f"expected an AQI level 1-6 or one of {[lv[3] for lv in AQI_LEVELS]}")


class AqiDaysParams(Params):
    levels: Annotated[list[Annotated[int, BeforeValidator(_aqi_level)]], Field(min_length=1)]
    mode: Literal["count", "share"] = "count"


class LightingParams(Params):
    pass
