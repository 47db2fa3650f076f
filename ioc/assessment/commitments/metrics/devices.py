"""Metrics of the device registry and its data: how many devices, online how much of the
time, how complete their readings are.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from ioc.assessment.commitments.areas import Area, select
from ioc.assessment.commitments.data import HOUR_MS, EvaluationData, StatusSample, TimeWindow
from ioc.assessment.commitments.params import DeviceCountParams, DeviceParams
from ioc.assessment.commitments.results import (
    Evaluation,
    Goal,
    judge,
    kinds_text,
    not_evaluable,
    pct,
    with_note,
)

# Each: (goal, params, data, scope area or None, window) -> Evaluation.


def device_count(
    goal: Goal,
    p: DeviceCountParams,
    data: EvaluationData,
    scope: Area | None = None,
    window: Any = None,
) -> Evaluation:
    """Devices of `kinds` (all when None) in the registry, inside `scope` if given."""
    if data.devices is None:
        return not_evaluable("no device registry in the data (devices)")
    chosen = select(data.devices, p.kinds, scope)
    by_kind = dict(sorted(Counter(d.kind for d in chosen).items()))
    where = f" in {scope.name}" if scope else ""
    return judge(
        goal,
        float(len(chosen)),
        {
            "count": len(chosen),
            "by_kind": by_kind,
            "kinds": p.kinds,
            "scope": scope.name if scope else None,
        },
        f"{len(chosen)} device(s) of {kinds_text(p.kinds)}{where}",
    )


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
        return not_evaluable("no device registry in the data (devices)")
    if data.status is None:
        return not_evaluable("no status samples in the data (status)")
    if span is None:
        return not_evaluable(note or "no window")
    devs = select(data.devices, p.kinds, scope)
    if not devs:
        return not_evaluable(f"no devices of {kinds_text(p.kinds)} in scope")
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
    value = pct(sum(per.values()) / len(per))
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
    res = judge(
        goal,
        value,
        evidence,
        f"{len(per)} device(s) of {kinds_text(p.kinds)} online {value:g} % of "
        f"{(end - start) / HOUR_MS:g} h",
    )
    return with_note(res, note)


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
        return not_evaluable("no device registry in the data (devices)")
    if data.readings is None:
        return not_evaluable("no reading times in the data (readings)")
    if span is None:
        return not_evaluable(note or "no window")
    devs = [d for d in select(data.devices, p.kinds, scope) if d.interval_s]
    if not devs:
        return not_evaluable(f"no devices of {kinds_text(p.kinds)} with an interval_s in scope")
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
        return not_evaluable("the window is shorter than every device's interval")
    value = pct(received / expected)
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
    res = judge(
        goal,
        value,
        evidence,
        f"{received} of {expected} expected readings from {len(devs)} device(s)",
    )
    return with_note(res, note)
