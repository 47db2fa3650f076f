"""Cases (案件) with their timelines, evidence and reports, and the open tasks (待办)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from ioc.api.deps import Service
from ioc.casework.cases import Stage

router = APIRouter(tags=["cases"])


@router.get("/cases")
def cases(service: Service, stage: Stage | None = None) -> list[dict[str, Any]]:
    return service.views.cases(stage.value if stage else None)


@router.get("/cases/{case_id}")
def case(service: Service, case_id: str) -> dict[str, Any]:
    found = service.views.case(case_id)
    if found is None:
        raise HTTPException(404, f"no case {case_id}")
    return found


@router.get("/tasks")
def tasks(service: Service) -> list[dict[str, Any]]:
    return service.views.tasks()
