"""Alarms (告警) raised by the threshold rules and by edge events, with their cases."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ioc.api.deps import Service

router = APIRouter(tags=["alarms"])


@router.get("/alarms")
def alarms(service: Service) -> list[dict[str, Any]]:
    return service.views.alarms()
