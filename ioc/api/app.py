"""The IOC's HTTP API (FastAPI): one router per resource, the way Starlette composes routes.
Interactive docs at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ioc.api import admin, alarms, cases, commands, devices, evidence, measures
from ioc.service.wiring import IocService

ROUTERS = (admin, cases, measures, devices, alarms, commands, evidence)


def create_app(service: IocService) -> FastAPI:
    """The API of a service; starting the app starts the service, stopping it stops it."""

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
    app.state.service = service
    for module in ROUTERS:
        app.include_router(module.router)
    return app
