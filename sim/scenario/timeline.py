"""What happens in a scenario file: incidents (on the timeline and by rate) and where they
happen, device and gateway faults, and the operator's commands."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from sim.scenario.base import Code, Point, Spec, TimeSpec


class Place(Spec):
    """Where an incident happens: exactly one of `point`, `grid`, `near` (a fleet kind: within
    `within_m` of one of its devices, or in a street camera's view) or `area` (a named area
    of the geometry: anywhere in it, or along a line within `within_m`)."""

    point: Point | None = None
    grid: Code | None = None
    near: str | None = None
    area: Code | None = None
    within_m: float = Field(default=25.0, ge=0)

    @model_validator(mode="after")
    def _one_place(self) -> Place:
        given = [k for k in ("point", "grid", "near", "area") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of point, grid, near or area (got {given or 'none'})"
            )
        return self


class TimelineIncident(Place):
    """An incident at a time (`at`), optionally with its duration and parameters."""

    kind: str
    at: TimeSpec
    duration_min: float | None = Field(default=None, gt=0)
    params: dict[str, Any] = {}


class IncidentRate(Place):
    """Incidents of a kind arriving at random, `per_day` of them."""

    kind: str
    per_day: float = Field(gt=0, le=10_000)


class IncidentsSpec(Spec):
    """The ground truth to be: incidents on the timeline and by rate."""

    timeline: list[TimelineIncident] = []
    rates: list[IncidentRate] = []


FaultKind = Literal[
    "offline",
    "intermittent",
    "stuck",
    "drift",
    "spikes",
    "battery_depletion",
    "clock_skew",
    "duplicate",
    "out_of_order",
    "gateway_offline",
]


class FaultSpec(Spec):
    """A fault on the timeline (see sim/faults.py for the kinds and their `params`): device
    faults hit `count` devices of a fleet kind; `gateway_offline` hits the gateway of `grid`."""

    kind: FaultKind
    fleet: str | None = None
    grid: Code | None = None
    count: int = Field(default=1, ge=1)
    at: TimeSpec
    duration_min: float = Field(gt=0)
    params: dict[str, Any] = {}


class FaultRate(Spec):
    """Faults arriving at random: `per_day` of them over the run, each on `count` devices."""

    kind: FaultKind
    fleet: str | None = None
    grid: Code | None = None
    count: int = Field(default=1, ge=1)
    per_day: float = Field(gt=0, le=10_000)
    duration_min: float = Field(gt=0)
    params: dict[str, Any] = {}


class OperationSpec(Spec):
    """An operator's command through the IOC's API at a time: to `devices`, or to every device
    of `kind` (optionally in `grid`). E.g. a lighting schedule: dim to 50 % after midnight."""

    at: TimeSpec
    action: str
    params: dict[str, str | float | bool] = {}
    devices: list[str] | None = None
    kind: str | None = None
    grid: Code | None = None
