"""The IOC as a service: configuration, store, engine, MQTT bus and the ingest thread.

MQTT messages are queued by paho's thread and processed, one at a time, by a single ingest
thread that owns all writes. In wall-clock mode the same thread also advances the clock.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ioc.contract import BrokerAddress
from ioc.ingest.bus import IocBus
from ioc.registry.files import load_registry_file
from ioc.service.config import DEFAULT_IOC_CONFIG, ClockMode, load_ioc_config
from ioc.service.engine import Engine
from ioc.service.views import Views
from ioc.storage.store import Store

log = logging.getLogger("ioc")
_STOP = object()  # tells the ingest thread to finish


@dataclass(frozen=True)
class IocSettings:
    broker: BrokerAddress
    data_dir: Path
    config: Path = DEFAULT_IOC_CONFIG
    clock: ClockMode = ClockMode.SIM
    client_id: str = "citysim-ioc"
    registry: Path | None = None  # provision devices from this CSV/GeoJSON at start


class IocService:
    def __init__(self, settings: IocSettings):
        self.settings = settings
        self.config = load_ioc_config(settings.config)
        self.store = Store(settings.data_dir)
        self.engine = Engine(self.store, self.config, self._publish, clock=settings.clock)
        self.views = Views(self.engine)
        if settings.registry is not None:
            n = self.engine.provision(load_registry_file(settings.registry))
            log.info("provisioned %d devices from %s", n, settings.registry)
        self.bus = IocBus(
            settings.broker,
            settings.client_id,
            clean_start=self.store.fresh,
            on_message=self._enqueue,
        )
        self._queue: queue.SimpleQueue[tuple[str, bytes, str] | object] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._ingest, name="ioc-ingest", daemon=True)

    def start(self) -> None:
        log.info(
            "IOC starting: data %s, clock %s, broker %s (%s session)",
            self.settings.data_dir,
            self.settings.clock,
            self.settings.broker.url,
            "new" if self.store.fresh else "resumed",
        )
        self._thread.start()
        self.bus.start()

    def stop(self) -> None:
        self.bus.stop()
        self._queue.put(_STOP)
        self._thread.join(timeout=30)
        self.store.close()
        log.info("IOC stopped")

    @property
    def ready(self) -> bool:
        return self.bus.connected.is_set()

    def _enqueue(self, topic: str, payload: bytes) -> None:
        self._queue.put((topic, payload, datetime.now(UTC).isoformat(timespec="milliseconds")))

    def _publish(self, topic: str, payload: bytes) -> None:
        self.bus.publish(topic, payload)

    def _ingest(self) -> None:
        wall = self.settings.clock == ClockMode.WALL
        last_wall = 0.0
        while True:
            try:
                item = self._queue.get(timeout=0.5 if wall else None)
            except queue.Empty:
                item = None  # nothing arrived: only the wall clock moves
            if item is _STOP:
                return
            try:
                if isinstance(item, tuple):
                    self.engine.handle(*item)
                if wall and time.monotonic() - last_wall >= 0.5:
                    last_wall = time.monotonic()
                    self.engine.wall_tick(int(time.time() * 1000))
            except Exception:  # never let the ingest thread die
                log.exception("ingest failed")
