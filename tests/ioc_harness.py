"""Drives an IOC engine directly with contract messages: the city's side (organisation,
devices, reporters, everybody who answers tasks) for engine-level tests."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from ioc.contract import (
    ClockAck,
    ClockTick,
    CrewStatus,
    DeviceAnnouncement,
    DeviceInfo,
    GridInfo,
    OrgAnnouncement,
    PublicReport,
    Task,
    TaskResult,
    Topics,
    UnitInfo,
    decode,
    encode,
    telemetry_payload,
)
from ioc.service.config import DEFAULT_IOC_CONFIG, IocConfig, load_ioc_config
from ioc.service.engine import Engine
from ioc.service.views import Views
from ioc.storage.store import Store

CST = timezone(timedelta(hours=8))
T0 = int(datetime(2026, 7, 15, tzinfo=CST).timestamp() * 1000)  # a Wednesday
MIN = 60_000
GW = "gw-g1"
LON, LAT = 116.0, 36.4
UNITS = {  # code: (type, level, area, crews at (dlon, dlat) offsets)
    "fire": ("fire", "district", "d1", [(0.01, 0.0)]),
    "san-s1": ("sanitation", "street", "s1", [(0.02, 0.0), (0.001, 0.0)]),
    "san-s2": ("sanitation", "street", "s2", [(0.0, 0.0)]),
    "urban-s1": ("urban_mgmt", "street", "s1", [(0.0, 0.0)]),
    "drainage": ("drainage", "district", "d1", [(0.0, 0.0)]),
}


class Harness:
    """Plays the city's side: organisation, devices, reporters and everybody who answers."""

    def __init__(self, data: Path, config: IocConfig | None = None):
        self.data = data
        self.config = config or load_ioc_config(DEFAULT_IOC_CONFIG)
        self.sent: list[tuple[str, bytes]] = []
        self.msg_seq: Counter[str] = Counter()
        self.tick_seq = 0
        self.engine = self._engine()
        self.views = Views(self.engine)

    def _engine(self) -> Engine:
        return Engine(Store(self.data), self.config, lambda t, p: self.sent.append((t, p)))

    def restart(self) -> None:
        self.engine.store.close()
        self.engine = self._engine()
        self.views = Views(self.engine)

    def send(self, topic: str, model: type, source: str, **fields: Any) -> None:
        self.msg_seq[source] += 1
        self.engine.handle(
            topic, encode(model(source=source, msg_seq=self.msg_seq[source], **fields))
        )

    # --- the city
    def org(self) -> None:
        grids = [
            GridInfo(code="g1", street="s1", district="d1"),
            GridInfo(code="g2", street="s2", district="d1"),
        ]
        units = [
            UnitInfo(
                code=code,
                type=t,
                name_zh=code,
                level=lv,
                area=area,
                crews=[f"{code}-c{i + 1}" for i in range(len(crews))],
                lon=LON,
                lat=LAT,
            )
            for code, (t, lv, area, crews) in UNITS.items()
        ]
        self.send(Topics.org("city"), OrgAnnouncement, "city", ts=T0, grids=grids, units=units)
        for code, (_, _, _, crews) in UNITS.items():
            for i, (dlon, dlat) in enumerate(crews):
                self.send(
                    Topics.crew(code),
                    CrewStatus,
                    f"dept-{code}",
                    ts=T0,
                    department=code,
                    crew=f"{code}-c{i + 1}",
                    status="available",
                    lon=LON + dlon,
                    lat=LAT + dlat,
                )

    def devices(self, *devices: tuple[str, str, float, float]) -> None:
        infos = [
            DeviceInfo(device_id=d, kind=k, lon=lon, lat=lat, grid="g1", interval_s=60)
            for d, k, lon, lat in devices
        ]
        self.send(Topics.devices(GW), DeviceAnnouncement, GW, ts=T0, devices=infos)

    def readings(
        self, device: str, metric: str, values: list[tuple[int, float]], first_seq: int = 1
    ) -> None:
        rows = [
            {"device_id": device, "seq": first_seq + i, "ts": T0 + t * MIN, "values": {metric: v}}
            for i, (t, v) in enumerate(values)
        ]
        self.msg_seq[GW] += 1
        self.engine.handle(Topics.telemetry(GW), telemetry_payload(GW, self.msg_seq[GW], rows))

    def report(
        self,
        channel: str,
        category: str,
        t_min: float,
        *,
        ref: str,
        lon: float = LON,
        lat: float = LAT,
        grid: str = "g1",
    ) -> None:
        self.send(
            Topics.report(channel),
            PublicReport,
            f"{channel}-src",
            ts=T0 + int(t_min * MIN),
            report_id=ref,
            channel=channel,
            category=category,
            lon=lon,
            lat=lat,
            grid=grid,
            reporter="someone",
        )

    def tick(self, t_min: float) -> None:
        self.tick_seq += 1
        tick = ClockTick(
            run_id="run-1",
            seq=self.tick_seq,
            ts=T0 + int(t_min * MIN),
            published=dict(self.msg_seq),
        )
        self.engine.handle(Topics.TICK, encode(tick))

    # --- the people
    def tasks(self, kind: str | None = None) -> list[Task]:
        out = [decode(Task, p) for t, p in self.sent if t.startswith("citysim/v1/task/")]
        return [t for t in out if kind is None or t.kind == kind]

    def last(self, kind: str) -> Task:
        found = self.tasks(kind)
        assert found, f"no {kind} task; tasks: {[t.kind for t in self.tasks()]}"
        return found[-1]

    def answer(self, task: Task, outcome: str, t_min: float, **fields: Any) -> None:
        self.send(
            Topics.result(task.role, task.unit),
            TaskResult,
            f"{task.role}-{task.unit}",
            ts=T0 + int(t_min * MIN),
            task_id=task.task_id,
            case_id=task.case_id,
            kind=task.kind,
            outcome=outcome,
            actor="someone",
            **fields,
        )

    def case(self, case_id: str = "C000001") -> dict[str, Any]:
        found = self.views.case(case_id)
        assert found is not None, f"no case {case_id}; cases: {self.views.cases()}"
        return found

    def acks(self) -> list[ClockAck]:
        return [decode(ClockAck, p) for t, p in self.sent if t == Topics.ACK]
