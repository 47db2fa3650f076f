"""One MQTT connection on the device side (gateways, department terminals, the sim clock).

A thin layer over paho-mqtt 2.x: connect with a timeout and a clear error, QoS 1 publishing,
subscriptions dispatched to callbacks on paho's network thread, and message counters.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ioc.contract import BrokerAddress

Handler = Callable[[str, bytes], None]


class Link:
    """An MQTT client connection. `will` is (topic, payload), published retained on loss."""

    def __init__(self, broker: BrokerAddress, client_id: str,
                 will: tuple[str, bytes] | None = None, max_inflight: int = 200):
        self.broker = broker
        self.client_id = client_id
        self.published = 0
        self.received = 0
        self._handlers: list[tuple[str, Handler]] = []
        self._connected = threading.Event()
        self._closed = False
        self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                   protocol=mqtt.MQTTv311, clean_session=True)
        self._client.max_inflight_messages_set(max_inflight)
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        if will:
            self._client.will_set(will[0], will[1], qos=1, retain=True)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_socket_open = _no_delay

    def connect(self, timeout: float = 10.0) -> None:
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()
        if not self._connected.wait(timeout):
            self._client.loop_stop()
            raise ConnectionError(
                f"{self.client_id}: no connection to MQTT broker {self.broker.url} "
                f"within {timeout:.0f} s (is it running and reachable?)")

    def subscribe(self, topic_filter: str, handler: Handler) -> None:
        """Deliver messages matching `topic_filter` to `handler(topic, payload)` (paho thread)."""
        self._handlers.append((topic_filter, handler))
        if self._connected.is_set():
            self._client.subscribe(topic_filter, qos=1)

    def publish(self, topic: str, payload: bytes, qos: int = 1,
                retain: bool = False) -> mqtt.MQTTMessageInfo:
        self.published += 1
        return self._client.publish(topic, payload, qos=qos, retain=retain)

    def crash(self) -> None:
        """Drop the connection abruptly (power loss): no DISCONNECT, so the broker publishes
        the will. Nothing reconnects until `restore`."""
        self._client.loop_stop()
        sock = self._client.socket()
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._connected.clear()

    def restore(self, timeout: float = 10.0) -> None:
        """Reconnect after `crash`."""
        self._client.reconnect()
        self._client.loop_start()
        if not self._connected.wait(timeout):
            raise ConnectionError(f"{self.client_id}: could not reconnect to "
                                  f"{self.broker.url} within {timeout:.0f} s")

    def close(self, final: tuple[str, bytes] | None = None) -> None:
        """Publish `final` (e.g. a retained offline status), then disconnect cleanly.
        Closing again does nothing."""
        if self._closed:
            return
        self._closed = True
        if final and self._connected.is_set():
            self._client.publish(final[0], final[1], qos=1, retain=True).wait_for_publish(5)
        self._client.disconnect()
        self._client.loop_stop()

    # paho callbacks (network thread)
    def _on_connect(self, client: mqtt.Client, userdata: object, flags: object,
                    reason_code: object, properties: object) -> None:
        for topic_filter, _ in self._handlers:
            client.subscribe(topic_filter, qos=1)
        self._connected.set()

    def _on_disconnect(self, client: mqtt.Client, userdata: object, flags: object,
                       reason_code: object, properties: object) -> None:
        self._connected.clear()

    def _on_message(self, client: mqtt.Client, userdata: object,
                    message: mqtt.MQTTMessage) -> None:
        self.received += 1
        for topic_filter, handler in self._handlers:
            if mqtt.topic_matches_sub(topic_filter, message.topic):
                handler(message.topic, message.payload)


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    # Small request/acknowledge messages (clock ticks) must not wait for Nagle's algorithm.
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
