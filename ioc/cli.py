"""`python -m ioc serve` (also `citysim ioc serve`): run the IOC on its own."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from ioc.config import DEFAULT_IOC_CONFIG
from ioc.contract import InputFileError, parse_broker_url

app = typer.Typer(help="citysim IOC (城市运行中心): ingest, alarms, 一网统管 cases, KPIs.",
                  no_args_is_help=True, add_completion=False)


@app.callback()
def main() -> None:
    """citysim IOC service."""


@app.command()
def serve(
    broker: Annotated[str, typer.Option(help="MQTT broker, mqtt://host:port")] = "mqtt://127.0.0.1:1883",
    data: Annotated[Path, typer.Option(help="data directory (embedded store)")] = Path("ioc-data"),
    host: Annotated[str, typer.Option(help="HTTP bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="HTTP port")] = 8000,
    config: Annotated[Path, typer.Option(
        help="ioc.yaml: catalogue (事项清单), rules, flow, calendar, overrides",
    )] = DEFAULT_IOC_CONFIG,
    clock: Annotated[str, typer.Option(
        help="sim: follow simulator clock ticks; wall: real time")] = "sim",
    client_id: Annotated[str, typer.Option(
        help="MQTT client id (its session is kept across restarts)")] = "citysim-ioc",
    registry: Annotated[Path | None, typer.Option(
        help="provision devices from a registry CSV/GeoJSON (citysim devices export)",
    )] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning, error")] = "info",
) -> None:
    """Run the IOC: MQTT ingest plus the HTTP API (/health, /cases, /kpis, /docs)."""
    from ioc.api import create_app
    from ioc.service import IocService, IocSettings

    logging.basicConfig(level=log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if clock not in ("sim", "wall"):
        raise typer.BadParameter("must be sim or wall", param_hint="--clock")
    try:
        address = parse_broker_url(broker)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--broker") from None
    try:
        service = IocService(IocSettings(broker=address, data_dir=data, config=config,
                                         clock=clock,  # type: ignore[arg-type]
                                         client_id=client_id, registry=registry))
    except InputFileError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(create_app(service), host=host, port=port, log_level=log_level.lower())
