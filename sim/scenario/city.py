"""The city in a scenario file: its geometry (metres about an origin, or lon/lat with GeoJSON
files), districts → streets → grid cells (单元网格), and its weather."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.base import Code, Point, Spec, TimeSpec


class LonLat(Spec):
    """A point in degrees."""

    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class GeometrySpec(Spec):
    """`local_m`: polygons and points in metres east/north of `origin`. `lonlat`: degrees.
    With `lonlat`, grid outlines may come from `grids_file` (GeoJSON Polygon features with a
    `code` property) and `areas` name GeoJSON files (forest, farmland, a railway line...)
    that devices and incidents can be placed in. Paths are relative to the scenario file."""

    crs: Literal["local_m", "lonlat"] = "local_m"
    origin: LonLat | None = None
    grids_file: str | None = None
    areas: dict[Code, str] = {}

    @model_validator(mode="after")
    def _origin_for_local(self) -> GeometrySpec:
        if self.crs == "local_m" and self.origin is None:
            raise ValueError("crs local_m needs an origin {lon, lat} for the metre grid")
        if self.crs != "lonlat" and (self.grids_file or self.areas):
            raise ValueError("grids_file and areas are GeoJSON (lon/lat): use crs lonlat")
        return self


class GridSpec(Spec):
    """单元网格: a grid cell with its polygon (and, optionally, its community 社区/村). The
    polygon may instead come from the geometry's `grids_file`."""

    code: Code
    name: str | None = None
    community: Code | None = None
    polygon: list[Point] | None = Field(default=None, min_length=3)


class StreetSpec(Spec):
    """街道: a street and its grid cells."""

    code: Code
    name: str
    grids: list[GridSpec] = Field(min_length=1)


class DistrictSpec(Spec):
    """区/县: a district and its streets."""

    code: Code
    name: str
    streets: list[StreetSpec] = Field(min_length=1)


class RainSpell(Spec):
    """Rain of `mm_h` from `start` to `end`."""

    start: TimeSpec
    end: TimeSpec
    mm_h: float = Field(ge=0, le=300)


class FogSpell(Spec):
    """Fog cutting visibility to `visibility_km` from `start` to `end`."""

    start: TimeSpec
    end: TimeSpec
    visibility_km: float = Field(gt=0, le=50)


class WeatherSpec(Spec):
    """Daily ambient cycle (min/max of the day), rain spells and fog (what cameras see
    through: clear air is `visibility_km`)."""

    temp_c: Point = (24.0, 33.0)
    rh_pct: Point = (45.0, 85.0)
    pm25: Point = (25.0, 55.0)
    wind_ms: Point = (1.0, 4.0)
    rain: list[RainSpell] = []
    visibility_km: float = Field(default=20.0, gt=0, le=50)
    fog: list[FogSpell] = []
