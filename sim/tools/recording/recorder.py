"""The recorder (`citysim record`): subscribes to the broker's citysim topics and writes
every message it receives, with timestamps, to a recording file."""

from __future__ import annotations

import contextlib
import queue
import secrets
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.subscribeoptions import SubscribeOptions

from ioc.contract import BrokerAddress, parse_topic
from sim.tools.recording.format import DEFAULT_RECORD_TOPICS, encode_record, make_header
from sim.tools.recording.mqtt_client import Connack, connect, make_client
from sim.tools.recording.writer import RecordingWriter, RecordMode, refuse_existing

_FLUSH_S = 0.5  # a killed recorder loses at most this much (plus what is in the OS)


@dataclass
class RecordSummary:
    """What a recording session wrote."""

    path: Path
    messages: int
    payload_bytes: int
    file_bytes: int
    retained: int
    elapsed_s: float
    by_kind: dict[str, int]
    protocol: str
    reconnects: int
    dropped: int  # received but not written (the file could not be written)
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else 0.0


class Recorder:
    """Subscribes (QoS 1) to `topics` and writes every message to `out` in arrival order.

    `start()` connects (MQTT 5, or 3.1.1 when the broker speaks only that), writes the header
    and subscribes; `stop()` disconnects, writes what is left and returns a summary. paho's
    thread only timestamps and queues messages; a writer thread encodes and writes them, so a
    slow disk does not hold up the broker connection.
    """

    def __init__(
        self,
        broker: BrokerAddress,
        out: Path,
        topics: Sequence[str] = DEFAULT_RECORD_TOPICS,
        include_retained: bool = True,
        mode: RecordMode = "new",
        client_id: str | None = None,
        flush_interval_s: float = _FLUSH_S,
    ):
        if not topics:
            raise ValueError("record at least one topic filter")
        self.broker = broker
        self.out = Path(out)
        self.topics = tuple(topics)
        self.include_retained = include_retained
        self.mode: RecordMode = mode
        self.client_id = client_id or f"citysim-recorder-{secrets.token_hex(4)}"
        self.flush_interval_s = flush_interval_s
        self.protocol = "MQTTv5"
        self.messages = 0
        self.payload_bytes = 0
        self.retained = 0
        self.reconnects = 0
        self.dropped = 0
        self.error: str | None = None
        self._by_kind: Counter[str] = Counter()
        self._queue: queue.SimpleQueue[tuple[float, int, str, int, bool, bytes] | None] = (
            queue.SimpleQueue()
        )
        self._count = threading.Condition()
        self._received = 0
        self._client: mqtt.Client | None = None
        self._writer: RecordingWriter | None = None
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._suback = threading.Event()
        self._sub_failed: str | None = None
        self._connected_once = False
        self._stopped: RecordSummary | None = None

    # ---------------------------------------------------------------- control
    def start(self, timeout: float = 10.0) -> Recorder:
        """Connect, write the header, subscribe; returns once the broker has confirmed the
        subscription (everything published after that is recorded)."""
        if self.mode == "new":
            refuse_existing(self.out)  # before connecting: the user's to settle, not the broker's
        client = self._connect(timeout)
        try:
            header = make_header(
                self.broker,
                self.topics,
                protocol=self.protocol,
                retain="as_published" if self.protocol == "MQTTv5" else "on_subscribe",
                include_retained=self.include_retained,
                client_id=self.client_id,
            )
            self._writer = RecordingWriter(self.out, header, self.mode)
        except BaseException:
            client.disconnect()
            client.loop_stop()
            raise
        self._thread = threading.Thread(
            target=self._write_loop, name="recorder-writer", daemon=True
        )
        self._thread.start()
        self._t0 = time.monotonic()
        self._subscribe(client)
        if not self._suback.wait(timeout) or self._sub_failed:
            self.stop()
            raise ConnectionError(
                f"recorder: the broker {self.broker.url} "
                f"{self._sub_failed or 'did not confirm the subscription'}"
            )
        return self

    def stop(self) -> RecordSummary:
        """Disconnect, write everything received, close the file. Stopping again returns the
        same summary."""
        if self._stopped is not None:
            return self._stopped
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        elapsed = time.monotonic() - self._t0 if self._t0 else 0.0
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        file_bytes = 0
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
            file_bytes = self.out.stat().st_size if self.out.exists() else 0
        self._stopped = RecordSummary(
            self.out,
            self.messages,
            self.payload_bytes,
            file_bytes,
            self.retained,
            elapsed,
            dict(self._by_kind.most_common()),
            self.protocol,
            self.reconnects,
            self.dropped,
            self.error,
        )
        return self._stopped

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> int:
        """Messages received so far (written or about to be)."""
        return self._received

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0 if self._t0 else 0.0

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` messages have been received; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._count:
            while self._received < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._count.wait(left)
        return True

    # ---------------------------------------------------------------- MQTT
    def _connect(self, timeout: float) -> mqtt.Client:
        for protocol in (mqtt.MQTTv5, mqtt.MQTTv311):
            connack = Connack()
            client = make_client(self.client_id, protocol)
            client.on_connect = lambda c, u, f, rc, p, ack=connack: self._on_connect(c, f, rc, ack)
            client.on_subscribe = self._on_subscribe
            client.on_message = self._on_message
            # A clean session each time: no CONNECT properties (session expiry), which an
            # MQTT 3.1.1 broker such as amqtt misreads and hangs on instead of refusing MQTT 5.
            reason = connect(client, connack, self.broker, "recorder", timeout)
            if reason is not None and not reason.is_failure:
                self.protocol = "MQTTv5" if protocol == mqtt.MQTTv5 else "MQTTv311"
                self._client = client
                return client
            client.loop_stop()
            if protocol == mqtt.MQTTv5 and (
                reason is None or reason.getName() == "Unsupported protocol version"
            ):
                continue  # an MQTT 3.1.1 broker (amqtt): record without "retain as published"
            why = f"refused the connection: {reason}" if reason else "closed the connection"
            raise ConnectionError(f"recorder: MQTT broker {self.broker.url} {why}")
        raise AssertionError("unreachable")

    def _subscribe(self, client: mqtt.Client) -> None:
        if self.protocol == "MQTTv5":
            # After a reconnect the retained messages come again: what they hold may have
            # changed while the recorder was away.
            handling = (
                SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE
                if self.include_retained
                else SubscribeOptions.RETAIN_DO_NOT_SEND
            )
            client.subscribe(
                [
                    (t, SubscribeOptions(qos=1, retainAsPublished=True, retainHandling=handling))
                    for t in self.topics
                ]
            )
        else:
            client.subscribe([(t, 1) for t in self.topics])

    def _on_connect(
        self, client: mqtt.Client, flags: Any, reason_code: mqtt.ReasonCode, connack: Connack
    ) -> None:
        connack(reason_code)
        if reason_code.is_failure:
            return
        if self._connected_once:  # a clean session again: subscribe again
            self.reconnects += 1
            self._subscribe(client)
        self._connected_once = True

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[mqtt.ReasonCode],
        properties: object,
    ) -> None:
        failed = [str(rc) for rc in reason_codes if rc.is_failure]
        if failed:
            self._sub_failed = f"refused the subscription: {', '.join(failed)}"
        self._suback.set()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        if self.protocol != "MQTTv5" and message.retain and not self.include_retained:
            return  # MQTT 3.1.1: a retained message here is one delivered at subscription
        self._queue.put(
            (
                now - self._t0,
                time.time_ns() // 1_000_000,
                message.topic,
                message.qos,
                bool(message.retain),
                message.payload,
            )
        )
        with self._count:
            self._received += 1
            self._count.notify_all()

    # ---------------------------------------------------------------- writer
    def _write_loop(self) -> None:
        writer = self._writer
        assert writer is not None
        last_flush = time.monotonic()
        dirty = False
        while True:
            try:
                item = self._queue.get(timeout=self.flush_interval_s)
            except queue.Empty:
                item = ...  # nothing new: only flush
            items = [item] if item is not ... else []
            while len(items) < 10_000:  # take what has piled up, write it in one go
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = None in items
            lines = [self._encode(i) for i in items if i is not None and i is not ...]
            if lines and self.error is None:
                try:
                    writer.write(b"".join(lines))
                    dirty = True
                except OSError as err:
                    self.error = f"cannot write {self.out}: {err}"
            if self.error is not None:
                self.dropped += len(lines)
            now = time.monotonic()
            if dirty and (done or now - last_flush >= self.flush_interval_s):
                try:
                    writer.flush()
                except OSError as err:
                    self.error = self.error or f"cannot write {self.out}: {err}"
                last_flush, dirty = now, False
            if done:
                return

    def _encode(self, item: tuple[float, int, str, int, bool, bytes]) -> bytes:
        t, at, topic, qos, retain, payload = item
        self.messages += 1
        self.payload_bytes += len(payload)
        self.retained += retain
        ref = parse_topic(topic)
        self._by_kind[ref.kind if ref else "other"] += 1
        return encode_record(t, at, topic, qos, retain, payload)
