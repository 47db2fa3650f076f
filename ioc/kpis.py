"""KPIs (统一考核) derived from the case event log, with explicit denominators.

    上报数 reported        cases reported (duplicate reports merged into a case are counted
                           separately as duplicate_reports)
    立案数 filed, 派遣数 dispatched, 处置数 handled, 结案数 closed
    应结案数 due_to_close   handled cases + filed cases past their deadline and not handled
    结案率 closure_rate     closed / due_to_close
    按期结案率 on_time_closure_rate   closed and handled within the time limit / due_to_close
    平均处置时长 mean_handling_hours  mean(处置 - first 派遣) over handled cases, hours

Rates are fractions in [0, 1], or null when their denominator is 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ioc.cases import CaseEvent, CaseLog

KPI_NAMES_ZH: dict[str, str] = {
    "reported": "上报数",
    "duplicate_reports": "重复上报数",
    "filed": "立案数",
    "dispatched": "派遣数",
    "handled": "处置数",
    "closed": "结案数",
    "open": "未结案数",
    "overdue": "超期数",
    "rework": "返工数",
    "due_to_close": "应结案数",
    "closure_rate": "结案率",
    "on_time_closure_rate": "按期结案率",
    "mean_handling_hours": "平均处置时长(小时)",
    "device_online_rate": "设备在线率",
}


def ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def compute_kpis(events: Iterable[CaseEvent], as_of: int) -> dict[str, Any]:
    """KPIs over every case event up to and including event time `as_of`."""
    log = CaseLog.replay(ev for ev in events if ev.ts <= as_of)
    cases = list(log.cases.values())
    handled = [c for c in cases if c.handled_ts is not None]
    closed = [c for c in cases if c.closed_ts is not None]
    overdue_unhandled = [c for c in cases if c.handled_ts is None and c.deadline_ts is not None
                         and c.deadline_ts < as_of]
    due = len(handled) + len(overdue_unhandled)
    on_time_closed = sum(1 for c in closed if c.on_time)
    hours = [(c.handled_ts - c.dispatched_ts) / 3.6e6 for c in handled
             if c.dispatched_ts is not None and c.handled_ts is not None]
    return {
        "reported": len(cases),
        "duplicate_reports": sum(c.reports - 1 for c in cases),
        "filed": sum(1 for c in cases if c.filed_ts is not None),
        "dispatched": sum(1 for c in cases if c.dispatched_ts is not None),
        "handled": len(handled),
        "closed": len(closed),
        "open": sum(1 for c in cases if c.is_open),
        "overdue": sum(1 for c in cases if c.overdue),
        "rework": sum(c.rework for c in cases),
        "due_to_close": due,
        "closure_rate": ratio(len(closed), due),
        "on_time_closure_rate": ratio(on_time_closed, due),
        "mean_handling_hours": round(sum(hours) / len(hours), 6) if hours else None,
    }
