"""Remote commands (远程控制) to devices through their gateways, with their acknowledgements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from ioc.api.deps import Service

router = APIRouter(tags=["commands"])


class CommandRequest(BaseModel):
    """A remote command: to `devices` by id, or to every device of `kind` (in `grid`)."""

    action: str
    params: dict[str, str | float | bool] = {}
    devices: list[str] | None = None
    kind: str | None = None
    grid: str | None = None
    issued_by: str = "api"


@router.get("/commands")
def commands(service: Service) -> list[dict[str, Any]]:
    return service.engine.commands.listing()


@router.post("/commands")
def command(service: Service, body: CommandRequest) -> dict[str, Any]:
    try:
        return service.engine.commands.issue(
            body.action, body.params, body.devices, body.kind, body.grid, body.issued_by
        )
    except ValueError as err:
        raise HTTPException(422, str(err)) from None
