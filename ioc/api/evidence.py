"""Edge events (video detections) and the evidence snapshots (视频取证) kept with them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import FileResponse

from ioc.api.deps import Service

router = APIRouter(tags=["evidence"])


@router.get("/events")
def events(
    service: Service,
    device_id: str | None = None,
    kind: str | None = None,
    limit: int = Query(200, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Edge events (video detections) newest first, with links to their snapshots."""
    rows = service.store.edge_events(device_id, kind, limit)
    for r in rows:
        r["url"] = f"/evidence/{r['snapshot']}" if r["snapshot"] else None
    return rows


@router.get("/evidence/{name}", response_class=FileResponse)
def evidence(service: Service, name: str) -> FileResponse:
    """An evidence snapshot (JPEG) kept with an edge event."""
    path = service.store.evidence_path(name)
    if path is None or path.suffix != ".jpg":
        raise HTTPException(404, f"no evidence {name}")
    return FileResponse(path, media_type="image/jpeg")
