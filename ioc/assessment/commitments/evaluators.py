"""Pilot commitments (任务书承诺): the commitments file and the metric evaluators that check a
pilot's task-book commitments against what a run (or a real IOC) measured.

The file (YAML; every key checked, unknown keys refused; a bad file fails naming the file, the
key path such as `commitments[3].target`, its line and what was expected)::

    pilot:
      name: Wudi County
      name_zh: 无棣县
      task_book: 数字强省办发〔2022〕1号 第三批山东省新型智慧城市建设试点工作任务书
      source: 000_374f0060077f0281.txt          # optional: where the quotes come from
    areas:                                      # optional named geometries (lon/lat, WGS84)
      county: {file: wudi-county.geojson}       # GeoJSON, relative to this file
      rail: {line: [[117.50, 37.70], [117.80, 37.78]], buffer_m: 500}   # a corridor
      key_area: {polygon: [[117.6, 37.7], [117.7, 37.7], [117.7, 37.8]]}
      pumps: {points: {PS-01: [117.61, 37.72], PS-02: [117.65, 37.74]}}
    commitments:
      - id: WD-11
        quote: 拟建设采集终端点位 58 处,实现无棣县域全覆盖   # verbatim from the task book
        domain: video
        metric: coverage_area
        params: {kinds: [tower_camera], radius_m: 3000, stated_count: 58}
        scope: county
        comparison: ">="                        # >=, <=, ==, >, < (default >=)
        target: 100                             # percentages as percent numbers
        unit: "%"
      - id: DCF-78
        quote: 结案率
        domain: city-management
        metric: kpi
        params: {name: closure_rate}            # or its Chinese name 结案率
        target: 90
        unit: "%"
        window: last_24h                        # or {from: 2026-05-01T00:00:00+08:00, to: ...}

Metrics (`METRICS`; `params` per metric are the `*Params` models below):

- device_count: devices of `kinds` (inside `scope`). params: kinds.
- coverage_area: % of the scope polygon inside the view-sheds of devices of `kinds`.
  params: kinds, radius_m, radius_attr, azimuth_attr, width_attr, stated_count.
- coverage_corridor: % of the scope line ± half-width covered, by area or length.
  params: as coverage_area (no stated_count), half_width_m, measure.
- coverage_points: % of points within reach (the scope's points, or devices of
  `point_kinds`). params: as coverage_area (no stated_count), point_kinds.
- online_rate: % of device-time online over the window. params: kinds.
- data_completeness: % of expected readings received over the window. params: kinds.
- patrol_24h: % of the window's hours each tower swept its sector, min or mean over towers.
  params: kinds, aggregate, min_swept.
- kpi: a named KPI (rates as %). params: name, as_percent.
- detection_latency: a percentile of detection latencies, seconds. params: percentile,
  kinds (incident kinds, e.g. [fire]).
- aqi_days: days (or % of valid days) at the given AQI levels. params: levels, mode.
- lighting_saving: % of street-lighting energy saved. params: none.

The evaluators are pure functions over `EvaluationData` (plain dataclasses, documented below);
each returns an `Evaluation` whose verdict is `pass`, `fail` or `not_evaluable` (data
missing: the reason says what). A target that cannot be met as written (a coverage whose
no-overlap upper bound is below it) fails with the arithmetic.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import orjson
import shapely
from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from shapely.geometry import LineString, MultiLineString, MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry

from ioc.assessment.coverage import (
    AreaProjection,
    Site,
    Sweep,
    coverage_of_area,
    coverage_of_corridor,
    coverage_of_points,
    geojson_geometry,
    patrol_coverage,
    stated_arithmetic,
)
from ioc.contract import InputFileError, format_location, read_yaml, validation_problems
from ioc.measures.aqi import LEVELS as AQI_LEVELS
from ioc.measures.aqi import level_of
from ioc.measures.kpis import KPI_NAMES_ZH

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

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


# --------------------------------------------------------------------------- the file


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PilotSpec(_Spec):
    """The pilot and where its commitments come from."""

    name: Text
    name_zh: str | None = None
    task_book: str | None = None  # e.g. 数字强省办发〔2022〕1号
    source: str | None = None  # the source text (file name or address)


class AreaSpec(_Spec):
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


class WindowSpec(_Spec):
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


class CommitmentSpec(_Spec):
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


class CommitmentsFile(_Spec):
    """A pilot's commitments file. Use `load_commitments`/`parse_commitments`, which also
    resolve the areas and check each commitment's params, scope and window."""

    pilot: PilotSpec
    areas: dict[Name, AreaSpec] = Field(default_factory=dict)
    commitments: list[CommitmentSpec] = Field(min_length=1)

    _areas: dict[str, Area] = PrivateAttr(default_factory=dict)
    _params: list[BaseModel] = PrivateAttr(default_factory=list)
    _path: Path | None = PrivateAttr(default=None)
    _resolved: bool = PrivateAttr(default=False)

    @property
    def resolved_areas(self) -> dict[str, Area]:
        return dict(self._areas)

    def params_of(self, index: int) -> BaseModel:
        """The checked params model of `commitments[index]`."""
        return self._params[index]


# --------------------------------------------------------------------------- params


class _Params(_Spec):
    pass


Kinds = Annotated[list[Name], Field(min_length=1)]


class DeviceCountParams(_Params):
    kinds: Kinds | None = None  # None: every device


class SiteParams(_Params):
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


class DeviceParams(_Params):
    kinds: Kinds | None = None


class PatrolParams(_Params):
    kinds: Kinds = Field(default_factory=lambda: ["tower_camera"])
    aggregate: Literal["min", "mean"] = "min"
    min_swept: float = Field(default=1.0, gt=0, le=1)


class KpiParams(_Params):
    name: Text  # a KPI key (closure_rate) or its Chinese name (结案率)
    as_percent: bool | None = None  # None: keys ending in _rate/_share are fractions → %


class LatencyParams(_Params):
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


class AqiDaysParams(_Params):
    levels: Annotated[list[Annotated[int, BeforeValidator(_aqi_level)]], Field(min_length=1)]
    mode: Literal["count", "share"] = "count"


class LightingParams(_Params):
    pass


# --------------------------------------------------------------------------- input data


@dataclass(frozen=True)
class Device:
    """A registry entry: position (lon/lat), reporting interval and attributes (e.g.
    radius_m, azimuth_deg, width_deg for cameras)."""

    device_id: str
    kind: str
    lon: float
    lat: float
    interval_s: float | None = None
    attrs: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusSample:
    """A device's status at `ts_ms` (epoch ms); it holds until the device's next sample."""

    device_id: str
    ts_ms: int
    online: bool


@dataclass(frozen=True)
class Latency:
    """Seconds from an incident's start to its detection; None: never detected. `kind` is
    the incident's kind (what `LatencyParams.kinds` filters on); `case_id` and `channel`
    say which case and discovery channel detected it first (evidence)."""

    incident_id: str
    latency_s: float | None
    kind: str | None = None
    case_id: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class AqiDay:
    """A daily AQI report (日报): local date YYYY-MM-DD, AQI and level 1-6 (None: no valid
    report that day)."""

    date: str
    aqi: float | None = None
    level: int | None = None


@dataclass(frozen=True)
class Lighting:
    """The street-lighting indicator: energy used and the always-full baseline (kWh), and the
    saving as a fraction (computed from the two when None)."""

    energy_kwh: float | None = None
    baseline_kwh: float | None = None
    saving: float | None = None


@dataclass(frozen=True)
class EvaluationData:
    """What the evaluators read. `None` means "not in the data" (→ not_evaluable); an empty
    sequence means "in the data, and there is none" (e.g. no readings: 0 %).

    - `start_ms`/`end_ms`: the span the data cover (epoch ms); the default window, and the
      end that `last_24h` counts back from.
    - `devices`: the registry. `status`: online/offline samples (see `status_from_heartbeats`).
    - `readings`: device id -> event times (ms) of the readings received.
    - `sweeps`: tower patrol records (`ioc.coverage.Sweep`, hours since the epoch).
    - `kpis`: KPI name -> value (rates as fractions in [0, 1], as the IOC reports them).
      `kpi_names_zh`: Chinese names of KPIs beyond `ioc.kpis.KPI_NAMES_ZH` (so a commitment
      may name them in Chinese); `kpi_evidence`: per KPI, figures and record ids to show
      with it (its formula, numerator and denominator, the cases behind it).
    - `latencies`, `aqi_days`, `lighting`: see their dataclasses.
    - `utc_offset_min`: local time for AQI dates (default Beijing time, +08:00).
    """

    start_ms: int | None = None
    end_ms: int | None = None
    devices: Sequence[Device] | None = None
    status: Sequence[StatusSample] | None = None
    readings: Mapping[str, Sequence[int]] | None = None
    sweeps: Sequence[Sweep] | None = None
    kpis: Mapping[str, float | None] | None = None
    kpi_names_zh: Mapping[str, str] = field(default_factory=dict)
    kpi_evidence: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    latencies: Sequence[Latency] | None = None
    aqi_days: Sequence[AqiDay] | None = None
    lighting: Lighting | None = None
    utc_offset_min: int = 480


def status_from_heartbeats(
    device_id: str, heartbeats_ms: Sequence[int], interval_s: float, missed_intervals: float = 3.0
) -> list[StatusSample]:
    """Status samples from the times a device was heard: online at each, offline once
    `missed_intervals` intervals pass without hearing it (the IOC registry's rule)."""
    grace = int(missed_intervals * interval_s * 1000)
    beats = sorted(set(heartbeats_ms))
    out: list[StatusSample] = []
    for k, ts in enumerate(beats):
        out.append(StatusSample(device_id, ts, True))
        nxt = beats[k + 1] if k + 1 < len(beats) else None
        if nxt is None or nxt - ts > grace:
            out.append(StatusSample(device_id, ts + grace, False))
    return out


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class Area:
    """A resolved named geometry (lon/lat): a polygon, a line (a corridor with `buffer_m`)
    or named points."""

    name: str
    kind: Literal["polygon", "line", "points"]
    geometry: BaseGeometry
    buffer_m: float | None = None
    points: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    name_zh: str | None = None

    def contains(self, lon: Sequence[float], lat: Sequence[float]) -> np.ndarray:
        """Which positions lie in the area (a line: within `buffer_m` of it)."""
        x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if len(x) == 0:
            return np.zeros(0, dtype=bool)
        if self.kind == "polygon":
            return shapely.intersects_xy(self.geometry, x, y)
        if self.kind == "line" and self.buffer_m:
            proj = AreaProjection.for_geometry(self.geometry)
            line_m = proj.to_m(self.geometry)
            px, py = proj.xy(x, y)
            return shapely.distance(line_m, shapely.points(px, py)) <= self.buffer_m
        raise ValueError(f"area {self.name!r} ({self.kind}) cannot hold devices")


def _area_from_spec(name: str, spec: AreaSpec, base: Path) -> tuple[Area | None, list[str]]:
    """The area, or None and the problems (messages for `areas.<name>...`)."""
    if spec.polygon is not None:
        poly = Polygon(spec.polygon)
        if not poly.is_valid:
            return None, [f"polygon: not a valid ring ({shapely.is_valid_reason(poly)})"]
        if poly.area == 0:
            return None, ["polygon: the ring encloses no area"]
        return Area(name, "polygon", poly, name_zh=spec.name_zh), []
    if spec.line is not None:
        return Area(name, "line", LineString(spec.line), spec.buffer_m, name_zh=spec.name_zh), []
    if spec.lines is not None:
        return Area(
            name, "line", MultiLineString(spec.lines), spec.buffer_m, name_zh=spec.name_zh
        ), []
    if spec.points is not None:
        pts = {k: (float(v[0]), float(v[1])) for k, v in spec.points.items()}
        return Area(
            name, "points", MultiPoint(list(pts.values())), points=pts, name_zh=spec.name_zh
        ), []
    path = (base / str(spec.file)).resolve()
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as err:
        return None, [f"file: cannot read {path}: {err.strerror}"]
    except orjson.JSONDecodeError as err:
        return None, [f"file: {path} is not JSON: {err}"]
    points = _geojson_points(data)
    if points:
        if spec.buffer_m is not None:
            return None, ["buffer_m: the file holds points; buffer_m is for lines"]
        return Area(
            name, "points", MultiPoint(list(points.values())), points=points, name_zh=spec.name_zh
        ), []
    try:
        geom = geojson_geometry(data)
    except (ValueError, TypeError, KeyError, AttributeError) as err:
        return None, [f"file: {path}: {err}"]
    dim = shapely.get_dimensions(geom)
    if dim == 2:
        if spec.buffer_m is not None:
            return None, ["buffer_m: the file holds polygons; buffer_m is for lines"]
        return Area(name, "polygon", geom, name_zh=spec.name_zh), []
    if dim == 1:
        return Area(name, "line", geom, spec.buffer_m, name_zh=spec.name_zh), []
    return None, [f"file: {path}: no polygon or line in it"]


def _geojson_points(data: Any) -> dict[str, tuple[float, float]]:
    """Named points of a FeatureCollection of Point features (ids from the feature id or
    its `id`/`name` property, else its position in the file); {} if it holds anything else."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return {}
    feats = data.get("features") or []
    if not feats or any((f.get("geometry") or {}).get("type") != "Point" for f in feats):
        return {}
    out = {}
    for k, f in enumerate(feats):
        props = f.get("properties") or {}
        key = str(f.get("id") or props.get("id") or props.get("name") or k + 1)
        lon, lat = f["geometry"]["coordinates"][:2]
        out[key] = (float(lon), float(lat))
    return out


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Goal:
    """The target of a commitment: `value <comparison> target` (in `unit`)."""

    comparison: Comparison
    target: float
    unit: str | None = None

    def met(self, value: float) -> bool:
        eps = 1e-9 * max(1.0, abs(self.target))
        match self.comparison:
            case ">=":
                return value >= self.target - eps
            case "<=":
                return value <= self.target + eps
            case ">":
                return value > self.target + eps
            case "<":
                return value < self.target - eps
            case _:
                return abs(value - self.target) <= eps

    def unreachable_below(self, upper: float) -> bool:
        """True when no value ≤ `upper` can meet the goal (only >=, > and == have such a
        bound)."""
        eps = 1e-9 * max(1.0, abs(self.target))
        if self.comparison in (">=", "=="):
            return upper < self.target - eps
        if self.comparison == ">":
            return upper <= self.target + eps
        return False

    def text(self) -> str:
        return f"{self.comparison} {_num(self.target)}{_unit(self.unit)}"


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"


def _unit(unit: str | None) -> str:
    if not unit:
        return ""
    return " %" if unit == "%" else f" {unit}"


@dataclass(frozen=True)
class Evaluation:
    """An evaluator's answer: the measured value (None if none), the verdict, the evidence
    behind it (JSON-ready) and one sentence on why."""

    value: float | None
    verdict: Verdict
    evidence: dict[str, Any]
    why: str


def _judge(goal: Goal, value: float, evidence: dict[str, Any], what: str) -> Evaluation:
    ok = goal.met(value)
    verdict: Verdict = "pass" if ok else "fail"
    return Evaluation(
        value,
        verdict,
        evidence,
        f"{what}: {_num(value)}{_unit(goal.unit)} "
        f"{'meets' if ok else 'misses'} the target {goal.text()}",
    )


def _missing(what: str, evidence: dict[str, Any] | None = None) -> Evaluation:
    return Evaluation(None, "not_evaluable", evidence or {}, f"not evaluable: {what}")


def _pct(fraction: float) -> float:
    """Percent, rounded to 0.001 % (polygon discs are a hair inside their circles; rounding
    keeps a fully covered area at 100 %)."""
    return round(100.0 * fraction, 3)


# --------------------------------------------------------------------------- helpers

TimeWindow = tuple[int, int]  # [start_ms, end_ms)


def resolve_window(
    spec: str | WindowSpec | None,
    data: EvaluationData,
) -> tuple[TimeWindow | None, str | None]:
    """The window in epoch ms, clipped to the data's span when known, and a note when
    clipped or when it cannot be resolved (window None)."""
    if spec is None:
        if data.start_ms is not None and data.end_ms is not None:
            return (data.start_ms, data.end_ms), None
        return None, "no window: give the commitment a window or the data start_ms/end_ms"
    if isinstance(spec, str):
        m = LAST_WINDOW.match(spec)
        assert m is not None  # checked when the file was loaded
        if data.end_ms is None:
            return None, f"{spec} counts back from the data's end, and end_ms is not given"
        span = int(m.group(1)) * (HOUR_MS if m.group(2) == "h" else DAY_MS)
        start, end = data.end_ms - span, data.end_ms
    else:
        start = int(spec.from_.timestamp() * 1000)
        end = int(spec.to.timestamp() * 1000)
    note = None
    lo = max(start, data.start_ms) if data.start_ms is not None else start
    hi = min(end, data.end_ms) if data.end_ms is not None else end
    if hi <= lo:
        return None, "the window does not overlap the data's span"
    if (lo, hi) != (start, end):
        note = (
            f"the data cover {(hi - lo) / HOUR_MS:.1f} h of the "
            f"{(end - start) / HOUR_MS:.1f} h window"
        )
    return (lo, hi), note


def _select(
    devices: Sequence[Device], kinds: Sequence[str] | None, scope: Area | None
) -> list[Device]:
    chosen = [d for d in devices if kinds is None or d.kind in kinds]
    if scope is not None and chosen:
        inside = scope.contains([d.lon for d in chosen], [d.lat for d in chosen])
        chosen = [d for d, ok in zip(chosen, inside, strict=True) if ok]
    return chosen


def _sites(devices: Sequence[Device], p: SiteParams) -> tuple[list[Site], list[str]]:
    """View-sheds of the devices, and the ids of those without a radius."""
    sites, missing = [], []
    for d in devices:
        r = d.attrs.get(p.radius_attr) or p.radius_m
        if not r or r <= 0:
            missing.append(d.device_id)
            continue
        az = d.attrs.get(p.azimuth_attr)
        width = float(d.attrs.get(p.width_attr, 360.0)) if az is not None else 360.0
        sites.append(
            Site(
                d.lon,
                d.lat,
                float(r),
                None if az is None else float(az),
                min(max(width, 1e-6), 360.0),
                id=d.device_id,
            )
        )
    return sites, missing


def viewshed_sites(devices: Sequence[Device], p: SiteParams) -> tuple[list[Site], list[str]]:
    """The view-sheds of the devices of `p.kinds` as the coverage metrics see them (a site
    outside the scope may still see into it), and the ids of devices without a radius."""
    return _sites(_select(devices, p.kinds, None), p)


def _no_radius(missing: list[str], p: SiteParams) -> Evaluation:
    return _missing(
        f"{len(missing)} device(s) have no attrs[{p.radius_attr!r}] and "
        f"params.radius_m is not set (e.g. {', '.join(missing[:5])})",
        {"without_radius": missing[:50], "without_radius_count": len(missing)},
    )


def _kinds_text(kinds: Sequence[str] | None) -> str:
    return "all kinds" if kinds is None else "/".join(kinds)


# --------------------------------------------------------------------------- evaluators
# Each: (goal, params, data, scope area or None, window note source) -> Evaluation.


def device_count(
    goal: Goal,
    p: DeviceCountParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """Devices of `kinds` (all when None) in the registry, inside `scope` if given."""
    if data.devices is None:
        return _missing("no device registry in the data (devices)")
    chosen = _select(data.devices, p.kinds, scope)
    by_kind = dict(sorted(Counter(d.kind for d in chosen).items()))
    where = f" in {scope.name}" if scope else ""
    return _judge(
        goal,
        float(len(chosen)),
        {
            "count": len(chosen),
            "by_kind": by_kind,
            "kinds": p.kinds,
            "scope": scope.name if scope else None,
        },
        f"{len(chosen)} device(s) of {_kinds_text(p.kinds)}{where}",
    )


def coverage_area(
    goal: Goal,
    p: CoverageAreaParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of the scope polygon within the view-sheds of the devices of `kinds`.

    With `stated_count` the quote is also judged as written (that many discs of `radius_m`):
    without a registry that alone can fail it; with one, the sites built are measured and
    the as-written arithmetic is added to the reason (a city may build more than it said).
    A fleet whose no-overlap bound is below the target fails with its arithmetic.
    """
    if scope is None or scope.kind != "polygon":
        return _missing("coverage_area needs a polygon area as its scope")
    label = f"{scope.name} area"
    area_km2 = coverage_of_area(scope.geometry, [], area_label=label).area_km2
    evidence: dict[str, Any] = {
        "scope": scope.name,
        "area_km2": round(area_km2, 4),
        "kinds": p.kinds,
    }
    as_written = None
    if p.stated_count is not None and p.radius_m is not None:
        bound, text = stated_arithmetic(p.stated_count, p.radius_m, area_km2, label)
        evidence["as_written"] = {
            "count": p.stated_count,
            "radius_m": p.radius_m,
            "upper_bound_pct": _pct(bound),
            "arithmetic": text,
        }
        if goal.unreachable_below(_pct(bound)):
            as_written = f"impossible as written: {text}, below the target {goal.text()}"
    if data.devices is None:
        if as_written:
            return Evaluation(None, "fail", evidence, as_written)
        return _missing("no device registry in the data (devices)", evidence)
    sites, missing = _sites(_select(data.devices, p.kinds, None), p)
    if missing:
        return _no_radius(missing, p)
    cov = coverage_of_area(scope.geometry, sites, area_label=label)
    value = _pct(cov.fraction)
    evidence.update(cov.to_dict())
    measured = f"{len(sites)} site(s) of {_kinds_text(p.kinds)} cover {value:g} % of {scope.name}"
    if goal.unreachable_below(_pct(cov.upper_bound_fraction)):
        res = Evaluation(
            value,
            "fail",
            evidence,
            f"impossible with these sites: {cov.arithmetic}, below the target "
            f"{goal.text()}; measured: {measured}",
        )
        if as_written and evidence["as_written"]["arithmetic"] == cov.arithmetic:
            as_written = None  # the sites are the stated count and radius: said once
    else:
        res = _judge(goal, value, evidence, measured)
    return _with_note(res, as_written)


def coverage_corridor(
    goal: Goal,
    p: CoverageCorridorParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of a corridor (the scope line ± half-width) covered, by area or by length."""
    if scope is None or scope.kind != "line":
        return _missing("coverage_corridor needs a line area as its scope")
    half = p.half_width_m or scope.buffer_m
    if not half:
        return _missing(
            f"no corridor half-width: set params.half_width_m or areas.{scope.name}.buffer_m"
        )
    if data.devices is None:
        return _missing("no device registry in the data (devices)")
    sites, missing = _sites(_select(data.devices, p.kinds, None), p)
    if missing:
        return _no_radius(missing, p)
    cov = coverage_of_corridor(scope.geometry, half, sites)
    frac = cov.area_fraction if p.measure == "area" else cov.length_fraction
    value = _pct(frac)
    evidence = {"scope": scope.name, "measure": p.measure, "kinds": p.kinds, **cov.to_dict()}
    return _judge(
        goal,
        value,
        evidence,
        f"{len(sites)} site(s) cover {value:g} % of the {scope.name} corridor's "
        f"{p.measure} (±{half:g} m, {cov.length_km:.1f} km)",
    )


def coverage_points(
    goal: Goal,
    p: CoveragePointsParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of points within reach of a site: the scope's named points, or the devices of
    `point_kinds` (inside the scope if one is given)."""
    if p.point_kinds is None:
        if scope is None or scope.kind != "points":
            return _missing(
                "coverage_points needs params.point_kinds or a points area as its scope"
            )
        points = dict(scope.points)
    else:
        if data.devices is None:
            return _missing("no device registry in the data (devices)")
        targets = _select(data.devices, p.point_kinds, scope)
        points = {d.device_id: (d.lon, d.lat) for d in targets}
    if not points:
        return _missing(f"no points to cover ({_kinds_text(p.point_kinds)})")
    if data.devices is None:
        return _missing("no device registry in the data (devices)")
    sites, missing = _sites(_select(data.devices, p.kinds, None), p)
    if missing:
        return _no_radius(missing, p)
    cov = coverage_of_points(points, sites)
    value = _pct(cov.fraction or 0.0)
    evidence = {
        "scope": scope.name if scope else None,
        "kinds": p.kinds,
        "point_kinds": p.point_kinds,
        **cov.to_dict(),
    }
    evidence["uncovered_ids"] = cov.uncovered_ids[:50]
    why = f"{cov.covered} of {cov.total} point(s) within reach of {len(sites)} site(s)"
    if cov.uncovered_ids:
        more = " …" if len(cov.uncovered_ids) > 5 else ""
        why += f" (not: {', '.join(cov.uncovered_ids[:5])}{more})"
    return _judge(goal, value, evidence, why)


def online_rate(
    goal: Goal,
    p: DeviceParams,
    data: EvaluationData,
    scope: Area | None,
    window: tuple[TimeWindow | None, str | None],
) -> Evaluation:
    """% of device-time online over the window: each status sample holds until the
    device's next one; time before a device's first sample counts as offline."""
    span, note = window
    if data.devices is None:
        return _missing("no device registry in the data (devices)")
    if data.status is None:
        return _missing("no status samples in the data (status)")
    if span is None:
        return _missing(note or "no window")
    devs = _select(data.devices, p.kinds, scope)
    if not devs:
        return _missing(f"no devices of {_kinds_text(p.kinds)} in scope")
    start, end = span
    by_dev: dict[str, list[StatusSample]] = {}
    for s in data.status:
        by_dev.setdefault(s.device_id, []).append(s)
    per: dict[str, float] = {}
    for d in devs:
        samples = sorted(by_dev.get(d.device_id, []), key=lambda s: s.ts_ms)
        online_ms, state, t = 0, False, start
        for s in samples:
            if s.ts_ms <= start:
                state = s.online
                continue
            if s.ts_ms >= end:
                break
            if state:
                online_ms += s.ts_ms - t
            state, t = s.online, s.ts_ms
        if state:
            online_ms += end - t
        per[d.device_id] = online_ms / (end - start)
    value = _pct(sum(per.values()) / len(per))
    worst = sorted(per.items(), key=lambda kv: (kv[1], kv[0]))[:10]
    evidence = {
        "devices": len(per),
        "window_h": round((end - start) / HOUR_MS, 3),
        "never_online": sorted(k for k, v in per.items() if v == 0)[:50],
        "never_online_count": sum(1 for v in per.values() if v == 0),
        "worst": {k: round(v, 6) for k, v in worst},
        "kinds": p.kinds,
        "scope": scope.name if scope else None,
    }
    res = _judge(
        goal,
        value,
        evidence,
        f"{len(per)} device(s) of {_kinds_text(p.kinds)} online {value:g} % of "
        f"{(end - start) / HOUR_MS:g} h",
    )
    return _with_note(res, note)


def data_completeness(
    goal: Goal,
    p: DeviceParams,
    data: EvaluationData,
    scope: Area | None,
    window: tuple[TimeWindow | None, str | None],
) -> Evaluation:
    """% of expected readings received: per device min(received, window / interval_s),
    summed, over the sum expected. Repeated event times count once (duplicates)."""
    span, note = window
    if data.devices is None:
        return _missing("no device registry in the data (devices)")
    if data.readings is None:
        return _missing("no reading times in the data (readings)")
    if span is None:
        return _missing(note or "no window")
    devs = [d for d in _select(data.devices, p.kinds, scope) if d.interval_s]
    if not devs:
        return _missing(f"no devices of {_kinds_text(p.kinds)} with an interval_s in scope")
    start, end = span
    expected = received = 0
    short: dict[str, float] = {}
    for d in devs:
        exp = int((end - start) // (d.interval_s * 1000))
        if exp <= 0:
            continue
        ts = np.unique(np.asarray(data.readings.get(d.device_id, ()), dtype=np.int64))
        got = int(np.count_nonzero((ts >= start) & (ts < end)))
        expected += exp
        received += min(got, exp)
        if got < exp:
            short[d.device_id] = got / exp
    if expected == 0:
        return _missing("the window is shorter than every device's interval")
    value = _pct(received / expected)
    worst = sorted(short.items(), key=lambda kv: (kv[1], kv[0]))[:10]
    evidence = {
        "devices": len(devs),
        "expected": expected,
        "received": received,
        "incomplete_devices": len(short),
        "worst": {k: round(v, 6) for k, v in worst},
        "window_h": round((end - start) / HOUR_MS, 3),
        "kinds": p.kinds,
        "scope": scope.name if scope else None,
    }
    res = _judge(
        goal,
        value,
        evidence,
        f"{received} of {expected} expected readings from {len(devs)} device(s)",
    )
    return _with_note(res, note)


def patrol_24h(
    goal: Goal,
    p: PatrolParams,
    data: EvaluationData,
    scope: Area | None,
    window: tuple[TimeWindow | None, str | None],
) -> Evaluation:
    """% of the window's whole hours in which each tower swept its sector; the value is the
    `min` (every tower must patrol) or `mean` over towers."""
    span, note = window
    if data.sweeps is None:
        return _missing("no patrol records in the data (sweeps)")
    if span is None:
        return _missing(note or "no window")
    start, end = span
    hours = range(-(-start // HOUR_MS), end // HOUR_MS)
    if len(hours) == 0:
        return _missing("the window holds no whole hour")
    caveat = None
    if data.devices is not None:
        towers = [d.device_id for d in _select(data.devices, p.kinds, scope)]
        if not towers:
            return _missing(f"no devices of {_kinds_text(p.kinds)} in scope")
    else:  # without a registry a tower that never patrolled cannot be seen
        towers = sorted({s.tower_id for s in data.sweeps})
        caveat = "towers taken from the patrol records (no registry): silent towers unseen"
        if not towers:
            return _missing("no patrol records and no registry")
    pc = patrol_coverage(data.sweeps, towers, hours, p.min_swept)
    frac = pc.min_fraction if p.aggregate == "min" else pc.mean_fraction
    value = _pct(frac or 0.0)
    evidence = {
        **pc.to_dict(),
        "aggregate": p.aggregate,
        "kinds": p.kinds,
        "missed_hours": {k: len(v) for k, v in sorted(pc.missed_hours.items())[:50]},
    }
    res = _judge(
        goal,
        value,
        evidence,
        f"{p.aggregate} over {len(towers)} tower(s) of the share of {len(hours)} hour(s) swept",
    )
    return _with_note(_with_note(res, note), caveat)


def _kpi_names_zh(data: EvaluationData) -> dict[str, str]:
    return {**KPI_NAMES_ZH, **data.kpi_names_zh}


_UNIT_SUFFIX = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


def _kpi_key(name: str, kpis: Mapping[str, Any], names_zh: Mapping[str, str]) -> str | None:
    """The KPI key `name` means: a key, or a Chinese name with or without its unit suffix
    (平均处置时长 for 平均处置时长(小时))."""
    if name in kpis:
        return name
    by_zh = {zh: key for key, zh in names_zh.items()}
    by_zh.update(
        {
            _UNIT_SUFFIX.sub("", zh): key
            for key, zh in names_zh.items()
            if _UNIT_SUFFIX.sub("", zh) not in by_zh
        }
    )
    key = by_zh.get(name.strip()) or by_zh.get(_UNIT_SUFFIX.sub("", name.strip()))
    return key if key in kpis else None


def kpi(
    goal: Goal, p: KpiParams, data: EvaluationData, scope: Area | None = None, window: Any = None
) -> Evaluation:
    """A named KPI from `data.kpis` (key or Chinese name); rates as %."""
    if data.kpis is None:
        return _missing("no KPIs in the data (kpis)")
    names_zh = _kpi_names_zh(data)
    key = _kpi_key(p.name, data.kpis, names_zh)
    if key is None:
        return _missing(f"no KPI {p.name!r} in the data (has: {', '.join(sorted(data.kpis))})")
    raw = data.kpis[key]
    if raw is None:
        return _missing(f"KPI {key} is null (nothing to count: its denominator is 0)")
    as_percent = p.as_percent if p.as_percent is not None else key.endswith(("_rate", "_share"))
    value = _pct(float(raw)) if as_percent else float(raw)
    evidence = {
        "kpi": key,
        "name_zh": names_zh.get(key),
        "raw": raw,
        "as_percent": as_percent,
        **data.kpi_evidence.get(key, {}),
    }
    return _judge(
        goal, value, evidence, f"KPI {key}" + (f" ({names_zh[key]})" if key in names_zh else "")
    )


def _nearest_rank(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * q / 100 - 1e-9))
    return ordered[rank - 1]


def detection_latency(
    goal: Goal,
    p: LatencyParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """The `percentile` (nearest rank) of detection latencies in seconds, over the detected
    incidents (of `kinds`, when given); undetected ones are counted in the evidence, and the
    slowest detections are listed with the case that detected each."""
    if data.latencies is None:
        return _missing("no detection latencies in the data (latencies)")
    rows = [x for x in data.latencies if p.kinds is None or x.kind in p.kinds]
    if not rows:
        if p.kinds is not None and data.latencies:
            return _missing(
                f"no incidents of kind {_kinds_text(p.kinds)} (the data hold "
                f"{_kinds_text(sorted({str(x.kind) for x in data.latencies}))})"
            )
        return _missing("no incidents to detect")
    found = [x for x in rows if x.latency_s is not None]
    detected = [x.latency_s for x in found if x.latency_s is not None]
    missed = [x.incident_id for x in rows if x.latency_s is None]
    slowest = sorted(found, key=lambda x: (-(x.latency_s or 0.0), x.incident_id))[:10]
    evidence: dict[str, Any] = {
        "incidents": len(rows),
        "detected": len(detected),
        "undetected": len(missed),
        "undetected_ids": missed[:50],
        "percentile": p.percentile,
        "kinds": p.kinds,
        "slowest": [
            {
                "incident_id": x.incident_id,
                "kind": x.kind,
                "latency_s": x.latency_s,
                "case_id": x.case_id,
                "channel": x.channel,
            }
            for x in slowest
        ],
    }
    if not detected:
        return Evaluation(None, "fail", evidence, f"none of {len(rows)} incident(s) was detected")
    value = round(_nearest_rank(detected, p.percentile), 3)
    evidence.update(
        {
            q: round(_nearest_rank(detected, v), 3)
            for q, v in (("p50", 50), ("p90", 90), ("p95", 95), ("max", 100))
        }
    )
    of = "" if p.kinds is None else f" {_kinds_text(p.kinds)}"
    why = f"p{p.percentile:g} of {len(detected)} detected{of} incident(s)"
    if missed:
        why += f" ({len(missed)} undetected, not in the percentile)"
    return _judge(goal, value, evidence, why)


def aqi_days(
    goal: Goal,
    p: AqiDaysParams,
    data: EvaluationData,
    scope: Area | None,
    window: tuple[TimeWindow | None, str | None],
) -> Evaluation:
    """Days whose daily AQI level is in `levels`: a count, or a % of the valid days. A day
    counts when it lies wholly inside the window (local dates, `data.utc_offset_min`)."""
    span, note = window
    if data.aqi_days is None:
        return _missing("no daily AQI in the data (aqi_days)")
    tz = timezone(timedelta(minutes=data.utc_offset_min))
    rows = []
    for row in data.aqi_days:
        day = datetime.fromisoformat(row.date).replace(tzinfo=tz)
        t0 = int(day.timestamp() * 1000)
        if span is None or (t0 >= span[0] and t0 + DAY_MS <= span[1]):
            rows.append(row)
    valid = []
    for row in rows:
        level = row.level
        if level is None and row.aqi is not None:
            level = level_of(math.ceil(row.aqi))[0]
        if level is not None:
            valid.append((row.date, level))
    if not valid:
        return _missing("no valid daily AQI in the window")
    hits = [d for d, lv in valid if lv in p.levels]
    names = "/".join(AQI_LEVELS[lv - 1][3] for lv in p.levels)
    by_level = dict(sorted(Counter(AQI_LEVELS[lv - 1][3] for _, lv in valid).items()))
    evidence = {
        "days": len(valid),
        "invalid_days": len(rows) - len(valid),
        "hits": len(hits),
        "levels": p.levels,
        "by_level": by_level,
        "mode": p.mode,
    }
    if p.mode == "count":
        res = _judge(
            goal, float(len(hits)), evidence, f"{len(hits)} {names} day(s) of {len(valid)}"
        )
    else:
        res = _judge(
            goal,
            _pct(len(hits) / len(valid)),
            evidence,
            f"{len(hits)} {names} day(s) of {len(valid)} valid",
        )
    return _with_note(res, note if span is not None else None)


def lighting_saving(
    goal: Goal,
    p: LightingParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """% of street-lighting energy saved against the always-full baseline."""
    light = data.lighting
    if light is None:
        return _missing("no lighting indicator in the data (lighting)")
    saving = light.saving
    if saving is None:
        if not light.baseline_kwh or light.energy_kwh is None:
            return _missing(
                "no lamp was lit (baseline 0): nothing to save against",
                {"energy_kwh": light.energy_kwh, "baseline_kwh": light.baseline_kwh},
            )
        saving = 1.0 - light.energy_kwh / light.baseline_kwh
    value = _pct(saving)
    evidence = {
        "energy_kwh": light.energy_kwh,
        "baseline_kwh": light.baseline_kwh,
        "saving": saving,
    }
    return _judge(goal, value, evidence, "street-lighting saving against always-full")


def _with_note(res: Evaluation, note: str | None) -> Evaluation:
    if not note:
        return res
    return Evaluation(res.value, res.verdict, {**res.evidence, "note": note}, f"{res.why} ({note})")


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is checked: its params model, evaluator, the area kinds its scope may
    name (() = no scope), whether a scope is required, whether it reads a time window, and
    whether its value is a percentage (None: it depends on the params)."""

    params: type[_Params]
    evaluate: Callable[..., Evaluation]
    scope: tuple[str, ...]
    scope_required: bool
    window: bool
    percent: bool | None


DEVICE_SCOPES = ("polygon", "line")
METRICS: dict[str, MetricInfo] = {
    "device_count": MetricInfo(DeviceCountParams, device_count, DEVICE_SCOPES, False, False, False),
    "coverage_area": MetricInfo(CoverageAreaParams, coverage_area, ("polygon",), True, False, True),
    "coverage_corridor": MetricInfo(
        CoverageCorridorParams, coverage_corridor, ("line",), True, False, True
    ),
    "coverage_points": MetricInfo(
        CoveragePointsParams, coverage_points, ("points", "polygon", "line"), False, False, True
    ),
    "online_rate": MetricInfo(DeviceParams, online_rate, DEVICE_SCOPES, False, True, True),
    "data_completeness": MetricInfo(
        DeviceParams, data_completeness, DEVICE_SCOPES, False, True, True
    ),
    "patrol_24h": MetricInfo(PatrolParams, patrol_24h, DEVICE_SCOPES, False, True, True),
    "kpi": MetricInfo(KpiParams, kpi, (), False, False, None),
    "detection_latency": MetricInfo(LatencyParams, detection_latency, (), False, False, False),
    "aqi_days": MetricInfo(AqiDaysParams, aqi_days, (), False, True, None),
    "lighting_saving": MetricInfo(LightingParams, lighting_saving, (), False, False, True),
}
_WINDOWED = {"online_rate", "data_completeness", "patrol_24h", "aqi_days"}


def evaluate_one(
    spec: CommitmentSpec, params: BaseModel, data: EvaluationData, areas: Mapping[str, Area]
) -> Evaluation:
    """One commitment (its params already checked) against the data."""
    info = METRICS[spec.metric]
    goal = Goal(spec.comparison, spec.target, spec.unit)
    scope = areas[spec.scope] if spec.scope else None
    if spec.metric in _WINDOWED:
        return info.evaluate(goal, params, data, scope, resolve_window(spec.window, data))
    return info.evaluate(goal, params, data, scope)


def evaluate(commitments: CommitmentsFile, data: EvaluationData) -> list[dict[str, Any]]:
    """Every commitment against the data: rows {id, quote, domain, metric, comparison,
    target, unit, value, verdict, evidence, why}, in file order."""
    if not commitments._resolved:
        raise ValueError(
            "load the file with load_commitments/parse_commitments first (they "
            "resolve the areas and check the params)"
        )
    rows = []
    for i, spec in enumerate(commitments.commitments):
        res = evaluate_one(spec, commitments.params_of(i), data, commitments._areas)
        rows.append(
            {
                "id": spec.id,
                "quote": spec.quote,
                "domain": spec.domain,
                "metric": spec.metric,
                "comparison": spec.comparison,
                "target": spec.target,
                "unit": spec.unit,
                "value": res.value,
                "verdict": res.verdict,
                "evidence": res.evidence,
                "why": res.why,
            }
        )
    return rows


# --------------------------------------------------------------------------- loading


class CommitmentsError(InputFileError):
    """A commitments file that cannot be used: the file and each problem's key path."""


def load_commitments(path: str | Path) -> CommitmentsFile:
    """Read and fully check a commitments file (areas resolved, params checked)."""
    doc = read_yaml(path, CommitmentsError)
    return parse_commitments(
        doc.data, base_dir=doc.path.resolve().parent, source=doc.path, text=doc.text
    )


def parse_commitments(
    data: Any, base_dir: str | Path = ".", source: str | Path = "<data>", text: str | None = None
) -> CommitmentsFile:
    """Check parsed YAML (a mapping) as a commitments file; `base_dir` resolves area files,
    `source` names the file in errors, `text` (the YAML) adds line numbers to them."""
    if not isinstance(data, dict):
        raise CommitmentsError(
            source, [("(top level)", "expected a mapping with pilot, areas and commitments")]
        )
    try:
        spec = CommitmentsFile.model_validate(data)
    except ValidationError as err:
        raise CommitmentsError(
            source, [(format_location(text, loc), msg) for loc, msg in validation_problems(err)]
        ) from None
    problems: list[tuple[tuple[int | str, ...], str]] = []
    areas: dict[str, Area] = {}
    for name, aspec in spec.areas.items():
        area, errs = _area_from_spec(name, aspec, Path(base_dir))
        if area is not None:
            areas[name] = area
        for msg in errs:
            key, _, detail = msg.partition(": ")
            problems.append((("areas", name, key), detail))
    params: list[BaseModel] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(spec.commitments):
        info = METRICS[c.metric]
        here = ("commitments", i)
        if c.id in seen:
            problems.append(((*here, "id"), f"id {c.id!r} is also commitments[{seen[c.id]}]"))
        seen.setdefault(c.id, i)
        try:
            p = info.params.model_validate(c.params)
        except ValidationError as err:
            problems += [((*here, "params", *loc), msg) for loc, msg in validation_problems(err)]
            p = None
        params.append(p if p is not None else _Params())
        problems += [
            ((*here, *key.split(".")), msg)
            for key, msg in _cross_check(c, p, info, areas, spec.areas)
        ]
    if problems:
        raise CommitmentsError(source, [(format_location(text, loc), msg) for loc, msg in problems])
    spec._areas = areas
    spec._params = params
    spec._path = Path(source) if not str(source).startswith("<") else None
    spec._resolved = True
    return spec


def _cross_check(
    c: CommitmentSpec,
    p: BaseModel | None,
    info: MetricInfo,
    areas: Mapping[str, Area],
    specs: Mapping[str, AreaSpec],
) -> list[tuple[str, str]]:
    """Scope, window and unit against the metric (key under the commitment, message)."""
    out: list[tuple[str, str]] = []
    area = areas.get(c.scope) if c.scope else None
    if c.scope is not None:
        if not info.scope:
            out.append(("scope", f"metric {c.metric} takes no scope"))
        elif c.scope not in specs:
            out.append(("scope", f"no area {c.scope!r}; areas: {sorted(specs) or 'none'}"))
        elif area is not None and area.kind not in info.scope:
            out.append(
                (
                    "scope",
                    f"{c.metric} needs a {' or '.join(info.scope)} area; "
                    f"{c.scope!r} is a {area.kind} area",
                )
            )
        elif (
            area is not None
            and area.kind == "line"
            and not area.buffer_m
            and c.metric not in ("coverage_corridor",)
        ):
            out.append(
                (
                    "scope",
                    f"line area {c.scope!r} has no buffer_m: devices within how many metres count?",
                )
            )
    elif info.scope_required:
        out.append(
            ("scope", f"{c.metric} needs a scope: the name of a {' or '.join(info.scope)} area")
        )
    if (
        c.metric == "coverage_corridor"
        and isinstance(p, CoverageCorridorParams)
        and area
        and p.half_width_m is None
        and not area.buffer_m
    ):
        out.append(
            (
                "params.half_width_m",
                f"give the corridor half-width here or as areas.{c.scope}.buffer_m",
            )
        )
    if (
        c.metric == "coverage_points"
        and isinstance(p, CoveragePointsParams)
        and p.point_kinds is None
        and (area is None or area.kind != "points")
        and not (c.scope and c.scope not in areas)
    ):
        out.append(
            (
                "params.point_kinds",
                "name the point devices (point_kinds) or give a points area as the scope",
            )
        )
    if c.window is not None and not info.window:
        out.append(
            (
                "window",
                f"{c.metric} does not read a time window (its data are already for one span)",
            )
        )
    percent = info.percent
    if c.metric == "aqi_days" and isinstance(p, AqiDaysParams):
        percent = p.mode == "share"
    if percent and c.unit not in (None, "%"):
        out.append(
            (
                "unit",
                f"{c.metric} is measured in percent: unit must be '%' (targets "
                f"are percent numbers like 95), got {c.unit!r}",
            )
        )
    if percent and not 0 <= c.target <= 100:
        out.append(
            (
                "target",
                f"{c.metric} is a percentage: the target must be in 0..100 (got {c.target:g})",
            )
        )
    return out
