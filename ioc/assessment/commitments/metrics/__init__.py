"""The metric vocabulary: each metric's params model, its evaluator, the area kinds its scope
may name, whether it reads a time window and whether its value is a percentage. Evaluators
are pure functions over `EvaluationData`, grouped by family: `devices`, `coverage`, `cases`,
`city`. They import the commitments' params, data and results, never the file loading (which
imports this table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ioc.assessment.commitments.metrics.cases import detection_latency, kpi
from ioc.assessment.commitments.metrics.city import aqi_days, lighting_saving
from ioc.assessment.commitments.metrics.coverage import (
    coverage_area,
    coverage_corridor,
    coverage_points,
    patrol_24h,
)
from ioc.assessment.commitments.metrics.devices import data_completeness, device_count, online_rate
from ioc.assessment.commitments.params import (
    AqiDaysParams,
    CoverageAreaParams,
    CoverageCorridorParams,
    CoveragePointsParams,
    DeviceCountParams,
    DeviceParams,
    KpiParams,
    LatencyParams,
    LightingParams,
    Params,
    PatrolParams,
)
from ioc.assessment.commitments.results import Evaluation


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is checked: its params model, evaluator, the area kinds its scope may
    name (() = no scope), whether a scope is required, whether it reads a time window, and
    whether its value is a percentage (None: it depends on the params)."""

    params: type[Params]
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
