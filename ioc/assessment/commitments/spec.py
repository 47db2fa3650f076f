"""The parts of a commitments file (任务书承诺): the pilot, its named areas and each commitment
(the verbatim quote, the metric that measures it, the target, the scope and window). Every
key is checked and unknown keys are refused; `loading` reads a whole file into a
`CommitmentsFile` and checks each commitment's params, scope and window against its metric.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Verdict = Literal["pass", "fail", "not_evaluable"]
Comparison = Literal[">=", "<=", "==", ">", "<"]
MetricName = Literal[
    "device_count",
    "coverage_area",
    "coverage_corridor",
    "coverage_points",
    "online_rate",
    "data_completeness",
    "patrol_24h",
    "kpi",
    "detection_latency",
    "aqi_days",
    "lighting_saving",
]
# The domains of shared/reference/pilot-commitments-sample.yaml.
Domain = Literal[
    "lighting",
    "environment",
    "water",
    "fire",
    "traffic",
    "parking",
    "video",
    "emergency",
    "city-management",
    "hotline-12345",
    "community",
    "tourism",
    "agriculture",
    "infrastructure-network",
    "data-platform",
    "other",
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]
LonLat = tuple[Lon, Lat]
LAST_WINDOW = re.compile(r"^last_(\d+)(h|d)$")


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PilotSpec(Spec):
    """The pilot and where its commitments come from."""

    name: Text
    name_zh: str | None = None
    task_book: str | None = None  # e.g. 数字强省办发〔2022〕1号
    source: str | None = None  # the source text (file name or address)


class AreaSpec(Spec):
    """A named geometry: exactly one of `file` (GeoJSON, relative to the commitments file),
    `polygon` (one lon/lat ring), `line`, `lines` or `points` (id -> [lon, lat]).
    `buffer_m` is a line's corridor half-width."""

    name_zh: str | None = None
    file: Text | None = None
    polygon: list[LonLat] | None = Field(default=None, min_length=3)
    line: list[LonLat] | None = Field(default=None, min_length=2)
    lines: list[Annotated[list[LonLat], Field(min_length=2)]] | None = Field(
        default=None, min_length=1
    )
    points: dict[Name, LonLat] | None = Field(default=None, min_length=1)
    buffer_m: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_shape(self) -> AreaSpec:
        given = [
            k
            for k in ("file", "polygon", "line", "lines", "points")
            if getattr(self, k) is not None
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of file, polygon, line, lines, points "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.buffer_m is not None and (self.polygon is not None or self.points is not None):
            raise ValueError(
                "buffer_m is a line's corridor half-width; it does not apply to "
                "a polygon or to points"
            )
        return self


class WindowSpec(Spec):
    """A time window with explicit UTC offsets, e.g. 2026-05-01T00:00:00+08:00."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> WindowSpec:
        if self.to <= self.from_:
            raise ValueError("`to` must be after `from`")
        return self


def _window(value: Any) -> Any:
    """`last_24h`/`last_7d` text, or a from/to mapping; a clear message otherwise."""
    if isinstance(value, str):
        if not LAST_WINDOW.match(value) or int(LAST_WINDOW.match(value).group(1)) == 0:
            raise ValueError(
                "expected last_<N>h or last_<N>d (e.g. last_24h), or a mapping with from/to"
            )
        return value
    if isinstance(value, dict):
        return WindowSpec.model_validate(value)
    raise ValueError("expected last_<N>h / last_<N>d or a mapping with from/to")


Window = Annotated[str | WindowSpec, BeforeValidator(_window)]


class CommitmentSpec(Spec):
    """One checkable commitment: its verbatim quote, the metric that measures it and the
    target. `params` are checked against the metric's params model."""

    id: Name
    quote: Text
    domain: Domain
    metric: MetricName
    params: dict[str, Any] = Field(default_factory=dict)
    comparison: Comparison = ">="
    target: Annotated[float, Field(allow_inf_nan=False, strict=False)]
    unit: str | None = None
    window: Window | None = None
    scope: Name | None = None
    note: str | None = None

    @field_validator("target", mode="before")
    @classmethod
    def _no_bool_target(cls, value: Any) -> Any:
        if isinstance(value, bool):  # YAML reads yes/no/on/off as booleans
            raise ValueError("target must be a number, not a YAML boolean")
        return value
