"""KPIs (统一考核) from the case log, and city indicators (AQI, congestion, lighting, online
rate) from the readings, for any window and grouping."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query

from ioc.api.deps import Service
from ioc.measures.kpis import GROUPS, KPI_NAMES_ZH

router = APIRouter(tags=["measures"])


@router.get("/kpis")
def kpis(
    service: Service,
    as_of: int | None = Query(None, description="event time, epoch ms (default: now)"),
    from_ts: int | None = Query(
        None, alias="from", description="only cases reported at or after (epoch ms)"
    ),
    by: str | None = Query(None, description=f"group by: {', '.join(GROUPS)}"),
) -> dict[str, Any]:
    if by is not None and by not in GROUPS:
        raise HTTPException(422, f"by must be one of {', '.join(GROUPS)}")
    return {"kpis": service.views.kpis(as_of, from_ts, by), "names_zh": KPI_NAMES_ZH}


@router.get("/indicators")
def indicators(
    service: Service,
    as_of: int | None = Query(None, description="event time, epoch ms"),
) -> dict[str, Any]:
    return service.views.indicator_view(as_of)
