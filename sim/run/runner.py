"""A whole run: broker, IOC, world, gateways, departments, the clock loop, then outputs.

Outputs in the run folder: summary.json (kpis from the IOC's API, truth scoring, and the
wall-clock figures under `run`), cases.jsonl (one line per case with its timeline),
truth.jsonl (one line per incident or fault), the broker's and IOC's logs, and spool/ (each
gateway's store-and-forward outbox: empty after a clean run).
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import httpx
import orjson

from edge.gateway import Gateway
from edge.link import Link
from edge.local_rules import LocalRule, LocalRules
from edge.sources import SourceSequences
from edge.spool import Outbox
from ioc.contract import Topics, parse_broker_url
from sim.broker import BrokerKind, start_broker
from sim.camera_feed import CameraFeed
from sim.clock import ClockDriver, SyncMode, TickStatus
from sim.control import ControlChannel
from sim.incidents import INCIDENT_KINDS
from sim.ioc_client import IocClient, start_embedded_ioc
from sim.people import People
from sim.scenario import Scenario
from sim.scoring import score, tower_detection
from sim.world import World

KPI_GROUPS = ("channel", "level", "department", "street")  # the summary's kpis_by


class RunError(RuntimeError):
    """A run that cannot start or finish, with a message for the user."""


@dataclass
class RunOptions:
    out: Path
    broker_url: str | None = None
    broker_kind: BrokerKind = "auto"
    ioc: Literal["embedded", "external"] = "embedded"
    ioc_url: str | None = None
    data: Path | None = None
    sync: SyncMode = "lockstep"
    speed: float = 60.0
    ack_timeout_s: float = 60.0


@dataclass
class RunResult:
    summary: dict[str, Any]
    cases: list[dict[str, Any]]
    truth: list[dict[str, Any]]
    warnings: list[str]


def run_scenario(
    scenario: Scenario,
    opts: RunOptions,
    on_tick: Callable[[TickStatus], None] | None = None,
    on_phase: Callable[[str], None] = lambda msg: None,
) -> RunResult:
    out = opts.out
    out.mkdir(parents=True, exist_ok=True)
    data_dir = _prepare_data_dir(opts, out)
    run_id = (
        f"{_slug(scenario.path.stem if scenario.path else 'run')}-{scenario.seed}-"
        f"{secrets.token_hex(3)}"
    )
    warnings: list[str] = []
    with ExitStack() as stack:
        # -- broker
        if opts.broker_url:
            try:
                broker = parse_broker_url(opts.broker_url)
            except ValueError as err:
                raise RunError(str(err)) from None
            broker_label = "external"
        else:
            on_phase("starting MQTT broker")
            try:
                running = start_broker(opts.broker_kind, log_dir=out)
            except RuntimeError as err:
                raise RunError(str(err)) from None
            stack.callback(running.stop)
            broker, broker_label = running.address, running.kind
        # -- IOC
        if opts.ioc == "embedded":
            on_phase("starting IOC")
            try:
                embedded = start_embedded_ioc(
                    broker,
                    data_dir,
                    scenario.ioc_config_path(),
                    out / "ioc.log",
                    f"citysim-ioc-{run_id}",
                )
            except RuntimeError as err:
                raise RunError(str(err)) from None
            stack.callback(embedded.stop)
            ioc = embedded.client
        else:
            if not opts.ioc_url:
                raise RunError("--ioc external needs --ioc-url (e.g. http://127.0.0.1:8000)")
            ioc = IocClient(opts.ioc_url)
            stack.callback(ioc.close)
            try:
                health = ioc.wait_ready(min(15.0, opts.ack_timeout_s))
            except TimeoutError as err:
                raise RunError(str(err)) from None
            if health.get("clock_mode") != "sim" or health.get("run_id") or health.get("cases"):
                raise RunError(
                    f"the IOC at {opts.ioc_url} is not fresh or not on the simulated "
                    f"clock (run {health.get('run_id')}, {health.get('cases')} "
                    "cases); start it with `--clock sim` and an empty --data"
                )
        catalogue = ioc.catalogue()
        warnings += _check_catalogue(scenario, catalogue)

        # -- the simulated city
        on_phase("building the city")
        world = World(scenario)
        sequences = SourceSequences()
        links: list[Link] = []
        stack.callback(lambda: [lk.close() for lk in links])  # on failure; close is idempotent
        gateways: dict[str, Gateway] = {}
        spool = out / "spool"  # each gateway's store-and-forward outbox
        shutil.rmtree(spool, ignore_errors=True)
        for gw_id in sorted(world.device_infos()):
            link = Link(
                broker,
                f"citysim-{run_id}-{gw_id}",
                will=(Topics.gateway_status(gw_id), Gateway.status_payload(gw_id, "offline")),
                outbox=Outbox(spool / f"{gw_id}.sqlite"),
            )
            _connect(link)
            links.append(link)
            rules = LocalRules(
                LocalRule(
                    r.id,
                    r.metric,
                    r.above,
                    r.clear_below,
                    frozenset(r.kinds),
                    r.raise_after,
                    r.clear_after,
                )
                for r in scenario.edge.local_rules
            )
            gateways[gw_id] = Gateway(gw_id, link, sequences, local_rules=rules)
        cameras = CameraFeed(world)
        stack.callback(cameras.close)
        for gw_id, setups in cameras.setups().items():
            for setup in setups:
                gateways[gw_id].add_camera(setup)
        # persistent: the IOC's acks and tasks wait in the broker across a broker restart
        control_link = Link(broker, f"citysim-{run_id}-control", persistent=True)
        control = ControlChannel(control_link, sequences, run_id)
        _connect(control_link)
        links.append(control_link)
        people = People(scenario, world, control, catalogue)
        people.announce()

        operations = sorted(
            ((scenario.offset_s(op.at), i, op) for i, op in enumerate(scenario.operations)),
            key=lambda x: x[:2],
        )
        issued: list[dict[str, Any]] = []

        def operate(t0: float, t1: float) -> None:
            """The operator's commands due in [t0, t1), through the IOC's API."""
            while operations and operations[0][0] < t1:
                _, _, op = operations.pop(0)
                body = op.model_dump(exclude={"at"}, exclude_none=True)
                try:
                    issued.append(ioc.post("/commands", {**body, "issued_by": "operator"}))
                except httpx.HTTPError as err:
                    warnings.append(f"operator command {op.action!r} failed: {err}")

        on_phase("running")
        driver = ClockDriver(
            world,
            gateways,
            control,
            people.route,
            opts.sync,
            opts.speed,
            opts.ack_timeout_s,
            message_count=lambda: sum(lk.published + lk.received for lk in links),
            before_tick=operate,
            cameras=cameras,
        )
        try:
            result = driver.run(on_tick)
        except TimeoutError as err:
            raise RunError(f"{err}\n{_ioc_diagnosis(ioc, out)}") from None
        end_ts = world.ms(scenario.duration_s)
        for gw in gateways.values():
            gw.close(end_ts)
        control_link.close()
        messages = sum(lk.published + lk.received for lk in links)

        on_phase("collecting results")
        try:
            cases = ioc.cases()
            kpis = ioc.kpis()
            kpis_by = {by: ioc.kpis(by)["groups"] for by in KPI_GROUPS}
            indicators = ioc.get("/indicators")
            commands = [
                {
                    k: c.get(k)
                    for k in (
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
                }
                for c in ioc.get("/commands")
            ]
        except httpx.HTTPError as err:
            raise RunError(
                f"could not read the results from the IOC: {err}\n{_ioc_diagnosis(ioc, out)}"
            ) from None
        truth = world.truth_records()
        truth_section, matches = score(
            truth, cases, scenario.scoring.match_radius_m, scenario.scoring.grace_min * 60, end_ts
        )
        for case in cases:
            case["matched_incidents"] = matches.get(case["case_id"], [])
        if control.rejected:
            warnings.append(
                f"{len(control.rejected)} malformed messages from the IOC side, "
                f"first: {control.rejected[0]}"
            )
        if result.unroutable_tasks:
            warnings.append(
                f"{result.unroutable_tasks} tasks went to people who are not in "
                "the scenario (a unit, grid or desk it lacks)"
            )

    summary = {
        "scenario": scenario.name,
        "city": scenario.city,
        "seed": scenario.seed,
        "start": scenario.start.isoformat(),
        "duration_h": scenario.duration_h,
        "devices": sum(f.model.n for f in world.fleets),
        "gateways": len(gateways),
        "readings": result.readings,
        "kpis": kpis,
        "kpis_by": kpis_by,
        "indicators": _deterministic(indicators),
        "commands": commands,
        "truth": truth_section,
        "towers": tower_detection(world, truth_section),
        "run": {
            "run_id": run_id,
            "sync": opts.sync,
            "speed": opts.speed if opts.sync == "free" else None,
            "broker": broker_label,
            "ioc": opts.ioc,
            "ticks": result.ticks,
            "wall_s": round(result.wall_s, 3),
            "messages": messages,
            "messages_per_s": round(messages / result.wall_s, 1) if result.wall_s else None,
            "readings_per_s": round(result.readings / result.wall_s, 1) if result.wall_s else None,
            "sim_speedup": round(scenario.duration_s / result.wall_s, 1) if result.wall_s else None,
            "tasks_delivered": result.tasks,
            "camera_looks": cameras.looks_taken,
            "frames_analysed": cameras.frames_rendered,
            "edge_events": sum(gw.events_sent for gw in gateways.values()),
            "command_wall_rtt_ms_p50": indicators.get("commands", {}).get("wall_rtt_ms_p50"),
            "command_wall_rtt_ms_max": indicators.get("commands", {}).get("wall_rtt_ms_max"),
            "warnings": warnings,
        },
    }
    write_outputs(out, summary, cases, truth)
    return RunResult(summary, cases, truth, warnings)


def _deterministic(indicators: dict[str, Any]) -> dict[str, Any]:
    """City indicators for the summary; wall-clock round trips go under `run` instead."""
    out = dict(indicators)
    out["commands"] = {k: v for k, v in out.get("commands", {}).items() if "wall" not in k}
    return out


def write_outputs(
    out: Path, summary: dict[str, Any], cases: list[dict[str, Any]], truth: list[dict[str, Any]]
) -> None:
    (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
    _write_jsonl(out / "cases.jsonl", sorted(cases, key=lambda c: c["case_id"]))
    _write_jsonl(out / "truth.jsonl", truth)


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))


def _prepare_data_dir(opts: RunOptions, out: Path) -> Path:
    if opts.data is None:
        data_dir = out / "ioc-data"
        shutil.rmtree(data_dir, ignore_errors=True)  # ours: a run starts from an empty IOC
        return data_dir
    if opts.data.exists() and any(opts.data.iterdir()):
        raise RunError(f"--data {opts.data} is not empty; a run needs a fresh IOC store")
    return opts.data


def _check_catalogue(scenario: Scenario, catalogue: dict[str, Any]) -> list[str]:
    """The categories the simulated city uses must be in the IOC's catalogue; the units that
    handle them should exist."""
    items = {i["code"]: i for i in catalogue["items"]}
    types = {d["code"] for d in catalogue["departments"]}
    unit_types = {d.type for d in scenario.departments}
    kinds = {i.kind for i in scenario.incidents.timeline} | {
        r.kind for r in scenario.incidents.rates
    }
    used: dict[str, str] = {}
    for kind in sorted(kinds):
        k = INCIDENT_KINDS[kind]
        used[k.category] = f"incident kind {kind!r}"
        for c in k.visible.confusions if k.visible else ():
            used.setdefault(c, f"callers' confusions for {kind!r}")
    if scenario.hotline:
        for c in scenario.hotline.junk_categories:
            used.setdefault(c, "hotline.junk_categories")
    missing = [f"{code} ({why})" for code, why in sorted(used.items()) if code not in items]
    if missing:
        raise RunError(
            f"the IOC's catalogue ({catalogue['name']}) lacks categories the "
            f"scenario uses: {', '.join(missing)}"
        )
    bad_types = sorted(t for t in unit_types if t not in types)
    if bad_types:
        raise RunError(
            f"departments of types {bad_types} are not in the IOC's catalogue; "
            f"types: {sorted(types)}"
        )
    warnings = []
    for kind in sorted(kinds):
        dept = items[INCIDENT_KINDS[kind].category]["department"]
        if dept not in unit_types:
            warnings.append(f"no {dept!r} unit in the scenario: {kind} cases will never be handled")
    return warnings


def _ioc_diagnosis(ioc: IocClient, out: Path) -> str:
    """What the IOC says it is waiting for, and the tail of its log, after a stall."""
    lines = []
    try:
        health = ioc.health()
        lines.append(
            f"IOC clock {health.get('clock')}, tick {health.get('ticks')}, waiting for "
            f"messages from {health.get('waiting_for') or 'nothing'}, "
            f"{health.get('held_events')} events held"
        )
    except Exception as err:  # the IOC may be gone: say so rather than fail again
        lines.append(f"the IOC does not answer: {err}")
    log = out / "ioc.log"
    if log.exists():
        lines.append("last lines of the IOC log:\n" + log.read_text(errors="replace")[-2000:])
    return "\n".join(lines)


def _connect(link: Link) -> None:
    try:
        link.connect()
    except ConnectionError as err:
        raise RunError(str(err)) from None


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:24] or "run"
