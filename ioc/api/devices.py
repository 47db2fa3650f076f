"""The device registry (设备台账), each device's stored readings, and the gateways' status."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from ioc.api.deps import Service

router = APIRouter(tags=["devices"])


@router.get("/devices")
def devices(service: Service) -> list[dict[str, Any]]:
    return service.views.devices()


@router.get("/devices/{device_id}/readings")
def readings(
    service: Service, device_id: str, limit: int = Query(100, ge=1, le=10_000)
) -> list[dict[str, Any]]:
    return service.store.readings(device_id, limit)


@router.get("/gateways")
def gateways(service: Service) -> list[dict[str, Any]]:
    return service.views.gateway_status()
