"""Device fleets in a scenario file: which kind, how many, how often, where they stand.

`FleetSpec` is the one model of a fleet entry (`fleets[i]`), placement included."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from devices import KINDS as DEVICE_KINDS
from devices import check_params
from sim.scenario.base import Code, Point, Spec

TOWER_SCENES = ("forest", "farmland", "rail")  # what a tower camera's preset can look at


class PlacementSpec(Spec):
    """Where a fleet's devices stand: uniformly at random over `grids` or over a named
    `area` of the geometry, or at `points` (in the geometry's coordinates, one per device),
    or at the Point features of `points_file` (GeoJSON, e.g. tower sites)."""

    grids: list[Code] | Literal["all"] = "all"
    area: Code | None = None
    points: list[Point] | None = Field(default=None, min_length=1)
    points_file: str | None = None


class FleetSpec(Spec):
    """A fleet of one device kind: how many, how often they report, where, owned by which
    department type (default: the kind's usual owner), installed how long ago at most."""

    kind: str
    count: int = Field(ge=1, le=2_000_000)
    interval_s: float = Field(gt=0, le=86400)
    placement: PlacementSpec = PlacementSpec()
    owner: Code | None = None
    installed_years: float = Field(default=3.0, ge=0)
    params: dict[str, Any] = {}

    @field_validator("params")
    @classmethod
    def _params_of_kind(cls, params: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        """Checked against the kind's typed parameters: errors carry the key path inside
        `params`, an unknown key lists the accepted ones (an unknown kind: cross_check)."""
        if info.data.get("kind") in DEVICE_KINDS:
            check_params(info.data["kind"], params)
        return params

    @model_validator(mode="after")
    def _points_match(self) -> FleetSpec:
        pts = self.placement.points
        if pts is not None and len(pts) != self.count:
            raise ValueError(f"placement.points lists {len(pts)} sites for count {self.count}")
        return self
