"""The device registry (设备台账): what each device is, where, and when it was last heard.

A device is online while its last reading (or, before any reading, its registration) is no
older than `missed_intervals` reporting intervals at the IOC's clock time.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from ioc.contract import DeviceInfo

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
