"""KPIs (统一考核) derived from the case event log, with explicit denominators.

The log is replayed up to `as_of` (event time), optionally for cases reported in a window,
and the KPIs are computed over those cases, in total or per department (unit), street, grid,
handling level or discovery channel. Parked cases (挂账) are left out of every rate.

    上报数 reported            cases opened by a report (reports merged into a case:
                               duplicate_reports 重复上报数)
    有效上报率 valid_report_rate filed / (filed + voided): reports found valid, of those decided
    按时立案率 on_time_filing_rate   filed by the due time of the filing stage / filed
    准确派遣率 accurate_dispatch_rate (dispatches - returned 回退) / dispatches
    按期派遣率 on_time_dispatch_rate  dispatches made by their due time / dispatches
               (dispatches: first dispatches and re-dispatches after 回退; 返工 not counted)
    应处置数 due_to_handle       dispatched cases handled, or past their deadline unhandled
    处置率 handling_rate         handled / due_to_handle
    按期处置率 on_time_handling_rate handled within the (extended) limit / due_to_handle
    应结案数 due_to_close        = due_to_handle (handled cases + overdue undisposed ones)
    结案率 closure_rate          closed / due_to_close
    按期结案率 on_time_closure_rate closed and handled in time / due_to_close
    超期结案率 overdue_closure_rate closed with 超时结案 / due_to_close
    返工率 rework_rate           返工 re-dispatches / due_to_close
    延期率 extension_rate        cases with an approved extension / due_to_handle
    超期待处置率 overdue_pending_rate past their deadline, not handled / due_to_handle
    平均处置时长 mean_handling_hours, p90_handling_hours   处置 - first 派遣, hours
    智能发现占比 smart_discovery_share   cases opened by an IoT/AI report / reported
    综合指标值 composite_score   the flow's weighted terms, e.g. 处置率x30 + 按期处置率x20 +
                               (1-返工率)x20 + (1-超期待处置率)x20 + (1-延期率)x10

Rates are fractions in [0, 1], or null when their denominator is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from ioc.casework.cases import Case, CaseEvent, CaseLog, FlowRules, Stage
from ioc.casework.flowconfig import CompositeTerm

KPI_NAMES_ZH: dict[str, str] = {
    "reported": "上报数",
    "duplicate_reports": "重复上报数",
    "valid_report_rate": "有效上报率",
    "voided": "作废数",
    "filed": "立案数",
    "on_time_filing_rate": "按时立案率",
    "dispatched": "派遣数",
    "accurate_dispatch_rate": "准确派遣率",
    "on_time_dispatch_rate": "按期派遣率",
    "returned": "回退数",
    "handled": "处置数",
    "due_to_handle": "应处置数",
    "handling_rate": "处置率",
    "handled_on_time": "按期处置数",
    "on_time_handling_rate": "按期处置率",
    "closed": "结案数",
    "due_to_close": "应结案数",
    "closure_rate": "结案率",
    "closed_on_time": "按期结案数",
    "on_time_closure_rate": "按期结案率",
    "overdue_closure_rate": "超期结案率",
    "rework": "返工数",
    "rework_rate": "返工率",
    "extensions": "延期数",
    "extension_rate": "延期率",
    "overdue_pending": "超期待处置数",
    "overdue_pending_rate": "超期待处置率",
    "parked": "挂账数",
    "open": "未结案数",
    "warnings": "红灯预警数",
    "overdue": "超期数",
    "escalated": "督办数",
    "mean_handling_hours": "平均处置时长(小时)",
    "p90_handling_hours": "处置时长P90(小时)",
    "smart_discovery_share": "智能发现占比",
    "composite_score": "综合指标值",
    "device_online_rate": "设备在线率",
}

GROUPS: dict[str, Callable[[Case], str | None]] = {
    "department": lambda c: c.department,
    "street": lambda c: c.street,
    "grid": lambda c: c.grid,
    "level": lambda c: c.level,
    "channel": lambda c: c.channel,
    "category": lambda c: c.category,
}


def ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `q` % of the values at or
    below it (numpy's `inverted_cdf`; one of the values, never an interpolation)."""
    return float(np.percentile(np.asarray(values, dtype=float), q, method="inverted_cdf"))


def case_kpis(
    cases: list[Case], as_of: int, composite: Iterable[CompositeTerm] = ()
) -> dict[str, Any]:
    """KPIs over a set of cases as they stood at `as_of`."""
    active = [c for c in cases if c.stage != Stage.PARKED]
    filed = [c for c in active if c.filed_ts is not None]
    voided = [c for c in active if c.stage == Stage.VOIDED]
    counted = [t for c in active for t in _dispatch_timings(c)]
    n_dispatches = len(counted)
    on_time_dispatches = sum(1 for t in counted if t.on_time)
    reworks = sum(c.rework for c in active)
    returned = sum(c.returned for c in active)
    handled = [c for c in active if c.handled_ts is not None]
    overdue_pending = [
        c
        for c in active
        if c.handled_ts is None
        and c.is_open
        and c.deadline_ts is not None
        and c.deadline_ts < as_of
    ]
    due = len(handled) + len(overdue_pending)
    closed = [c for c in active if c.closed_ts is not None]
    hours = [
        (c.handled_ts - c.dispatched_ts) / 3.6e6
        for c in handled
        if c.dispatched_ts is not None and c.handled_ts is not None
    ]
    out: dict[str, Any] = {
        "reported": len(cases),
        "duplicate_reports": sum(len(c.reports) - 1 for c in cases),
        "valid_report_rate": ratio(len(filed), len(filed) + len(voided)),
        "voided": len(voided),
        "filed": len(filed),
        "on_time_filing_rate": ratio(sum(1 for c in filed if _filing_on_time(c)), len(filed)),
        "dispatched": sum(1 for c in active if c.dispatched_ts is not None),
        "accurate_dispatch_rate": ratio(n_dispatches - returned, n_dispatches),
        "on_time_dispatch_rate": ratio(on_time_dispatches, n_dispatches),
        "returned": returned,
        "handled": len(handled),
        "due_to_handle": due,
        "handling_rate": ratio(len(handled), due),
        "handled_on_time": sum(1 for c in handled if c.on_time),
        "on_time_handling_rate": ratio(sum(1 for c in handled if c.on_time), due),
        "closed": len(closed),
        "due_to_close": due,
        "closure_rate": ratio(len(closed), due),
        "closed_on_time": sum(1 for c in closed if c.on_time),
        "on_time_closure_rate": ratio(sum(1 for c in closed if c.on_time), due),
        "overdue_closure_rate": ratio(sum(1 for c in closed if c.closure_type == "overdue"), due),
        "rework": reworks,
        "rework_rate": ratio(reworks, due),
        "extensions": sum(c.extensions for c in active),
        "extension_rate": ratio(sum(1 for c in active if c.extensions), due),
        "overdue_pending": len(overdue_pending),
        "overdue_pending_rate": ratio(len(overdue_pending), due),
        "parked": len(cases) - len(active),
        "open": sum(1 for c in active if c.is_open),
        "warnings": sum(c.warnings for c in cases),
        "overdue": sum(1 for c in cases if c.overdue),
        "escalated": sum(c.escalations for c in cases),
        "mean_handling_hours": round(sum(hours) / len(hours), 6) if hours else None,
        "p90_handling_hours": round(nearest_rank(hours, 90), 6) if hours else None,
        "smart_discovery_share": ratio(sum(1 for c in cases if c.channel == "iot"), len(cases)),
    }
    out["composite_score"] = composite_score(out, composite)
    return out


def _dispatch_timings(case: Case) -> list[Any]:
    """Dispatch timings that count for 按期派遣: not the 返工 re-dispatches."""
    dispatch_events = [e for e in case.events if e.action == Stage.DISPATCHED]
    timings = [t for t in case.timings if t.action == Stage.DISPATCHED]
    return [t for t, e in zip(timings, dispatch_events, strict=True) if not e.detail.get("rework")]


def _filing_on_time(case: Case) -> bool:
    return all(t.on_time for t in case.timings if t.action == Stage.FILED)


def composite_score(kpis: dict[str, Any], terms: Iterable[CompositeTerm]) -> float | None:
    """Σ weight x KPI (or x (1 - KPI)); terms whose KPI is null count as 0, and the score is
    null when every term is (nothing to assess yet)."""
    values = [(t, kpis.get(t.kpi)) for t in terms]
    if all(v is None for _, v in values):
        return None
    return round(
        sum(t.weight * ((1.0 - v) if t.invert else v) for t, v in values if v is not None), 4
    )


def compute_kpis(
    events: Iterable[CaseEvent],
    rules: FlowRules,
    as_of: int,
    composite: Iterable[CompositeTerm] = (),
    from_ts: int | None = None,
    group_by: str | None = None,
) -> dict[str, Any]:
    """KPIs from the log as it stood at `as_of`, for cases reported at or after `from_ts`;
    with `group_by`, also per group (see GROUPS)."""
    log = CaseLog.replay((ev for ev in events if ev.ts <= as_of), rules)
    cases = [
        c
        for c in log.cases.values()
        if from_ts is None or (c.reported_ts is not None and c.reported_ts >= from_ts)
    ]
    terms = list(composite)
    out = case_kpis(cases, as_of, terms)
    if group_by:
        key = GROUPS[group_by]
        groups: dict[str, list[Case]] = {}
        for c in cases:
            groups.setdefault(key(c) or "(none)", []).append(c)
        out["groups"] = {g: case_kpis(cs, as_of, terms) for g, cs in sorted(groups.items())}
    return out
