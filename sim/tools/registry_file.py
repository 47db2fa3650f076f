"""The device registry (设备台账) of a scenario as a file: CSV or GeoJSON, with id, kind, place,
grid, gateway, owner, install date, reporting interval and the attributes the IOC uses. The
IOC can be provisioned from it (`ioc serve --registry FILE`)."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from devices import KINDS
from sim.world import World


class RegistryFormat(StrEnum):
    """A registry file's format."""

    CSV = "csv"
    GEOJSON = "geojson"

    @classmethod
    def of(cls, path: Path) -> RegistryFormat:
        """The format a file name suggests (.geojson or .json: GeoJSON, else CSV)."""
        return cls.GEOJSON if path.suffix.lower() in (".geojson", ".json") else cls.CSV


COLUMNS = (
    "device_id",
    "kind",
    "kind_zh",
    "lon",
    "lat",
    "grid",
    "gateway",
    "owner",
    "installed",
    "interval_s",
    "attrs",
)


def registry_rows(world: World) -> list[dict[str, Any]]:
    """One row per device, by device id."""
    rows = []
    for gateway, infos in sorted(world.device_infos().items()):
        for d in infos:
            rows.append(
                {
                    "device_id": d.device_id,
                    "kind": d.kind,
                    "kind_zh": KINDS[d.kind].name_zh,
                    "lon": d.lon,
                    "lat": d.lat,
                    "grid": d.grid,
                    "gateway": gateway,
                    "owner": d.owner,
                    "installed": d.installed,
                    "interval_s": d.interval_s,
                    "attrs": d.attrs,
                }
            )
    return sorted(rows, key=lambda r: r["device_id"])


def write_registry(world: World, path: Path, fmt: RegistryFormat) -> int:
    """Write the registry; returns the number of devices."""
    rows = registry_rows(world)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == RegistryFormat.GEOJSON:
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
            }
            for r in rows
        ]
        path.write_bytes(
            orjson.dumps(
                {"type": "FeatureCollection", "features": features}, option=orjson.OPT_INDENT_2
            )
        )
    else:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS)
        writer.writeheader()
        for r in rows:
            writer.writerow({**r, "attrs": orjson.dumps(r["attrs"]).decode()})
        path.write_text(buf.getvalue(), encoding="utf-8")
    return len(rows)
