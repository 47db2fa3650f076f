"""Checking a loaded commitments file against the data: each commitment's window resolved
against the data's span, its evaluator called, the rows of the report returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from ioc.assessment.commitments.areas import Area
from ioc.assessment.commitments.data import DAY_MS, HOUR_MS, EvaluationData, TimeWindow
from ioc.assessment.commitments.loading import CommitmentsFile
from ioc.assessment.commitments.metrics import METRICS
from ioc.assessment.commitments.results import Evaluation, Goal
from ioc.assessment.commitments.spec import LAST_WINDOW, CommitmentSpec, WindowSpec


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


def evaluate_one(
    spec: CommitmentSpec, params: BaseModel, data: EvaluationData, areas: Mapping[str, Area]
) -> Evaluation:
    """One commitment (its params already checked) against the data."""
    info = METRICS[spec.metric]
    goal = Goal(spec.comparison, spec.target, spec.unit)
    scope = areas[spec.scope] if spec.scope else None
    if info.window:
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
