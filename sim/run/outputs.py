"""What a run leaves behind: the IOC's results read through its API, the summary, and the
files of the run folder.

summary.json holds the kpis from the IOC's API, the truth scoring, the city indicators and
commands, and the wall-clock figures under `run` (everything else is deterministic);
cases.jsonl one line per case with its timeline; truth.jsonl one line per incident, report or
fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson

from sim.run.city import City
from sim.run.clock import DriveResult, SyncMode
from sim.run.ioc_client import IocClient
from sim.run.options import RunError, RunOptions
from sim.run.scoring import tower_detection
from sim.run.services import ioc_diagnosis

KPI_GROUPS = ("channel", "level", "department", "street")  # the summary's kpis_by
COMMAND_FIELDS = (
    "command_id",
    "action",
    "params",
    "issued",
    "issued_by",
    "devices",
    "status",
    "ok",
    "failed",
)


@dataclass
class IocResults:
    """What the IOC reports at the end of a run, through its API."""

    cases: list[dict[str, Any]]
    kpis: dict[str, Any]
    kpis_by: dict[str, Any]
    indicators: dict[str, Any]
    commands: list[dict[str, Any]]


def collect_results(ioc: IocClient, out: Path) -> IocResults:
    """Cases, KPIs (overall and per group), city indicators and commands from the IOC."""
    try:
        return IocResults(
            cases=ioc.cases(),
            kpis=ioc.kpis(),
            kpis_by={by: ioc.kpis(by)["groups"] for by in KPI_GROUPS},
            indicators=ioc.get("/indicators"),
            commands=[{k: c.get(k) for k in COMMAND_FIELDS} for c in ioc.get("/commands")],
        )
    except httpx.HTTPError as err:
        raise RunError(
            f"could not read the results from the IOC: {err}\n{ioc_diagnosis(ioc, out)}"
        ) from None


def make_summary(
    city: City, drive: DriveResult, results: IocResults, truth: dict[str, Any], run: dict[str, Any]
) -> dict[str, Any]:
    """summary.json: the scenario, the IOC's figures, the truth scoring, and `run`."""
    world = city.world
    scenario = world.scenario
    return {
        "scenario": scenario.name,
        "city": scenario.city,
        "seed": scenario.seed,
        "start": scenario.start.isoformat(),
        "duration_h": scenario.duration_h,
        "devices": sum(f.model.n for f in world.fleets),
        "gateways": len(city.gateways),
        "readings": drive.readings,
        "kpis": results.kpis,
        "kpis_by": results.kpis_by,
        "indicators": _deterministic(results.indicators),
        "commands": results.commands,
        "truth": truth,
        "towers": tower_detection(world, truth),
        "run": run,
    }


def run_figures(
    opts: RunOptions,
    run_id: str,
    broker: str,
    city: City,
    drive: DriveResult,
    messages: int,
    indicators: dict[str, Any],
    warnings: list[str],
) -> dict[str, Any]:
    """What the run measured on the wall clock (summary.json `run`: not deterministic)."""
    wall = drive.wall_s
    return {
        "run_id": run_id,
        "sync": opts.sync,
        "speed": opts.speed if opts.sync == SyncMode.FREE else None,
        "broker": broker,
        "ioc": opts.ioc,
        "ticks": drive.ticks,
        "wall_s": round(wall, 3),
        "messages": messages,
        "messages_per_s": round(messages / wall, 1) if wall else None,
        "readings_per_s": round(drive.readings / wall, 1) if wall else None,
        "sim_speedup": round(city.world.scenario.duration_s / wall, 1) if wall else None,
        "tasks_delivered": drive.tasks,
        "camera_looks": city.cameras.looks_taken,
        "frames_analysed": city.cameras.frames_rendered,
        "edge_events": sum(gw.events_sent for gw in city.gateways.values()),
        "command_wall_rtt_ms_p50": indicators.get("commands", {}).get("wall_rtt_ms_p50"),
        "command_wall_rtt_ms_max": indicators.get("commands", {}).get("wall_rtt_ms_max"),
        "warnings": warnings,
    }


def _deterministic(indicators: dict[str, Any]) -> dict[str, Any]:
    """City indicators for the summary; wall-clock round trips go under `run` instead."""
    out = dict(indicators)
    out["commands"] = {k: v for k, v in out.get("commands", {}).items() if "wall" not in k}
    return out


def write_outputs(
    out: Path, summary: dict[str, Any], cases: list[dict[str, Any]], truth: list[dict[str, Any]]
) -> None:
    """summary.json, cases.jsonl (by case id) and truth.jsonl in the run folder."""
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    _write_jsonl(out / "cases.jsonl", sorted(cases, key=lambda c: c["case_id"]))
    _write_jsonl(out / "truth.jsonl", truth)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
