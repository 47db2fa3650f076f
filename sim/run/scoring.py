"""Scoring the IOC against the ground truth: which incidents were discovered, by which source
and how fast; which cases were false alarms; how well reports were merged.

Each report in a case (its 上报 and every report merged into it) is matched on its own:

- patrol and hotline reports by the simulator's record of what each was really about;
- IoT alarms by place and time: the nearest incident rightly filed under the case's category
  (its own, or one its symptoms show as, e.g. a burst main's hydrant alarms) within
  `radius_m` that had started and had not ended more than `grace` earlier (or was still
  going at the end of the run).

An incident is discovered when any report matches it; `by_source` counts it for every
channel whose report did, and `first_source` for the earliest. A case none of whose reports
match is a false alarm (false_alarms: of those not voided; false_reports: all). A case that
matches only incidents earlier cases already found is a duplicate. Merge precision: of the
reports merged into a case, the share about the same incident as the case's first report;
merge recall: of the pairs of reports about one incident, the share the IOC put in one case.
Only the truth log and the IOC's case list are used (and, for the tower cameras' time to
detect, where the towers stand).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from devices.camera import TowerCameraFleet
from sim.world import World
from sim.world.geo import great_circle_m

CHANNELS = ("iot", "patrol", "hotline")


class _Matcher:
    def __init__(
        self, truth: list[dict[str, Any]], radius_m: float, grace_s: float, run_end_ts: int
    ):
        self.incidents = [r for r in truth if r["type"] == "incident"]
        self.reports = {r["report_id"]: r for r in truth if r["type"] == "report"}
        self.radius_m = radius_m
        self.grace_ms = int(grace_s * 1000)
        self.run_end_ts = run_end_ts

    def incident_of(self, rep: dict[str, Any], category: str) -> str | None:
        if rep["channel"] in ("patrol", "hotline"):
            known = self.reports.get(rep["ref"])
            return known["incident"] if known else None
        best, best_d = None, self.radius_m
        for inc in self.incidents:
            end = inc["end_ts"] if inc["end_ts"] is not None else self.run_end_ts
            if (
                category not in inc.get("categories", [inc["category"]])
                or not inc["start_ts"] <= rep["ts"] <= end + self.grace_ms
            ):
                continue
            d = great_circle_m(rep["lon"], rep["lat"], inc["lon"], inc["lat"])
            if d <= best_d:
                best, best_d = inc["id"], d
        return best


def score_run(
    world: World, cases: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Score a run's cases against its world's ground truth: (the truth records, the truth
    section of the summary). Each case gets `matched_incidents`."""
    sc = world.scenario
    truth = world.truth_records()
    section, matches = score(
        truth, cases, sc.scoring.match_radius_m, sc.scoring.grace_min * 60, world.ms(sc.duration_s)
    )
    for case in cases:
        case["matched_incidents"] = matches.get(case["case_id"], [])
    return truth, section


def score(
    truth: list[dict[str, Any]],
    cases: list[dict[str, Any]],
    radius_m: float,
    grace_s: float,
    run_end_ts: int,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(truth section of the summary, case_id -> ids of the incidents its reports match)."""
    m = _Matcher(truth, radius_m, grace_s, run_end_ts)
    first: dict[str, tuple[int, str]] = {}  # incident -> (first report ts, channel)
    first_by: dict[str, dict[str, int]] = {}  # incident -> channel -> its first report ts
    found_by: dict[str, set[str]] = {c: set() for c in CHANNELS}
    matches: dict[str, list[str]] = {}
    merged = merged_right = 0
    duplicates = false_alarms = false_reports = 0
    reports_per_incident: dict[str, Counter[str]] = {}
    matched_before: set[str] = set()
    for case in sorted(cases, key=lambda c: (c["reported_ts"], c["case_id"])):
        reps = case["report_refs"]
        hits = [m.incident_of(r, case["category"]) for r in reps]
        real = {h for h in hits if h}
        for rep, hit in zip(reps, hits, strict=True):
            if hit:
                found_by.setdefault(rep["channel"], set()).add(hit)
                seen = first_by.setdefault(hit, {})
                seen[rep["channel"]] = min(seen.get(rep["channel"], rep["ts"]), rep["ts"])
                if hit not in first or rep["ts"] < first[hit][0]:
                    first[hit] = (rep["ts"], rep["channel"])
        if real and real <= matched_before:
            duplicates += 1
        matched_before |= real
        if not real:
            false_reports += 1
            false_alarms += case["stage"] != "voided"
        matches[case["case_id"]] = sorted(real)
        if str(case.get("void_reason") or "").startswith("duplicate of"):
            continue  # its report is counted in the case it was merged into
        merged += len(hits) - 1
        merged_right += sum(1 for h in hits[1:] if h is not None and h == hits[0])
        for h in real:
            reports_per_incident.setdefault(h, Counter())[case["case_id"]] += hits.count(h)
    pairs = same_case = 0
    for per_case in reports_per_incident.values():
        n = sum(per_case.values())
        pairs += n * (n - 1) // 2
        same_case += sum(k * (k - 1) // 2 for k in per_case.values())
    incidents = m.incidents
    start = {x["id"]: x["start_ts"] for x in incidents}
    latency = {i: (ts - start[i]) / 1000 for i, (ts, _) in first.items()}
    section = {
        "incidents": len(incidents),
        "discovered": len(first),
        "discovery_rate": _ratio(len(first), len(incidents)),
        "missed": len(incidents) - len(first),
        "mean_detection_latency_s": _mean(list(latency.values())),
        "false_alarms": false_alarms,
        "false_reports": false_reports,
        "duplicate_cases": duplicates,
        "by_source": {
            c: {
                "discovered": len(found_by.get(c, ())),
                "discovery_rate": _ratio(len(found_by.get(c, ())), len(incidents)),
                "first": sum(1 for _, ch in first.values() if ch == c),
            }
            for c in CHANNELS
        },
        "merge_precision": _ratio(merged_right, merged),
        "merge_recall": _ratio(same_case, pairs),
        "merged_reports": merged,
        "by_kind": _by_kind(incidents, latency),
        # per discovered incident: seconds from its start to the first report of each channel
        "first_reports": {
            i: {ch: (ts - start[i]) / 1000 for ch, ts in sorted(by.items())}
            for i, by in sorted(first_by.items())
        },
        "match": {"radius_m": radius_m, "grace_s": grace_s},
    }
    return section, matches


def _by_kind(incidents: list[dict[str, Any]], latency: dict[str, float]) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for inc in incidents:
        k = out.setdefault(
            inc["kind"], {"name_zh": inc["kind_zh"], "incidents": 0, "discovered": 0, "_lat": []}
        )
        k["incidents"] += 1
        if inc["id"] in latency:
            k["discovered"] += 1
            k["_lat"].append(latency[inc["id"]])
    for k in out.values():
        k["discovery_rate"] = _ratio(k["discovered"], k["incidents"])
        k["mean_detection_latency_s"] = _mean(k.pop("_lat"))
    return dict(sorted(out.items()))


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


def tower_detection(world: World, truth: dict[str, Any]) -> dict[str, Any] | None:
    """Time to detect (高点监控发现时延) of the fires within reach of a tower camera: for
    each, the distance to the nearest tower and the seconds from ignition to the first
    IoT/AI report; grouped by distance to the nearest km. None without tower cameras."""
    towers = [
        (f.xy[i], float(f.model.radius_m[i]))
        for f in world.fleets
        if isinstance(f.model, TowerCameraFleet)
        for i in range(f.model.n)
    ]
    if not towers:
        return None
    firsts = truth.get("first_reports", {})
    fires = []
    for inc in world.incidents:
        if inc.kind.seen_as != "fire_smoke":
            continue
        dist, radius = min(
            ((float(np.hypot(*(inc.xy - xy))), r) for xy, r in towers), key=lambda p: p[0]
        )
        if dist > radius:
            continue
        fires.append(
            {
                "id": inc.id,
                "kind": inc.kind.name,
                "distance_km": round(dist / 1000, 2),
                "start": world.iso(inc.start),
                "night": not world.daylight(inc.start),
                "latency_s": firsts.get(inc.id, {}).get("iot"),
            }
        )
    bands: dict[str, dict[str, Any]] = {}
    for band in sorted({round(f["distance_km"]) for f in fires}):
        sel = [f for f in fires if round(f["distance_km"]) == band]
        lat = sorted(f["latency_s"] for f in sel if f["latency_s"] is not None)
        bands[str(band)] = {
            "fires": len(sel),
            "detected": len(lat),
            "median_s": float(np.median(lat)) if lat else None,
            "max_s": lat[-1] if lat else None,
        }
    return {"towers": len(towers), "fires": fires, "by_distance_km": bands}
