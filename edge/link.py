"""One MQTT connection on the device side (gateways, department terminals, the sim clock).

A layer over paho-mqtt 2.x: connect with a timeout and a clear error, QoS 1 publishing through
a store-and-forward outbox (`edge.spool`), subscriptions dispatched to callbacks on paho's
network thread, and message counters.

Delivery: `publish` writes the message to the outbox first; it is handed to paho only while
connected and deleted when the broker acknowledges it. Messages published while the broker is
unreachable wait in the outbox and drain, in event-time order, as soon as the connection is
back. Messages paho had already sent but not seen acknowledged are resent by paho itself on
reconnection (QoS 1, DUP flag); a resend the broker had in fact received reaches the IOC
twice and is dropped there by its (source, msg_seq).

A `persistent` link keeps its broker session (subscriptions and queued QoS 1 messages) while
disconnected, so nothing addressed to it is lost across a broker restart; its session is
removed when the link closes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.spool import Outbox
from ioc.contract import BrokerAddress

Handler = Callable[[str, bytes], None]


class Link:
    """An MQTT client connection. `will` is (topic, payload), published retained on loss;
    `outbox` holds unacknowledged messages (in memory unless given one on disk)."""

    def __init__(
        self,
        broker: BrokerAddress,
        client_id: str,
        will: tuple[str, bytes] | None = None,
        max_inflight: int = 200,
        outbox: Outbox | None = None,
        persistent: bool = False,
    ):
        self.broker = broker
        self.client_id = client_id
        self.outbox = outbox if outbox is not None else Outbox()
        self.persistent = persistent
        self.published = 0
        self.received = 0
        self.reconnections = 0
        self._will = will
        self._max_inflight = max_inflight
        self._handlers: list[tuple[str, Handler]] = []
        self._connected = threading.Event()
        self._ever_connected = False
        self._closed = False
        # _lock keeps the drain and new publications in order; it is held while calling
        # paho. _map (a separate lock, never held while calling paho: paho calls on_publish
        # holding its own message lock) guards paho mid -> outbox row for what the current
        # client holds, and acknowledgements that arrive before their mid is recorded.
        self._lock = threading.RLock()
        self._map = threading.Condition()
        self._inflight: dict[int, int] = {}
        self._early_acks: set[int] = set()
        self._last_ts = 0
        self._client = self._new_client()

    def _new_client(self) -> mqtt.Client:
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv311,
            clean_session=not self.persistent,
        )
        client.max_inflight_messages_set(self._max_inflight)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        if self._will:
            client.will_set(self._will[0], self._will[1], qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        client.on_socket_open = _no_delay
        return client

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def connect(self, timeout: float = 10.0) -> None:
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self._client.loop_stop()
            raise ConnectionError(
                f"{self.client_id}: no connection to MQTT broker {self.broker.url} "
                f"within {timeout:.0f} s (is it running and reachable?)"
            )

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """Deliver messages matching `topic_filter` to `handler(topic, payload)` (paho thread)."""
        self._handlers.append((topic_filter, handler))
        if self._connected.is_set():
            self._client.subscribe(topic_filter, qos=1)

    def publish(
        self, topic: str, payload: bytes, ts: int | None = None, retain: bool = False
    ) -> None:
        """Send with QoS 1 through the outbox. `ts` (event time, ms) orders a drain after an
        outage; without it the message keeps its place after the previous one."""
        with self._lock:
            self._last_ts = max(self._last_ts, ts or 0)
            row = self.outbox.put(ts if ts is not None else self._last_ts, topic, payload, retain)
            self.published += 1
            if self._connected.is_set():
                self._hand(row, topic, payload, retain)

    def wait_drained(self, timeout: float) -> bool:
        """Wait until the broker has acknowledged everything published so far."""
        with self._map:
            return self._map.wait_for(lambda: len(self.outbox) == 0, timeout)

    def crash(self) -> None:
        """Drop the connection abruptly (power loss): no DISCONNECT, so the broker publishes
        the will. What the client held in memory is gone; the outbox keeps what was not
        acknowledged. Nothing reconnects until `restore`."""
        self._client.loop_stop()  # first: paho's thread may be waiting for _lock
        with self._lock:
            sock = self._client.socket()
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self._connected.clear()
            with self._map:
                self._inflight.clear()
                self._early_acks.clear()
            self._client = self._new_client()

    def restore(self, timeout: float = 10.0) -> None:
        """Start again after `crash` (a reboot): connect, then drain the outbox."""
        self._connected.clear()
        self.connect(timeout)

    def close(self, final: tuple[str, bytes] | None = None, drain_timeout: float = 10.0) -> None:
        """Publish `final` (e.g. a retained offline status), wait for the outbox to drain,
        then disconnect cleanly. Closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        if final:
            self.publish(final[0], final[1], retain=True)
        if self._connected.is_set():
            self.wait_drained(drain_timeout)
        self._client.disconnect()
        self._client.loop_stop()
        if self.persistent:
            _end_session(self.broker, self.client_id)
        self.outbox.close()

    def counters(self) -> dict[str, int]:
        return {**self.outbox.counters(), "reconnections": self.reconnections}

    # called with _lock held
    def _hand(self, row: int, topic: str, payload: bytes, retain: bool) -> None:
        mid = self._client.publish(topic, payload, qos=1, retain=retain).mid
        with self._map:
            if mid in self._early_acks:  # acknowledged before publish() returned
                self._early_acks.discard(mid)
                self._acknowledged(row)
            else:
                self._inflight[mid] = row

    # called with _map held
    def _acknowledged(self, row: int) -> None:
        self.outbox.done([row])
        self._map.notify_all()

    # paho callbacks (network thread)
    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        if reason_code.is_failure:
            return
        for topic_filter, _ in self._handlers:
            client.subscribe(topic_filter, qos=1)
        with self._lock:
            if self._ever_connected:
                self.reconnections += 1
            self._ever_connected = True
            # What paho still holds it resends itself; the rest is the outage's backlog.
            with self._map:
                holding = set(self._inflight.values())
            held = len(holding)
            backlog = self.outbox.backlog(exclude=holding)
            for m in backlog:
                self._hand(m.row, m.topic, m.payload, m.retain)
            if self.reconnections:
                self.outbox.retried(held + len(backlog))
            self._connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason_code: object,
        properties: object,
    ) -> None:
        self._connected.clear()

    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_code: object,
        properties: object,
    ) -> None:
        with self._map:
            row = self._inflight.pop(mid, None)
            if row is None:
                self._early_acks.add(mid)
            else:
                self._acknowledged(row)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.received += 1
        for topic_filter, handler in self._handlers:
            if mqtt.topic_matches_sub(topic_filter, message.topic):
                handler(message.topic, message.payload)


def _end_session(broker: BrokerAddress, client_id: str) -> None:
    """Remove a persistent session from the broker (connect clean, then leave), so a
    finished run leaves no queue behind on a shared broker."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv311, clean_session=True
    )
    with contextlib.suppress(OSError):
        client.connect(broker.host, broker.port, keepalive=10)
        client.loop(timeout=1.0)
        client.disconnect()


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    # Small request/acknowledge messages (clock ticks) must not wait for Nagle's algorithm.
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
