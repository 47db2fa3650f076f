"""The `citysim` command line: each command reads its options and hands over to a room
(scenario loading, a run, the tools); the IOC's own commands run as `python -m ioc`."""

from __future__ import annotations

import os
import subprocess
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from devices import KINDS
from sim.run.broker import BrokerKind, start_broker
from sim.run.clock import SyncMode
from sim.run.display import print_summary, run_with_progress
from sim.run.options import IocMode, RunError, RunOptions
from sim.run.runner import RunResult
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.tools.bench.clip import Analytic
from sim.tools.recording.cli import record, replay
from sim.tools.registry_file import RegistryFormat

app = typer.Typer(
    help="citysim: rehearse a smart city's IoT and IOC (城市运行中心).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True, soft_wrap=True)
out_console = Console()


def _load(path: Path, seed: int | None = None, hours: float | None = None) -> Scenario:
    try:
        return load_scenario(path, seed=seed, duration_h=hours)
    except ScenarioError as err:
        console.print(f"[red]error:[/] scenario {err}", markup=True, highlight=False)
        raise typer.Exit(2) from None


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML")],
    seed: Annotated[int | None, typer.Option(help="random seed (overrides the file)")] = None,
    out: Annotated[Path, typer.Option(help="output folder")] = Path("runs/latest"),
    hours: Annotated[
        float | None, typer.Option(help="simulated hours (overrides the file)")
    ] = None,
    broker: Annotated[
        str | None, typer.Option(help="use this MQTT broker (mqtt://host:port); default: start one")
    ] = None,
    broker_kind: Annotated[
        BrokerKind,
        typer.Option(
            help="broker to start: auto (Mosquitto if installed, else amqtt), mosquitto, amqtt",
        ),
    ] = BrokerKind.AUTO,
    ioc: Annotated[IocMode, typer.Option(help="embedded (start one) or external")] = (
        IocMode.EMBEDDED
    ),
    ioc_url: Annotated[str | None, typer.Option(help="external IOC's HTTP address")] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="embedded IOC's data folder (default OUT/ioc-data, emptied first)"),
    ] = None,
    sync: Annotated[
        SyncMode, typer.Option(help="lockstep (deterministic) or free (paced by --speed)")
    ] = SyncMode.LOCKSTEP,
    speed: Annotated[
        float, typer.Option(help="free mode: simulated seconds per wall second")
    ] = 60.0,
    ack_timeout: Annotated[
        float,
        typer.Option(
            help="seconds to wait for the IOC: per tick, and (up to 15) for an external one to "
            "answer"
        ),
    ] = 60.0,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
) -> None:
    """Simulate a scenario end to end over MQTT and score the IOC against the truth."""
    if speed <= 0:
        raise typer.BadParameter("must be positive", param_hint="--speed")
    sc = _load(scenario, seed, hours)
    opts = RunOptions(
        out=out,
        broker_url=broker,
        broker_kind=broker_kind,
        ioc=ioc,
        ioc_url=ioc_url,
        data=data,
        sync=sync,
        speed=speed,
        ack_timeout_s=ack_timeout,
    )
    try:
        result = _run_with_progress(sc, opts, quiet)
    except RunError as err:
        console.print(f"[red]error:[/] {err}", highlight=False)
        raise typer.Exit(1) from None
    print_summary(result.summary, out_console)
    out_console.print(f"outputs in {out}/: summary.json, cases.jsonl, truth.jsonl, ioc.log")


def _run_with_progress(sc: Scenario, opts: RunOptions, quiet: bool) -> RunResult:
    """Run a scenario with a progress bar on stderr (Ctrl-C: exit 130)."""
    try:
        return run_with_progress(sc, opts, console, quiet)
    except KeyboardInterrupt:
        console.print("[yellow]interrupted[/]")
        raise typer.Exit(130) from None


@app.command()
def validate(
    pack: Annotated[
        Path, typer.Argument(help="pilot pack folder: scenario.yaml, commitments.yaml, README.md")
    ],
    out: Annotated[Path, typer.Option(help="report folder")] = Path("runs/validate"),
    run_dir: Annotated[
        Path | None,
        typer.Option(
            "--run", help="use this earlier run folder instead of running the pack's scenario"
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="random seed (overrides the file)")] = None,
    hours: Annotated[
        float | None, typer.Option(help="simulated hours (overrides the file)")
    ] = None,
    quiet: Annotated[bool, typer.Option(help="no progress bar")] = False,
    check_only: Annotated[
        bool,
        typer.Option(
            "--check-only", help="check the pack's files (commitments, scenario) and stop"
        ),
    ] = False,
) -> None:
    """Check a pilot's commitments (任务书承诺) with evidence: run the pack's scenario (into
    OUT/run) or read --run, then write OUT/report.html and OUT/report.json.
    Exit 0 when every commitment passes (not evaluable ones are listed, not failed), 1 when
    any fails, 2 on bad input (a bad pack or commitments file, a folder that is not a run)
    or when the scenario cannot be run."""
    commitments = pack / "commitments.yaml"
    scenario = pack / "scenario.yaml"
    needed = [commitments] + ([scenario] if run_dir is None else [])
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        console.print(
            f"[red]error:[/] {pack} is not a pilot pack: no {', '.join(missing)}", highlight=False
        )
        raise typer.Exit(2)
    check = _ioc_command("validate", "--commitments", str(commitments), "--check-only")
    if check.returncode:
        raise typer.Exit(2)
    if check_only:
        if scenario.is_file():
            check_scenario = _load(scenario, seed, hours)
            out_console.print(f"[green]ok[/] {scenario}: {check_scenario.name}", highlight=False)
        return
    if run_dir is None:
        sc = _load(scenario, seed, hours)
        run_dir = out / "run"
        try:
            result = _run_with_progress(sc, RunOptions(out=run_dir), quiet)
        except RunError as err:
            console.print(f"[red]error:[/] the pack's scenario did not run: {err}", highlight=False)
            raise typer.Exit(2) from None
        if not quiet:
            print_summary(result.summary, out_console)
    verdicts = _ioc_command(
        "validate", "--commitments", str(commitments), "--run", str(run_dir), "--out", str(out)
    )
    raise typer.Exit(verdicts.returncode)


def _ioc_command(*args: str) -> subprocess.CompletedProcess[bytes]:
    """`python -m ioc ARGS` (validation lives in the IOC, which must not import the
    simulator), its output passed through."""
    return subprocess.run([sys.executable, "-m", "ioc", *args], check=False)


@app.command()
def check(scenario: Annotated[Path, typer.Argument(help="scenario YAML")]) -> None:
    """Validate a scenario file and show what it holds."""
    sc = _load(scenario)
    grids = sc.grids()
    timeline, rates = sc.incidents.timeline, sc.incidents.rates
    out_console.print(
        f"[green]ok[/] {scenario}: {sc.name} ({sc.city}), {sc.duration_h:g} h from "
        f"{sc.start.isoformat()}\n"
        f"  {len(sc.districts)} districts, {len(grids)} grid cells\n"
        f"  fleets: "
        + ", ".join(f"{f.count} {f.kind} every {f.interval_s:g} s" for f in sc.fleets)
        + f"\n  departments: {', '.join(d.code for d in sc.departments) or 'none'}\n"
        f"  incidents: {len(timeline)} on the timeline, "
        f"{sum(r.per_day for r in rates) * sc.duration_h / 24:.1f} expected from rates",
        highlight=False,
    )


@app.command()
def broker(
    port: Annotated[int, typer.Option(help="loopback port")] = 1883,
    kind: Annotated[BrokerKind, typer.Option(help="auto, mosquitto or amqtt")] = BrokerKind.AUTO,
) -> None:
    """Run a local MQTT broker in the foreground (for `ioc serve` + `run --broker`)."""
    running = start_broker(kind, port=port)
    out_console.print(f"{running.kind} listening on {running.address.url} (Ctrl-C stops it)")
    try:
        assert running.proc is not None
        running.proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()


app.command("record")(record)
app.command("replay")(replay)


devices_app = typer.Typer(
    help="Device kinds and the device registry (设备台账).", no_args_is_help=True
)
app.add_typer(devices_app, name="devices")


@devices_app.command("kinds")
def devices_kinds(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Every device kind: names, readings with units, alarms and commands (with --json also
    its parameters; `citysim devices params KIND` lists them)."""
    from devices import FLEET_MODELS

    kinds = [
        {**cls.KIND.describe(), "commands": dict(cls.COMMANDS)} for cls in FLEET_MODELS.values()
    ]
    if as_json:
        sys.stdout.write(orjson.dumps(kinds, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(title="Device kinds 设备类型")
    for col in ("kind", "名称", "readings (unit)", "alarms 告警", "commands"):
        table.add_column(col)
    for k in kinds:
        table.add_row(
            k["name"],
            f"{k['name_zh']}\n{k['name_en']}",
            "\n".join(f"{r['name']} ({r['unit'] or '-'})" for r in k["readings"]),
            "\n".join(k["alarms"]),
            ", ".join(k["commands"]) or "—",
        )
    out_console.print(table)


DeviceKindName = StrEnum("DeviceKindName", {k: k for k in KINDS})  # type: ignore[misc]


@devices_app.command("params")
def devices_params(
    kind: Annotated[DeviceKindName, typer.Argument(help="device kind")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """The parameters a scenario may set on a fleet of KIND: type, default, meaning."""
    params = KINDS[kind.value].describe()["params"]
    if as_json:
        sys.stdout.write(orjson.dumps(params, option=orjson.OPT_INDENT_2).decode() + "\n")
        return
    table = Table(title=f"{kind.value}: params 参数")
    for col in ("parameter", "type", "default", "what"):
        table.add_column(col)
    for p in params:
        table.add_row(*(escape(p[k]) for k in ("name", "type", "default", "description")))
    out_console.print(table)


@devices_app.command("export")
def devices_export(
    scenario: Annotated[Path, typer.Argument(help="scenario YAML")],
    out: Annotated[Path, typer.Option(help="file to write (.csv or .geojson)")] = Path(
        "runs/registry.csv"
    ),
    fmt: Annotated[
        RegistryFormat | None,
        typer.Option("--format", help="csv or geojson (default: from the file name)"),
    ] = None,
) -> None:
    """Write the scenario's device registry, which the IOC can be provisioned from
    (`citysim ioc serve --registry FILE`)."""
    from sim.tools.registry_file import write_registry
    from sim.world import World

    n = write_registry(World(_load(scenario)), out, fmt or RegistryFormat.of(out))
    out_console.print(f"{n} devices -> {out}")


bench_app = typer.Typer(help="Benchmarks (measured, not guessed).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


@bench_app.command("fleet")
def bench_fleet_cmd(
    devices: Annotated[int, typer.Option(help="devices in the county")] = 20_000,
    hours: Annotated[float, typer.Option(help="simulated hours")] = 24.0,
    window: Annotated[float, typer.Option(help="seconds of simulated time per batch")] = 300.0,
    per_process_devices: Annotated[
        int, typer.Option(help="devices in the one-process-per-device comparison")
    ] = 1000,
    scenario: Annotated[
        Path | None, typer.Option(help="use this scenario instead of the generated county")
    ] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
) -> None:
    """Readings per second of the simulator alone (no MQTT), vectorised fleets against one
    SimPy process per device."""
    from sim.tools.bench.fleet import bench_fleet

    sc = _load(scenario) if scenario else None
    with console.status("simulating the county..."):
        result = bench_fleet(devices, hours, window, per_process_devices, scenario=sc)
    table = Table(title="bench fleet (sim alone, one run)")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in result.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int | float) else str(value))
    out_console.print(table)
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2) + b"\n")


@bench_app.command("vision")
def bench_vision_cmd(
    seed: Annotated[int, typer.Option(help="seed of the labelled clip set")] = 0,
    clips: Annotated[int, typer.Option(help="clips per analytic (half positive)")] = 40,
    analytic: Annotated[
        list[Analytic] | None, typer.Option(help="only this analytic (repeatable)")
    ] = None,
    towers: Annotated[
        bool, typer.Option(help="also the tower-camera detection rate at 1, 3 and 5 km")
    ] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="write the figures here")] = None,
) -> None:
    """Precision, recall, latency and throughput of each edge video analytic on seeded,
    labelled synthetic clips with hard cases (night, fog, occlusion, look-alikes)."""
    from sim.tools.bench.vision import bench_vision, format_table, tower_detection_probability

    with console.status("rendering and analysing clips..."):
        figures = bench_vision(seed, clips, analytics=analytic)
        tower = (
            {
                mode: tower_detection_probability(seed=seed, night=night)
                for mode, night in (("day", False), ("night", True))
            }
            if towers
            else None
        )
    rows = format_table(figures)
    table = Table(title=f"bench vision (seed {seed}, one run)")
    for i, col in enumerate(rows[0]):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows[1:]:
        table.add_row(*row)
    out_console.print(table)
    if tower is not None:
        out_console.print(
            "tower cameras 高点监控 (50 m plume, share of views detected): "
            + "; ".join(
                f"{mode}: "
                + ", ".join(f"{k} {v:.1f}" for k, v in figs.items() if not k.startswith("px_"))
                for mode, figs in tower.items()
            )
        )
    if json_path:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        result = {**figures, "tower": tower} if tower is not None else figures
        json_path.write_bytes(
            orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
        )


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def ioc(ctx: typer.Context) -> None:
    """The IOC service: `citysim ioc serve --help` (same as `python -m ioc`)."""
    # The IOC is its own program (it must run without the simulator), so hand over to it.
    os.execv(sys.executable, [sys.executable, "-m", "ioc", *ctx.args])


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def plan(ctx: typer.Context) -> None:
    """Planning: `citysim plan coverage --area FILE.geojson --radius-km 3 --target 95
    [--stated 58]`: how many towers, and where, for a coverage target (`--help` for more)."""
    os.execv(sys.executable, [sys.executable, "-m", "ioc", "plan", *ctx.args])


def main() -> None:
    """The `citysim` entry point."""
    app()


if __name__ == "__main__":
    main()
