"""The IOC's HTTP API (FastAPI): health, cases with their timelines and evidence, KPIs,
devices, alarms, edge events, dead letters and the catalogue. Interactive docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import FileResponse
from pydantic import BaseModel

from ioc.casework.cases import Stage
from ioc.measures.kpis import GROUPS, KPI_NAMES_ZH
from ioc.service.wiring import IocService


class CommandRequest(BaseModel):
    """A remote command: to `devices` by id, or to every device of `kind` (in `grid`)."""

    action: str
    params: dict[str, str | float | bool] = {}
    devices: list[str] | None = None
    kind: str | None = None
    grid: str | None = None
    issued_by: str = "api"


def create_app(service: IocService) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        yield
        service.stop()

    app = FastAPI(
        title="citysim IOC 城市运行中心",
        description="一网统管 case flow, KPIs and device registry.",
        lifespan=lifespan,
    )
    engine = service.engine
    views = service.views

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {
            **views.health(),
            "mqtt_connected": service.ready,
            "broker": service.settings.broker.url,
            "data_dir": str(service.settings.data_dir),
        }

    @app.get("/cases")
    def cases(stage: Stage | None = None) -> list[dict[str, Any]]:
        return views.cases(stage.value if stage else None)

    @app.get("/cases/{case_id}")
    def case(case_id: str) -> dict[str, Any]:
        found = views.case(case_id)
        if found is None:
            raise HTTPException(404, f"no case {case_id}")
        return found

    @app.get("/kpis")
    def kpis(
        as_of: int | None = Query(None, description="event time, epoch ms (default: now)"),
        from_ts: int | None = Query(
            None, alias="from", description="only cases reported at or after (epoch ms)"
        ),
        by: str | None = Query(None, description=f"group by: {', '.join(GROUPS)}"),
    ) -> dict[str, Any]:
        if by is not None and by not in GROUPS:
            raise HTTPException(422, f"by must be one of {', '.join(GROUPS)}")
        return {"kpis": views.kpis(as_of, from_ts, by), "names_zh": KPI_NAMES_ZH}

    @app.get("/indicators")
    def indicators(
        as_of: int | None = Query(None, description="event time, epoch ms"),
    ) -> dict[str, Any]:
        return views.indicator_view(as_of)

    @app.get("/commands")
    def commands() -> list[dict[str, Any]]:
        return engine.commands.listing()

    @app.post("/commands")
    def command(body: CommandRequest) -> dict[str, Any]:
        try:
            return engine.commands.issue(
                body.action, body.params, body.devices, body.kind, body.grid, body.issued_by
            )
        except ValueError as err:
            raise HTTPException(422, str(err)) from None

    @app.get("/tasks")
    def tasks() -> list[dict[str, Any]]:
        return views.tasks()

    @app.get("/org")
    def org() -> dict[str, Any]:
        return views.organisation()

    @app.get("/devices")
    def devices() -> list[dict[str, Any]]:
        return views.devices()

    @app.get("/devices/{device_id}/readings")
    def readings(device_id: str, limit: int = Query(100, ge=1, le=10_000)) -> list[dict[str, Any]]:
        return service.store.readings(device_id, limit)

    @app.get("/gateways")
    def gateways() -> list[dict[str, Any]]:
        return views.gateway_status()

    @app.get("/alarms")
    def alarms() -> list[dict[str, Any]]:
        return views.alarms()

    @app.get("/events")
    def events(
        device_id: str | None = None,
        kind: str | None = None,
        limit: int = Query(200, ge=1, le=10_000),
    ) -> list[dict[str, Any]]:
        """Edge events (video detections) newest first, with links to their snapshots."""
        rows = service.store.edge_events(device_id, kind, limit)
        for r in rows:
            r["url"] = f"/evidence/{r['snapshot']}" if r["snapshot"] else None
        return rows

    @app.get("/evidence/{name}", response_class=FileResponse)
    def evidence(name: str) -> FileResponse:
        """An evidence snapshot (JPEG) kept with an edge event."""
        path = service.store.evidence_path(name)
        if path is None or path.suffix != ".jpg":
            raise HTTPException(404, f"no evidence {name}")
        return FileResponse(path, media_type="image/jpeg")

    @app.get("/deadletters")
    def deadletters(limit: int = Query(100, ge=1, le=10_000)) -> dict[str, Any]:
        return {
            "counts": service.store.dead_letter_counts(),
            "items": service.store.dead_letters(limit),
        }

    @app.get("/catalogue")
    def catalogue() -> dict[str, Any]:
        return service.config.catalogue.model_dump()

    @app.get("/config")
    def config() -> dict[str, Any]:
        cfg = service.config
        return {
            "name": cfg.name,
            "flow": cfg.flow.model_dump(),
            "rules": cfg.rules.model_dump(),
            "calendar": str(cfg.calendar_path),
        }

    return app
