"""The IOC itself: health and counters, dead letters, the organisation it knows, the
configuration it runs with and its event catalogue (事项清单)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from ioc.api.deps import Service

router = APIRouter(tags=["admin"])


@router.get("/health")
def health(service: Service) -> dict[str, Any]:
    return {
        **service.views.health(),
        "mqtt_connected": service.ready,
        "broker": service.settings.broker.url,
        "data_dir": str(service.settings.data_dir),
    }


@router.get("/deadletters")
def deadletters(service: Service, limit: int = Query(100, ge=1, le=10_000)) -> dict[str, Any]:
    return {
        "counts": service.store.dead_letter_counts(),
        "items": service.store.dead_letters(limit),
    }


@router.get("/org")
def org(service: Service) -> dict[str, Any]:
    return service.views.organisation()


@router.get("/catalogue")
def catalogue(service: Service) -> dict[str, Any]:
    return service.config.catalogue.model_dump()


@router.get("/config")
def config(service: Service) -> dict[str, Any]:
    cfg = service.config
    return {
        "name": cfg.name,
        "flow": cfg.flow.model_dump(),
        "rules": cfg.rules.model_dump(),
        "calendar": str(cfg.calendar_path),
    }
