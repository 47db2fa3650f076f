"""Metrics of the case work: any KPI the IOC computes (by key or Chinese name, rates as %),
and detection latency percentiles from the ground truth.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ioc.assessment.commitments.areas import Area
from ioc.assessment.commitments.data import EvaluationData
from ioc.assessment.commitments.params import KpiParams, LatencyParams
from ioc.assessment.commitments.results import (
    Evaluation,
    Goal,
    judge,
    kinds_text,
    not_evaluable,
    pct,
)
from ioc.measures.kpis import KPI_NAMES_ZH, nearest_rank


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
        return not_evaluable("no KPIs in the data (kpis)")
    names_zh = _kpi_names_zh(data)
    key = _kpi_key(p.name, data.kpis, names_zh)
    if key is None:
        return not_evaluable(f"no KPI {p.name!r} in the data (has: {', '.join(sorted(data.kpis))})")
    raw = data.kpis[key]
    if raw is None:
        return not_evaluable(f"KPI {key} is null (nothing to count: its denominator is 0)")
    as_percent = p.as_percent if p.as_percent is not None else key.endswith(("_rate", "_share"))
    value = pct(float(raw)) if as_percent else float(raw)
    evidence = {
        "kpi": key,
        "name_zh": names_zh.get(key),
        "raw": raw,
        "as_percent": as_percent,
        **data.kpi_evidence.get(key, {}),
    }
    return judge(
        goal, value, evidence, f"KPI {key}" + (f" ({names_zh[key]})" if key in names_zh else "")
    )


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
        return not_evaluable("no detection latencies in the data (latencies)")
    rows = [x for x in data.latencies if p.kinds is None or x.kind in p.kinds]
    if not rows:
        if p.kinds is not None and data.latencies:
            return not_evaluable(
                f"no incidents of kind {kinds_text(p.kinds)} (the data hold "
                f"{kinds_text(sorted({str(x.kind) for x in data.latencies}))})"
            )
        return not_evaluable("no incidents to detect")
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
    value = round(nearest_rank(detected, p.percentile), 3)
    evidence.update(
        {
            q: round(nearest_rank(detected, v), 3)
            for q, v in (("p50", 50), ("p90", 90), ("p95", 95), ("max", 100))
        }
    )
    of = "" if p.kinds is None else f" {kinds_text(p.kinds)}"
    why = f"p{p.percentile:g} of {len(detected)} detected{of} incident(s)"
    if missed:
        why += f" ({len(missed)} undetected, not in the percentile)"
    return judge(goal, value, evidence, why)
