"""Evidence from a finished run folder: the `ioc.assessment.commitments.EvaluationData` that pilot
commitments are checked against (`python -m ioc validate`).

A run folder is what `citysim run --out DIR` writes. Which file feeds which metric:

==================  =================================================================
metric              source and rule
==================  =================================================================
device_count,       `ioc-data/ioc.sqlite3` table `devices` (the IOC's registry): id, kind,
coverage_*          lon/lat, interval_s, attrs (tower cameras: radius_m, sweep_s,
                    hfov_deg; street cameras: heading_deg, fov_deg, range_m)
online_rate         table `readings` (event times) + `devices.registered_ts`: a device is
                    online from each reading (and from its gateway's announcement) until
                    3 reporting intervals pass unheard, the IOC registry's rule
                    (`status_from_heartbeats`)
data_completeness   table `readings`: distinct event times per device against
                    window / interval_s
patrol_24h          table `readings` of devices reporting `sweeps` (cumulative completed
                    sweeps; tower cameras): an hour counts as swept for a tower when a
                    reading in it shows a higher count than the reading before and the
                    video stream was up (`stream_ok` not 0) at that reading
kpi                 `summary.json` `kpis` (the IOC's KPIs, rates as fractions), plus
                    `discovery_rate` 事件发现率 = truth.discovered / truth.incidents (ground
                    truth scoring) and `dispatch_rate` 派单率 = kpis.dispatched /
                    kpis.filed (cases dispatched of cases filed; null when none filed).
                    Record ids from `cases.jsonl` and `truth.jsonl`
detection_latency   `truth.jsonl` (incidents: id, kind, start_ts, lon/lat; reports: what
                    each patrol/hotline report was about) + `cases.jsonl` (each case's
                    reports and `matched_incidents`): per incident, the first report that
                    matched it − the incident's start, as the simulator scores it
                    (IoT reports: the nearest matched incident within the match radius
                    and time window of `summary.truth.match`); cross-checked against
                    `summary.truth.mean_detection_latency_s`
aqi_days            `summary.json` indicators.air_quality.daily (HJ 633 daily reports)
lighting_saving     `summary.json` indicators.lighting (energy against always-full)
==================  =================================================================

The run's window is `summary.start` .. start + `duration_h`; windowed metrics default to it.
The store is read through `ioc.storage.reader.StoreReader` (read-only, and immutable unless
a write-ahead log is left over), never with SQL of its own.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from ioc.assessment.commitments import (
    AqiDay,
    Device,
    EvaluationData,
    Latency,
    Lighting,
    StatusSample,
    status_from_heartbeats,
)
from ioc.assessment.coverage import Sweep
from ioc.contract import InputFileError
from ioc.geo import ground_distance_m
from ioc.storage.reader import StoreReader, StoreUnreadable

HOUR_MS = 3_600_000
RUN_FILES = ("summary.json", "cases.jsonl", "truth.jsonl")
STORE_FILE = "ioc-data/ioc.sqlite3"
MISSED_INTERVALS = 3.0  # the IOC registry's offline rule (the Engine's default)
IDS_SHOWN = 20  # record ids listed per piece of evidence; counts give the rest

# KPIs this module adds to the IOC's (ioc.measures.kpis.KPI_NAMES_ZH), with their Chinese names.
DERIVED_KPIS_ZH: dict[str, str] = {"discovery_rate": "事件发现率", "dispatch_rate": "派单率"}
# summary.kpis entries that describe the computation, not a KPI.
NOT_KPIS = frozenset({"as_of", "as_of_ts", "online_samples"})
# key -> (formula, numerator key or None, denominator keys): figures shown beside a KPI.
KPI_FORMULAS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "valid_report_rate": ("filed / (filed + voided)", "filed", ("filed", "voided")),
    "on_time_filing_rate": ("filed by the filing stage's due time / filed", None, ("filed",)),
    "accurate_dispatch_rate": ("(dispatches − returned 回退) / dispatches", None, ("returned",)),
    "on_time_dispatch_rate": ("dispatches made by their due time / dispatches", None, ()),
    "handling_rate": ("handled / due_to_handle", "handled", ("due_to_handle",)),
    "on_time_handling_rate": (
        "handled_on_time (within the extended limit) / due_to_handle",
        "handled_on_time",
        ("due_to_handle",),
    ),
    "closure_rate": ("closed / due_to_close", "closed", ("due_to_close",)),
    "on_time_closure_rate": (
        "closed_on_time (closed and handled in time) / due_to_close",
        "closed_on_time",
        ("due_to_close",),
    ),
    "overdue_closure_rate": ("closed as 超时结案 / due_to_close", None, ("due_to_close",)),
    "rework_rate": ("rework 返工 / due_to_close", "rework", ("due_to_close",)),
    "extension_rate": ("extensions / due_to_handle", "extensions", ("due_to_handle",)),
    "overdue_pending_rate": (
        "overdue_pending / due_to_handle",
        "overdue_pending",
        ("due_to_handle",),
    ),
    "smart_discovery_share": ("cases opened by an IoT/AI report / reported", None, ("reported",)),
    "device_online_rate": (
        "mean over hourly samples of online / registered devices",
        None,
        ("online_samples",),
    ),
    "discovery_rate": (
        "incidents discovered / incidents (ground truth)",
        "discovered",
        ("incidents",),
    ),
    "dispatch_rate": ("dispatched / filed", "dispatched", ("filed",)),
}
# Case-flow KPIs whose shortfall is the cases still open or overdue at the end of the run.
_CASE_FLOW_KPIS = (
    "handling_rate",
    "on_time_handling_rate",
    "closure_rate",
    "on_time_closure_rate",
    "overdue_closure_rate",
    "overdue_pending_rate",
)
_DONE_STAGES = ("closed", "voided", "parked")


class RunFolderError(InputFileError):
    """A folder (or file in it) that is not a usable run: the file and what is wrong."""


@dataclass
class RunEvidence:
    """A run folder read for validation: the evaluators' data, the run's identity and
    window, and consistency checks against the summary."""

    folder: Path
    store: Path
    data: EvaluationData
    scenario: str | None
    city: str | None
    seed: int | None
    run_id: str | None
    start: str
    end: str
    checks: dict[str, Any] = field(default_factory=dict)

    def run_info(self) -> dict[str, Any]:
        """The `run` section of report.json."""
        return {
            "folder": str(self.folder),
            "store": str(self.store),
            "scenario": self.scenario,
            "city": self.city,
            "seed": self.seed,
            "run_id": self.run_id,
            "window": {
                "from": self.start,
                "to": self.end,
                "hours": round(
                    (self.data.end_ms or 0) / HOUR_MS - (self.data.start_ms or 0) / HOUR_MS, 3
                ),
            },
            "checks": self.checks,
        }


def load_run(folder: str | Path, store: str | Path | None = None) -> RunEvidence:
    """Read a run folder (and its IOC store, `folder/ioc-data/ioc.sqlite3` unless `store`
    is given) into `RunEvidence`. Raises RunFolderError naming the missing or bad file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RunFolderError(
            folder, [("(folder)", "no such folder (give the --out folder of `citysim run`)")]
        )
    store_path = Path(store) if store is not None else folder / STORE_FILE
    missing = [
        (name, "missing: not a run folder (`citysim run --out DIR` writes it)")
        for name in RUN_FILES
        if not (folder / name).is_file()
    ]
    if not store_path.is_file():
        hint = (
            ""
            if store is not None
            else " (a run with --data keeps it in that folder: pass the file with --store)"
        )
        missing.append(
            (
                str(store_path) if store is not None else STORE_FILE,
                f"missing: the IOC's store{hint}",
            )
        )
    if missing:
        raise RunFolderError(folder, missing)
    summary = _read_json(folder / "summary.json")
    cases = _read_jsonl(folder / "cases.jsonl")
    truth = _read_jsonl(folder / "truth.jsonl")
    start_ms, end_ms, offset_min, start_iso, end_iso = _window(summary, folder / "summary.json")

    try:
        with StoreReader(store_path) as db:
            devices, registered = _devices(db)
            readings = db.reading_times()
            sweeps = _sweeps(db)
    except StoreUnreadable as err:
        raise RunFolderError(store_path, [(err.where, err.message)]) from None

    kpis, kpi_evidence = _kpis(summary, cases, truth)
    latencies, latency_check = _latencies(summary, cases, truth, end_ms)
    data = EvaluationData(
        start_ms=start_ms,
        end_ms=end_ms,
        devices=devices,
        status=_status(devices, readings, registered),
        readings=readings,
        sweeps=sweeps,
        kpis=kpis,
        kpi_names_zh=DERIVED_KPIS_ZH,
        kpi_evidence=kpi_evidence,
        latencies=latencies,
        aqi_days=_aqi_days(summary),
        lighting=_lighting(summary),
        utc_offset_min=offset_min,
    )
    run = summary.get("run") if isinstance(summary.get("run"), dict) else {}
    return RunEvidence(
        folder=folder,
        store=store_path,
        data=data,
        scenario=summary.get("scenario"),
        city=summary.get("city"),
        seed=summary.get("seed"),
        run_id=run.get("run_id"),
        start=start_iso,
        end=end_iso,
        checks={"detection_latency": latency_check},
    )


# --------------------------------------------------------------------------- files


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as err:
        raise RunFolderError(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    except orjson.JSONDecodeError as err:
        raise RunFolderError(path, [("(json)", str(err))]) from None
    if not isinstance(data, dict):
        raise RunFolderError(path, [("(top level)", "expected a JSON object")])
    return data


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        lines = path.read_bytes().splitlines()
    except OSError as err:
        raise RunFolderError(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    rows = []
    for k, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            raise RunFolderError(path, [(f"line {k}", str(err))]) from None
        if not isinstance(row, dict):
            raise RunFolderError(path, [(f"line {k}", "expected a JSON object")])
        rows.append(row)
    return rows


def _window(summary: Mapping[str, Any], path: Path) -> tuple[int, int, int, str, str]:
    """(start ms, end ms, UTC offset in minutes, start ISO, end ISO) of the run."""
    try:
        start = datetime.fromisoformat(str(summary["start"]))
        hours = float(summary["duration_h"])
    except KeyError as err:
        raise RunFolderError(
            path, [(str(err.args[0]), "missing: the run's start and duration_h are needed")]
        ) from None
    except (TypeError, ValueError) as err:
        raise RunFolderError(path, [("start", f"not an ISO time with a duration: {err}")]) from None
    offset = start.utcoffset()
    if offset is None:
        raise RunFolderError(path, [("start", "needs a UTC offset, e.g. +08:00")])
    start_ms = int(start.timestamp() * 1000)
    end_ms = start_ms + round(hours * HOUR_MS)
    end = datetime.fromtimestamp(end_ms / 1000, start.tzinfo)
    return (
        start_ms,
        end_ms,
        int(offset.total_seconds() // 60),
        start.isoformat(timespec="seconds"),
        end.isoformat(timespec="seconds"),
    )


# --------------------------------------------------------------------------- the store


def _devices(db: StoreReader) -> tuple[list[Device], dict[str, int]]:
    """The registry, and each device's registration time (0: provisioned from a file)."""
    devices, registered = [], {}
    for dev in db.devices():
        # only numbers: the coverage metrics read radii and angles from attrs
        nums = {
            k: float(v)
            for k, v in dev.attrs.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        devices.append(
            Device(
                dev.device_id,
                dev.kind,
                float(dev.lon),
                float(dev.lat),
                float(dev.interval_s) if dev.interval_s else None,
                nums,
            )
        )
        registered[dev.device_id] = int(dev.registered_ts or 0)
    return devices, registered


def _status(
    devices: Sequence[Device], readings: Mapping[str, Sequence[int]], registered: Mapping[str, int]
) -> list[StatusSample]:
    """Online/offline changes per device, by the IOC registry's rule: heard within
    MISSED_INTERVALS intervals of a reading, or of the gateway's announcement."""
    out: list[StatusSample] = []
    for d in devices:
        if not d.interval_s:
            continue
        beats = list(readings.get(d.device_id, ()))
        if registered.get(d.device_id):  # announced by its gateway: online from then on
            beats.append(registered[d.device_id])
        state: bool | None = None
        for s in status_from_heartbeats(d.device_id, beats, d.interval_s, MISSED_INTERVALS):
            if s.online != state:  # keep changes only: a sample holds until the next one
                out.append(s)
                state = s.online
    return out


def _sweeps(db: StoreReader) -> list[Sweep]:
    """Hours in which each tower completed a sweep with its video up (see the module doc).
    The first reading of a tower has nothing to compare with and credits no hour."""
    out: set[tuple[str, int]] = set()
    for dev, group in itertools.groupby(db.readings_with("sweeps"), key=lambda r: r[0]):
        before: float | None = None
        for _, ts, v in group:
            count = v.get("sweeps")
            if not isinstance(count, int | float):
                continue
            if before is not None and count > before and v.get("stream_ok", 1.0) != 0:
                out.add((dev, ts // HOUR_MS))
            before = count
    return [Sweep(dev, hour, 1.0) for dev, hour in sorted(out)]


# --------------------------------------------------------------------------- summary


def _kpis(
    summary: Mapping[str, Any],
    cases: Sequence[Mapping[str, Any]],
    truth: Sequence[Mapping[str, Any]],
) -> tuple[dict[str, float | None] | None, dict[str, dict[str, Any]]]:
    """The IOC's KPIs plus the derived ones, and per KPI its formula, figures and ids."""
    raw = summary.get("kpis")
    scoring = summary.get("truth") if isinstance(summary.get("truth"), dict) else None
    if not isinstance(raw, dict) and scoring is None:
        return None, {}
    kpis: dict[str, float | None] = {}
    for key, value in (raw or {}).items():
        if key in NOT_KPIS or isinstance(value, bool):
            continue
        if value is None or isinstance(value, int | float):
            kpis[key] = value
    figures: dict[str, Any] = {k: v for k, v in (raw or {}).items() if k == "online_samples"}
    if scoring is not None:
        kpis["discovery_rate"] = scoring.get("discovery_rate")
        figures.update({k: scoring.get(k) for k in ("incidents", "discovered")})
    if "dispatched" in kpis and "filed" in kpis:
        filed, dispatched = kpis["filed"], kpis["dispatched"]
        kpis["dispatch_rate"] = (
            round(float(dispatched) / float(filed), 6) if filed and dispatched is not None else None
        )

    evidence: dict[str, dict[str, Any]] = {}
    for key, (formula, num, dens) in KPI_FORMULAS.items():
        if key not in kpis:
            continue
        ev: dict[str, Any] = {"formula": formula}
        for part in (num, *dens):
            if part is not None:
                ev[part] = kpis.get(part, figures.get(part))
        evidence[key] = ev

    incidents = [r["id"] for r in truth if r.get("type") == "incident" and "id" in r]
    found = {i for c in cases for i in c.get("matched_incidents") or []}
    if "discovery_rate" in evidence:
        evidence["discovery_rate"].update(
            _ids("missed_incident_ids", [i for i in incidents if i not in found])
        )
    if "dispatch_rate" in evidence:
        pending = [c["case_id"] for c in cases if _did(c, "filed") and not _did(c, "dispatched")]
        evidence["dispatch_rate"].update(_ids("filed_not_dispatched_ids", pending))
    still_open = [c["case_id"] for c in cases if c.get("stage") not in _DONE_STAGES]
    overdue = [c["case_id"] for c in cases if c.get("overdue")]
    for key in _CASE_FLOW_KPIS:
        if key in evidence:
            evidence[key].update(_ids("open_case_ids", still_open))
            evidence[key].update(_ids("overdue_case_ids", overdue))
    return kpis, evidence


def _did(case: Mapping[str, Any], action: str) -> bool:
    return any(e.get("action") == action for e in case.get("timeline") or [])


def _ids(name: str, ids: Sequence[str]) -> dict[str, Any]:
    """`name`: the first IDS_SHOWN ids, and `name` without `_ids` + `_count`: how many."""
    return {name: list(ids[:IDS_SHOWN]), name.removesuffix("_ids") + "_count": len(ids)}


def _latencies(
    summary: Mapping[str, Any],
    cases: Sequence[Mapping[str, Any]],
    truth: Sequence[Mapping[str, Any]],
    end_ms: int,
) -> tuple[list[Latency], dict[str, Any]]:
    """Per incident: seconds from its start to the first report that matched it (None if
    none did), the case of that report and its channel; and a check against the summary.

    `cases.jsonl` says which incidents each case matched, not which of its reports did, so
    each report is attributed as the simulator's scoring matched it: a patrol or hotline
    report by what the truth log says it was about; an IoT report to the nearest of the
    case's matched incidents that had started, had not ended more than the grace before, and
    lies within the match radius. A matched incident no report can be attributed to falls
    back to the case's report time (counted in the check)."""
    incidents = {r["id"]: r for r in truth if r.get("type") == "incident" and "id" in r}
    about = {r.get("report_id"): r.get("incident") for r in truth if r.get("type") == "report"}
    scoring = summary.get("truth") if isinstance(summary.get("truth"), dict) else {}
    match = scoring.get("match") or {}
    radius_m = float(match.get("radius_m") or math.inf)
    grace_ms = int(float(match.get("grace_s") or 0) * 1000)
    first: dict[str, tuple[int, str, str]] = {}
    fallback: dict[str, tuple[int, str, str]] = {}
    for case in sorted(cases, key=lambda c: (c.get("reported_ts") or 0, c.get("case_id", ""))):
        matched = [i for i in case.get("matched_incidents") or [] if i in incidents]
        if not matched:
            continue
        cid = str(case.get("case_id"))
        for rep in case.get("report_refs") or []:
            inc = _report_incident(rep, matched, incidents, about, radius_m, grace_ms, end_ms)
            if inc is not None:
                hit = (int(rep["ts"]), cid, str(rep.get("channel")))
                if inc not in first or hit[0] < first[inc][0]:
                    first[inc] = hit
        for inc in matched:
            if inc not in fallback and case.get("reported_ts") is not None:
                fallback[inc] = (int(case["reported_ts"]), cid, str(case.get("channel")))
    fell_back = sorted(i for i in fallback if i not in first)
    for inc in fell_back:
        first[inc] = fallback[inc]
    out = []
    for inc_id, inc in incidents.items():
        hit = first.get(inc_id)
        latency = None if hit is None else round((hit[0] - int(inc["start_ts"])) / 1000, 3)
        out.append(
            Latency(
                inc_id, latency, inc.get("kind"), hit[1] if hit else None, hit[2] if hit else None
            )
        )
    detected = [x.latency_s for x in out if x.latency_s is not None]
    mean = round(sum(detected) / len(detected), 3) if detected else None
    stated = scoring.get("mean_detection_latency_s")
    check = {
        "incidents": len(out),
        "detected": len(detected),
        "mean_s": mean,
        "summary_mean_s": stated,
        "consistent": (mean is None) == (stated is None)
        and (mean is None or abs(mean - float(stated)) <= 0.002),
        "fallback_incident_ids": fell_back[:IDS_SHOWN],
    }
    return out, check


def _report_incident(
    rep: Mapping[str, Any],
    matched: Sequence[str],
    incidents: Mapping[str, Mapping[str, Any]],
    about: Mapping[Any, Any],
    radius_m: float,
    grace_ms: int,
    end_ms: int,
) -> str | None:
    """Which of the case's matched incidents this report is about (None: none)."""
    if rep.get("channel") in ("patrol", "hotline"):
        inc = about.get(rep.get("ref"))
        return inc if inc in matched else None
    best, best_d = None, radius_m
    for inc_id in matched:
        inc = incidents[inc_id]
        end = inc.get("end_ts") if inc.get("end_ts") is not None else end_ms
        if not int(inc["start_ts"]) <= int(rep["ts"]) <= int(end) + grace_ms:
            continue
        d = ground_distance_m(
            float(rep["lon"]), float(rep["lat"]), float(inc["lon"]), float(inc["lat"])
        )
        if d <= best_d:
            best, best_d = inc_id, d
    return best


def _indicator(summary: Mapping[str, Any], *keys: str) -> Any:
    node: Any = summary.get("indicators")
    for k in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(k)
    return node


def _aqi_days(summary: Mapping[str, Any]) -> list[AqiDay] | None:
    daily = _indicator(summary, "air_quality", "daily")
    if not isinstance(daily, list):
        return None
    return [
        AqiDay(str(d["date"]), d.get("aqi"), d.get("level"))
        for d in daily
        if isinstance(d, dict) and "date" in d
    ]


def _lighting(summary: Mapping[str, Any]) -> Lighting | None:
    light = _indicator(summary, "lighting")
    if not isinstance(light, dict):
        return None
    return Lighting(light.get("energy_kwh"), light.get("baseline_kwh"), light.get("saving"))
