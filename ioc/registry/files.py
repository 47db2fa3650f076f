"""Registry files (设备台账 as exchanged): the CSV or GeoJSON that `citysim devices export`
writes, or one written by hand, read into device announcements to provision the IOC with
(`ioc serve --registry FILE`). A bad file fails naming the row or feature and the field.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from ioc.contract import DeviceInfo, InputFileError, validation_problems

IDENT = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class RegistryFileError(InputFileError):
    """A registry file (CSV or GeoJSON) the IOC cannot provision from."""


def load_registry_file(path: str | Path) -> list[tuple[DeviceInfo, str]]:
    """(device, gateway) pairs from a registry file written by `citysim devices export` (or
    by hand: CSV with device_id, kind, lon, lat, grid, gateway, interval_s and optionally
    owner, installed, attrs as JSON; or GeoJSON points with those properties)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RegistryFileError(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    rows: list[dict[str, Any]] = []
    if path.suffix.lower() in (".geojson", ".json"):
        try:
            doc = orjson.loads(text)
            for f in doc["features"]:
                lon, lat = f["geometry"]["coordinates"][:2]
                rows.append({**f["properties"], "lon": lon, "lat": lat})
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as err:
            raise RegistryFileError(
                path, [("(geojson)", f"expected a FeatureCollection of points: {err}")]
            ) from None
        where = "features"
    else:
        rows = list(csv.DictReader(text.splitlines()))
        where = "row"
    out, problems = [], []
    for i, row in enumerate(rows):
        label = f"{where}[{i}]" if where == "features" else f"row {i + 2}"
        try:
            attrs = row.get("attrs") or {}
            if isinstance(attrs, str):
                attrs = orjson.loads(attrs)
            info = DeviceInfo.model_validate(
                {
                    "device_id": row.get("device_id"),
                    "kind": row.get("kind"),
                    "lon": row.get("lon"),
                    "lat": row.get("lat"),
                    "grid": row.get("grid"),
                    "interval_s": row.get("interval_s"),
                    "owner": row.get("owner") or None,
                    "installed": row.get("installed") or None,
                    "attrs": attrs,
                },
                strict=False,
            )
        except ValidationError as err:
            problems += [
                (f"{label}.{'.'.join(map(str, loc))}", msg) for loc, msg in validation_problems(err)
            ]
            continue
        except (KeyError, ValueError, orjson.JSONDecodeError) as err:
            problems.append((label, f"missing or bad value: {err}"))
            continue
        gateway = str(row.get("gateway") or "")
        if not IDENT.match(gateway):
            problems.append(
                (
                    f"{label}.gateway",
                    f"the identifier of the gateway the device reports through (got {gateway!r})",
                )
            )
            continue
        out.append((info, gateway))
    if problems:
        raise RegistryFileError(path, problems)
    return out
