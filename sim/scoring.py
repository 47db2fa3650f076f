"""Scoring the IOC against the ground truth: which incidents it discovered, how fast, and
which of its cases were false alarms.

Each report in a case (its 上报 and every report merged into it) matches the nearest
incident of the same catalogue category that it was made within `radius_m` of, after the
incident started and no later than `grace` after it ended (or after the run ended, if it was
still going). An incident is discovered when any report matches it. A case none of whose
reports match is a false alarm; a case that matches only incidents earlier cases already
found is a duplicate. Only the truth log and the IOC's case list are used.
"""

from __future__ import annotations

import math
from typing import Any

from sim.geo import EARTH_RADIUS_M


def _distance_m(a: dict[str, Any], b: dict[str, Any]) -> float:
    k = math.pi * EARTH_RADIUS_M / 180.0
    dx = (a["lon"] - b["lon"]) * k * math.cos(math.radians((a["lat"] + b["lat"]) / 2))
    return math.hypot(dx, (a["lat"] - b["lat"]) * k)


def _reports(case: dict[str, Any]) -> list[dict[str, Any]]:
    """Each report in a case (its 上报 and merged reports) with where and when it was made."""
    reps = [{"lon": e["detail"]["lon"], "lat": e["detail"]["lat"], "ts": e["ts"]}
            for e in case["timeline"]
            if e["action"] in ("reported", "merged") and "lon" in e["detail"]]
    return reps or [{"lon": case["lon"], "lat": case["lat"], "ts": case["reported_ts"]}]


def score(truth: list[dict[str, Any]], cases: list[dict[str, Any]], radius_m: float,
          grace_s: float, run_end_ts: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(truth section of the summary, case_id -> ids of the incidents its reports match)."""
    incidents = [r for r in truth if r["type"] == "incident"]
    grace_ms = int(grace_s * 1000)
    matches: dict[str, list[str]] = {}
    first_report: dict[str, int] = {}
    duplicates = 0
    matched_before: set[str] = set()
    for case in sorted(cases, key=lambda c: (c["reported_ts"], c["case_id"])):
        hits: set[str] = set()
        for rep in _reports(case):
            best, best_d = None, radius_m
            for inc in incidents:
                end = inc["end_ts"] if inc["end_ts"] is not None else run_end_ts
                if inc["category"] != case["category"]:
                    continue
                if not inc["start_ts"] <= rep["ts"] <= end + grace_ms:
                    continue
                d = _distance_m(rep, inc)
                if d <= best_d:
                    best, best_d = inc, d
            if best is not None:
                hits.add(best["id"])
                first_report[best["id"]] = min(first_report.get(best["id"], rep["ts"]), rep["ts"])
        if hits and all(i in matched_before for i in hits):
            duplicates += 1
        matches[case["case_id"]] = sorted(hits)
        matched_before.update(hits)
    latency = {i["id"]: (first_report[i["id"]] - i["start_ts"]) / 1000 for i in incidents
               if i["id"] in first_report}
    by_kind: dict[str, dict[str, Any]] = {}
    for inc in incidents:
        k = by_kind.setdefault(inc["kind"], {"name_zh": inc["kind_zh"], "incidents": 0,
                                             "discovered": 0, "_lat": []})
        k["incidents"] += 1
        if inc["id"] in latency:
            k["discovered"] += 1
            k["_lat"].append(latency[inc["id"]])
    for k in by_kind.values():
        k["discovery_rate"] = _ratio(k["discovered"], k["incidents"])
        k["mean_detection_latency_s"] = _mean(k.pop("_lat"))
    discovered = len(latency)
    section = {
        "incidents": len(incidents),
        "discovered": discovered,
        "discovery_rate": _ratio(discovered, len(incidents)),
        "missed": len(incidents) - discovered,
        "mean_detection_latency_s": _mean(list(latency.values())),
        "false_alarms": sum(1 for hits in matches.values() if not hits),
        "duplicate_cases": duplicates,
        "by_kind": dict(sorted(by_kind.items())),
        "match": {"radius_m": radius_m, "grace_s": grace_s},
    }
    return section, matches


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None
