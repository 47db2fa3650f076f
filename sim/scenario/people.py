"""The people in a scenario file: handling units (处置单位) and their crews, the IOC desk, the
grid supervisors' patrol and the 12345 hotline; their shifts and how long their work takes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.base import Code, Point, Spec


class HandlingSpec(Spec):
    """On-site handling time, log-normal: its median and 90th percentile in minutes."""

    median_min: float = Field(gt=0)
    p90_min: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> HandlingSpec:
        if self.p90_min < self.median_min:
            raise ValueError("p90_min must be at least median_min")
        return self


Shift = tuple[str, str]  # ("08:00", "12:00"); "24:00" ends a shift at midnight
ALL_DAY: list[Shift] = [("00:00", "24:00")]


class DepartmentSpec(Spec):
    """A handling unit (处置单位): its type (a catalogue department type), the level and area it
    covers, crews at a base with their shifts, and how its work goes: handling time per
    catalogue category, a chance of poor work (the problem is still there: 核查 fails, 返工),
    of sending back a dispatch that is not theirs (回退), of asking for more time (延期) when a
    job will overrun, of asking to park a job (挂账) per category."""

    code: Code
    type: Code
    name: str
    name_zh: str
    level: Literal["district", "street", "community"] = "district"
    area: Code
    crews: int = Field(ge=1, le=1000)
    base: Point
    speed_kmh: float = Field(default=30.0, gt=0, le=200)
    shifts: list[Shift] = ALL_DAY
    handling: dict[str, HandlingSpec] = {}
    default_handling: HandlingSpec = HandlingSpec(median_min=60, p90_min=120)
    not_found_min: float = Field(default=15.0, gt=0)
    feedback_min: Point = (2.0, 10.0)  # paperwork after the work, before the 反馈 report
    poor_work: float = Field(default=0.0, ge=0, le=1)
    refuse_wrong: float = Field(default=0.9, ge=0, le=1)
    extension_p: float = Field(default=0.0, ge=0, le=1)
    park: dict[str, float] = {}


class DeskSpec(Spec):
    """The IOC desk (受理员/派遣员/值班长) answering desk tasks: operators on duty, time per task,
    how often a dispatch goes to the wrong unit, how often an obviously bogus hotline report
    is turned down at 受理, how often extensions and 挂账 are approved."""

    operators: int = Field(default=2, ge=1)
    shifts: list[Shift] = ALL_DAY
    accept_min: HandlingSpec = HandlingSpec(median_min=3, p90_min=8)
    file_min: HandlingSpec = HandlingSpec(median_min=5, p90_min=15)
    dispatch_min: HandlingSpec = HandlingSpec(median_min=5, p90_min=20)
    approve_min: HandlingSpec = HandlingSpec(median_min=15, p90_min=60)
    dispatch_error: float = Field(default=0.03, ge=0, le=1)
    junk_detect: float = Field(default=0.5, ge=0, le=1)
    approve_extension: float = Field(default=0.9, ge=0, le=1)
    approve_park: float = Field(default=0.8, ge=0, le=1)


class PatrolSpec(Spec):
    """Grid supervisors (网格员/监督员): how many per grid, their shifts and pace. They walk
    their grid, report what they notice (主动发现), and do 核实/核查 when the IOC asks."""

    per_grid: int = Field(default=1, ge=0, le=50)
    shifts: list[Shift] = [("08:00", "12:00"), ("14:00", "18:00")]
    speed_kmh: float = Field(default=5.0, gt=0, le=60)
    correct_category: float = Field(default=0.97, ge=0, le=1)
    gps_error_m: float = Field(default=10.0, ge=0)
    on_site_min: float = Field(default=5.0, gt=0)  # time at a 核实/核查 spot


class HotlineSpec(Spec):
    """12345 callers (被动发现) and the hotline platform that forwards work orders: calls per
    incident follow each kind's visibility, scaled by `call_factor`; the caller waits a
    while before calling, the platform takes its time to forward; callers place the problem
    only roughly; some calls are about nothing real."""

    call_factor: float = Field(default=1.0, ge=0)
    caller_delay_min: HandlingSpec = HandlingSpec(median_min=10, p90_min=45)
    forward_min: HandlingSpec = HandlingSpec(median_min=20, p90_min=60)
    location_error_m: float = Field(default=60.0, ge=0)
    junk_per_day: float = Field(default=2.0, ge=0)
    junk_categories: list[Code] = ["SJ0101", "SJ0401", "BJ0201"]
