"""What the routers depend on: the running IOC service, found on the application's state."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ioc.service.wiring import IocService


def service_of(request: Request) -> IocService:
    return request.app.state.service


Service = Annotated[IocService, Depends(service_of)]
