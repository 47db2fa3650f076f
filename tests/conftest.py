"""Shared fixtures: a real Mosquitto broker on a free loopback port, an MQTT probe client,
and an IOC service started as its own process (real HTTP)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from sim.run.broker import RunningBroker, find_mosquitto, free_port, start_broker
from sim.run.ioc_client import IocClient

ROOT = Path(__file__).resolve().parent.parent
CITYSIM = [sys.executable, "-m", "sim.cli"]


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[RunningBroker]:
    """A Mosquitto broker for the whole session (scripts/test.sh installs Mosquitto)."""
    if find_mosquitto() is None:
        pytest.fail("mosquitto is not installed: run scripts/test.sh, which installs it")
    with start_broker("mosquitto") as broker:
        yield broker


class MqttProbe:
    """A plain paho client for tests: publish raw bytes, collect what arrives."""

    def __init__(self, broker: RunningBroker, topics: list[str]):
        self.messages: list[tuple[str, bytes]] = []
        self._cond = threading.Condition()
        self._subscribed = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"probe-{time.time_ns()}")
        self.client.on_message = self._on_message
        self.client.on_subscribe = lambda *a: self._subscribed.set()
        self.client.connect(broker.address.host, broker.address.port)
        self.client.loop_start()
        if topics:
            self.client.subscribe([(t, 1) for t in topics])
            assert self._subscribed.wait(5), "subscription not confirmed"

    def _on_message(self, client: mqtt.Client, userdata: object, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append((msg.topic, msg.payload))
            self._cond.notify_all()

    def publish(self, topic: str, payload: bytes) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def wait_for(self, predicate, timeout: float = 10.0) -> tuple[str, bytes]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages:
                    if predicate(*m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"no matching message in {timeout} s; got {[t for t, _ in self.messages]}"
                    )
                self._cond.wait(left)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def probe(mosquitto: RunningBroker) -> Iterator[MqttProbe]:
    p = MqttProbe(mosquitto, ["citysim/v1/#"])
    yield p
    p.close()


class IocProcess:
    def __init__(self, proc: subprocess.Popen[bytes], client: IocClient, url: str):
        self.proc, self.client, self.url = proc, client, url


def start_ioc(broker: RunningBroker, data: Path, log: Path, *extra: str) -> IocProcess:
    """`citysim ioc serve` in its own process (the same program an operator runs)."""
    port = free_port()
    cmd = [
        *CITYSIM,
        "ioc",
        "serve",
        "--broker",
        broker.address.url,
        "--data",
        str(data),
        "--port",
        str(port),
        "--client-id",
        f"ioc-test-{port}",
        *extra,
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    client = IocClient(url)
    try:
        client.wait_ready(60, proc)
    except Exception:
        proc.kill()
        raise AssertionError(f"IOC did not start:\n{log.read_text()[-3000:]}") from None
    return IocProcess(proc, client, url)


@pytest.fixture
def ioc_service(mosquitto: RunningBroker, tmp_path: Path) -> Iterator[IocProcess]:
    ioc = start_ioc(mosquitto, tmp_path / "ioc-data", tmp_path / "ioc.log")
    yield ioc
    ioc.client.close()
    ioc.proc.terminate()
    ioc.proc.wait(30)
