"""The device registry (设备台账): what each device is, where, and when it was last heard.

A device is online while its last reading (or, before any reading, its registration) is no
older than `missed_intervals` reporting intervals at the IOC's clock time.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from ioc.contract import DeviceInfo, InputFileError, validation_problems

IDENT = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass
class Device:
    device_id: str
    kind: str
    lon: float
    lat: float
    grid: str
    interval_s: float
    owner: str | None
    gateway: str
    registered_ts: int
    installed: Any = None  # a date (or its ISO text when read back from the store)
    attrs: dict[str, float] = field(default_factory=dict)
    last_seen_ts: int | None = None
    readings: int = 0
    provisioned: bool = False  # registered from a registry file, not by its gateway

    def online(self, now: int, missed_intervals: float) -> bool:
        """Heard from within the allowed missed intervals (a device announced by its gateway
        gets that grace from its announcement; one provisioned from a file must be heard)."""
        if self.last_seen_ts is None and self.provisioned:
            return False
        ref = self.last_seen_ts if self.last_seen_ts is not None else self.registered_ts
        return now - ref <= missed_intervals * self.interval_s * 1000

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Registry:
    def __init__(self, missed_intervals: float = 3.0):
        self.missed_intervals = missed_intervals
        self.devices: dict[str, Device] = {}

    def register(self, info: DeviceInfo, gateway: str, ts: int) -> Device:
        dev = self.devices.get(info.device_id)
        if dev is None:
            dev = Device(
                info.device_id,
                info.kind,
                info.lon,
                info.lat,
                info.grid,
                info.interval_s,
                info.owner,
                gateway,
                ts,
                info.installed,
                dict(info.attrs),
            )
            self.devices[info.device_id] = dev
        else:  # re-announcement: position, interval or gateway may have changed
            dev.kind, dev.lon, dev.lat, dev.grid = info.kind, info.lon, info.lat, info.grid
            dev.interval_s, dev.owner, dev.gateway = info.interval_s, info.owner, gateway
            dev.installed, dev.attrs = info.installed, dict(info.attrs)
        return dev

    def get(self, device_id: str) -> Device | None:
        return self.devices.get(device_id)

    def seen(self, dev: Device, ts: int) -> None:
        dev.readings += 1
        if dev.last_seen_ts is None or ts > dev.last_seen_ts:
            dev.last_seen_ts = ts

    def online_count(self, now: int) -> tuple[int, int]:
        online = sum(1 for d in self.devices.values() if d.online(now, self.missed_intervals))
        return online, len(self.devices)


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
