"""City indicator metrics: days at given AQI levels (HJ 633 daily reports), and the
street-lighting energy saving.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Any

from ioc.assessment.commitments.areas import Area
from ioc.assessment.commitments.data import DAY_MS, EvaluationData, TimeWindow
from ioc.assessment.commitments.params import AqiDaysParams, LightingParams
from ioc.assessment.commitments.results import (
    Evaluation,
    Goal,
    judge,
    not_evaluable,
    pct,
    with_note,
)
from ioc.measures.aqi import LEVELS as AQI_LEVELS
from ioc.measures.aqi import level_of


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
        return not_evaluable("no daily AQI in the data (aqi_days)")
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
        return not_evaluable("no valid daily AQI in the window")
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
        res = judge(goal, float(len(hits)), evidence, f"{len(hits)} {names} day(s) of {len(valid)}")
    else:
        res = judge(
            goal,
            pct(len(hits) / len(valid)),
            evidence,
            f"{len(hits)} {names} day(s) of {len(valid)} valid",
        )
    return with_note(res, note if span is not None else None)


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
        return not_evaluable("no lighting indicator in the data (lighting)")
    saving = light.saving
    if saving is None:
        if not light.baseline_kwh or light.energy_kwh is None:
            return not_evaluable(
                "no lamp was lit (baseline 0): nothing to save against",
                {"energy_kwh": light.energy_kwh, "baseline_kwh": light.baseline_kwh},
            )
        saving = 1.0 - light.energy_kwh / light.baseline_kwh
    value = pct(saving)
    evidence = {
        "energy_kwh": light.energy_kwh,
        "baseline_kwh": light.baseline_kwh,
        "saving": saving,
    }
    return judge(goal, value, evidence, "street-lighting saving against always-full")
