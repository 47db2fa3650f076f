"""A whole run, as a list of steps: broker, IOC, catalogue check, the city, the clock loop,
the IOC's results, scoring against the truth, outputs.

Outputs in the run folder: summary.json (kpis from the IOC's API, truth scoring, and the
wall-clock figures under `run`), cases.jsonl (one line per case with its timeline),
truth.jsonl (one line per incident or fault), the broker's and IOC's logs, and spool/ (each
gateway's store-and-forward outbox: empty after a clean run).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from sim.run.city import City, connect_city
from sim.run.clock import ClockDriver, DriveResult, TickStatus
from sim.run.ioc_client import IocClient
from sim.run.operator import Operator
from sim.run.options import RunError, RunOptions
from sim.run.outputs import collect_results, make_summary, run_figures, write_outputs
from sim.run.scoring import score_run
from sim.run.services import (
    check_catalogue,
    ioc_diagnosis,
    prepare_folders,
    use_broker,
    use_ioc,
)
from sim.scenario import Scenario
from sim.world import World


@dataclass
class RunResult:
    """What a run gives back (and wrote to its folder)."""

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
    """Simulate a scenario end to end over MQTT and score the IOC against the truth; the
    broker and IOC it starts are stopped at the end, also on failure (RunError)."""
    data_dir = prepare_folders(opts)
    run_id = _run_id(scenario)
    warnings: list[str] = []
    with ExitStack() as stack:
        broker = use_broker(opts, stack, on_phase)
        ioc = use_ioc(opts, scenario, broker.address, data_dir, run_id, stack, on_phase)
        catalogue = ioc.catalogue()
        warnings += check_catalogue(scenario, catalogue)
        on_phase("building the city")
        world = World(scenario)
        city = connect_city(world, broker.address, run_id, opts.out, catalogue, stack)
        on_phase("running")
        drive = drive_clock(city, ioc, opts, warnings, on_tick)
        messages = city.shut_down()
        on_phase("collecting results")
        results = collect_results(ioc, opts.out)
        truth, scored = score_run(world, results.cases)
        warnings += _late_warnings(city, drive)
    run = run_figures(
        opts, run_id, broker.label, city, drive, messages, results.indicators, warnings
    )
    summary = make_summary(city, drive, results, scored, run)
    write_outputs(opts.out, summary, results.cases, truth)
    return RunResult(summary, results.cases, truth, warnings)


def drive_clock(
    city: City,
    ioc: IocClient,
    opts: RunOptions,
    warnings: list[str],
    on_tick: Callable[[TickStatus], None] | None,
) -> DriveResult:
    """The tick loop over the whole scenario, the operator's commands issued between ticks;
    a stalled IOC ends the run with what it says it is waiting for."""
    driver = ClockDriver(
        city.world,
        city.gateways,
        city.control,
        city.people.route,
        opts.sync,
        opts.speed,
        opts.ack_timeout_s,
        message_count=city.messages,
        before_tick=Operator(city.world.scenario, ioc, warnings),
        cameras=city.cameras,
    )
    try:
        return driver.run(on_tick)
    except TimeoutError as err:
        raise RunError(f"{err}\n{ioc_diagnosis(ioc, opts.out)}") from None


def _late_warnings(city: City, drive: DriveResult) -> list[str]:
    """What went wrong on the wire during the run, said once at the end."""
    warnings = []
    rejected = city.control.rejected
    if rejected:
        warnings.append(
            f"{len(rejected)} malformed messages from the IOC side, first: {rejected[0]}"
        )
    if drive.unroutable_tasks:
        warnings.append(
            f"{drive.unroutable_tasks} tasks went to people who are not in "
            "the scenario (a unit, grid or desk it lacks)"
        )
    return warnings


def _run_id(scenario: Scenario) -> str:
    stem = _slug(scenario.path.stem if scenario.path else "run")
    return f"{stem}-{scenario.seed}-{secrets.token_hex(3)}"


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in text)[:24] or "run"
