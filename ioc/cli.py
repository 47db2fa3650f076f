"""`python -m ioc`: `serve` (also `citysim ioc serve`) runs the IOC on its own; `validate`
checks a pilot's commitments against a finished run; `plan coverage` places towers."""

from __future__ import annotations

import logging
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from ioc.contract import InputFileError, parse_broker_url
from ioc.service.config import DEFAULT_IOC_CONFIG, ClockMode


class LogLevel(StrEnum):
    DEBUG = "debug"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


app = typer.Typer(
    help="citysim IOC (城市运行中心): ingest, alarms, 一网统管 cases, KPIs.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """citysim IOC service."""


@app.command()
def serve(
    broker: Annotated[
        str, typer.Option(help="MQTT broker, mqtt://host:port")
    ] = "mqtt://127.0.0.1:1883",
    data: Annotated[Path, typer.Option(help="data directory (embedded store)")] = Path("ioc-data"),
    host: Annotated[str, typer.Option(help="HTTP bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    config: Annotated[
        Path,
        typer.Option(
            help="ioc.yaml: catalogue (事项清单), rules, flow, calendar, overrides",
        ),
    ] = DEFAULT_IOC_CONFIG,
    clock: Annotated[
        ClockMode, typer.Option(help="sim: follow simulator clock ticks; wall: real time")
    ] = ClockMode.SIM,
    client_id: Annotated[
        str, typer.Option(help="MQTT client id (its session is kept across restarts)")
    ] = "citysim-ioc",
    registry: Annotated[
        Path | None,
        typer.Option(
            help="provision devices from a registry CSV/GeoJSON (citysim devices export)",
        ),
    ] = None,
    log_level: Annotated[
        LogLevel, typer.Option(help="how much the log says", case_sensitive=False)
    ] = LogLevel.INFO,
) -> None:
    """Run the IOC: MQTT ingest plus the HTTP API (/health, /cases, /kpis, /docs)."""
    from ioc.api.app import create_app
    from ioc.service.wiring import IocService, IocSettings

    logging.basicConfig(
        level=log_level.value.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        address = parse_broker_url(broker)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--broker") from None
    try:
        service = IocService(
            IocSettings(
                broker=address,
                data_dir=data,
                config=config,
                clock=clock,
                client_id=client_id,
                registry=registry,
            )
        )
    except InputFileError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(create_app(service), host=host, port=port, log_level=log_level.value)


# One line per paragraph: the help renderer keeps line breaks as written.
VALIDATE_HELP = (
    "Check a pilot's commitments (任务书承诺) against a finished run and write report.json "
    "and report.html into OUT.\n\n"
    "Exit codes: 0 when no commitment fails (commitments that are not evaluable, because the "
    "run holds no data for them, are listed but do not fail); 1 when any commitment fails "
    "(each failing id is printed with why); 2 on bad input (a bad commitments file, naming "
    "the file and the key path; a folder that is not a run, naming the missing file)."
)


@app.command(help=VALIDATE_HELP)
def validate(
    commitments: Annotated[
        Path, typer.Option(help="commitments YAML (format: docs/commitments.md)")
    ],
    run: Annotated[Path | None, typer.Option(help="run folder (`citysim run --out DIR`)")] = None,
    out: Annotated[Path | None, typer.Option(help="folder for report.json and report.html")] = None,
    store: Annotated[
        Path | None,
        typer.Option(help="the IOC store ioc.sqlite3, when the run kept it elsewhere (--data)"),
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check-only", help="only check the commitments file (exit 0 or 2)")
    ] = False,
) -> None:
    from ioc.assessment.commitments import load_commitments
    from ioc.assessment.evidence import load_run
    from ioc.assessment.report import (
        VERDICT_EN,
        VERDICT_ZH,
        ReportExtra,
        build_rows,
        summarise,
        write_report,
    )

    try:
        spec = load_commitments(commitments)
        if check_only:
            typer.echo(
                f"{commitments}: {len(spec.commitments)} commitments of "
                f"{spec.pilot.name_zh or spec.pilot.name}"
            )
            return
        if run is None or out is None:
            typer.echo("error: --run and --out are needed (or --check-only)", err=True)
            raise typer.Exit(2)
        evidence = load_run(run, store)
    except InputFileError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    rows = build_rows(spec, evidence.data)
    try:
        json_path, html_path = write_report(
            out,
            spec.pilot,
            rows,
            evidence.data,
            ReportExtra(run=evidence.run_info(), commitments=spec, source=str(commitments)),
        )
    except OSError as err:
        typer.echo(f"error: cannot write the report into {out}: {err.strerror}", err=True)
        raise typer.Exit(2) from None
    tags = {
        v: f"{v.upper() if v != 'not_evaluable' else 'N/A':4} {VERDICT_ZH[v]}" for v in VERDICT_EN
    }
    for row in rows:
        typer.echo(f"{tags[row['verdict']]}  {row['id']}: {row['why']}")
    counts = summarise(rows)
    typer.echo(
        f"{counts['pass']} pass 通过, {counts['fail']} fail 未通过, "
        f"{counts['not_evaluable']} not evaluable 无法评估 (of {counts['total']}); "
        f"report: {html_path} and {json_path.name}"
    )
    if counts["fail"]:
        failed = ", ".join(r["id"] for r in rows if r["verdict"] == "fail")
        typer.echo(f"failed 未通过: {failed}", err=True)
        raise typer.Exit(1)


plan_app = typer.Typer(
    help="Planning: where to put towers for a coverage target.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(plan_app, name="plan")


@plan_app.command("coverage")
def plan_coverage(
    area: Annotated[Path, typer.Option(help="the area: GeoJSON polygon(s), lon/lat")],
    radius_km: Annotated[float, typer.Option(help="each tower's view radius, km")],
    target: Annotated[float, typer.Option(help="coverage target in percent, e.g. 95")],
    stated: Annotated[
        int | None, typer.Option(help="the count a task book states (shows the gap to it)")
    ] = None,
    max_sites: Annotated[
        int | None, typer.Option(help="stop after this many towers (default 3 × area/πr² + 10)")
    ] = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="write the plan (sites, fractions, bounds) as JSON"),
    ] = None,
    map_path: Annotated[
        Path | None,
        typer.Option("--map", help="write a PNG map of the placed towers and blind spots"),
    ] = None,
) -> None:
    """How many towers of a radius, and where (greedy), reach a target coverage of an area;
    with --stated, the gap to a pilot's stated count. Exit 2 on bad input."""
    from ioc.assessment.geometry import read_geojson
    from ioc.assessment.maps import save_coverage_map
    from ioc.assessment.placement import plan_coverage as plan
    from ioc.assessment.placement import plan_report

    if not 0 < target <= 100:
        typer.echo(f"error: --target is a percentage in (0, 100] (got {target:g})", err=True)
        raise typer.Exit(2)
    if not radius_km > 0:
        typer.echo(f"error: --radius-km must be > 0 (got {radius_km:g})", err=True)
        raise typer.Exit(2)
    try:
        geom = read_geojson(area)
        result = plan(
            geom,
            radius_km * 1000,
            target / 100,
            stated_count=stated,
            max_sites=max_sites,
            area_label=area.stem,
        )
    except InputFileError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    except ValueError as err:
        typer.echo(f"error: {area}: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(plan_report(result))
    try:
        if json_path is not None:
            import orjson

            json_path.write_bytes(
                orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2) + b"\n"
            )
        if map_path is not None:
            save_coverage_map(
                map_path,
                geom,
                result.sites,
                blind_spots=result.coverage.blind_spots,
                title=f"{len(result.sites)} sites of r = {radius_km:g} km: "
                f"{100 * result.coverage.fraction:.1f} % covered",
            )
    except OSError as err:
        typer.echo(f"error: cannot write {err.filename}: {err.strerror}", err=True)
        raise typer.Exit(2) from None
