"""The IOC's MQTT connection (paho-mqtt 2.x): subscribes to the contract's input topics and
hands every message to a callback; publishes tasks and clock acknowledgements.

The session is persistent (clean_session false): the broker keeps the IOC's subscriptions and
queues its QoS 1 messages while the IOC is disconnected, whether the IOC restarts or the broker
does (a broker with persistence restores the session), so nothing sent meanwhile is lost. With
`clean_start` (a fresh data folder) any old session under the same client id is removed first.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ioc.contract import BrokerAddress, Topics

log = logging.getLogger("ioc.ingest.bus")


class IocBus:
    def __init__(
        self,
        broker: BrokerAddress,
        client_id: str,
        clean_start: bool,
        on_message: Callable[[str, bytes], None],
    ):
        self.broker = broker
        self.on_message = on_message
        self.client_id = client_id
        self.clean_start = clean_start
        self.connected = threading.Event()
        self._stopping = threading.Event()
        self._client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=False,
        )
        self._client.max_inflight_messages_set(200)
        self._client.reconnect_delay_set(min_delay=1, max_delay=10)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_message = self._on_message
        self._client.on_socket_open = _no_delay
        self._client.on_subscribe = self._on_subscribe

    def start(self) -> None:
        """Connect in the background (retrying) so the IOC may start before the broker."""
        if self.clean_start:
            threading.Thread(
                target=self._clean_then_connect, name="ioc-bus-start", daemon=True
            ).start()
        else:
            self._connect()

    def _connect(self) -> None:
        self._client.connect_async(self.broker.host, self.broker.port, keepalive=30)
        self._client.loop_start()

    def _clean_then_connect(self) -> None:
        # MQTT 3.1.1 has no "clean on first connect only": connect once with a clean
        # session (dropping stale state), leave, then connect for good with a lasting one.
        while not self._stopping.is_set():
            wiper = mqtt.Client(
                CallbackAPIVersion.VERSION2,
                client_id=self.client_id,
                protocol=mqtt.MQTTv311,
                clean_session=True,
            )
            try:
                wiper.connect(self.broker.host, self.broker.port, keepalive=10)
                wiper.loop(timeout=1.0)
                wiper.disconnect()
                break
            except OSError as err:
                log.warning("broker %s not reachable (%s); retrying", self.broker.url, err)
                self._stopping.wait(1.0)
        if not self._stopping.is_set():
            self._connect()

    def publish(self, topic: str, payload: bytes) -> None:
        self._client.publish(topic, payload, qos=1)

    def stop(self) -> None:
        self._stopping.set()
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason_code: mqtt.ReasonCode,
        properties: object,
    ) -> None:
        if reason_code.is_failure:
            log.error("broker %s refused the connection: %s", self.broker.url, reason_code)
            return
        client.subscribe([(t, 1) for t in Topics.IOC_INPUTS])

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[mqtt.ReasonCode],
        properties: object,
    ) -> None:
        # Ready only once the broker has confirmed the subscriptions.
        log.info("connected to %s, subscribed to %d topics", self.broker.url, len(reason_codes))
        self.connected.set()

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason_code: object,
        properties: object,
    ) -> None:
        self.connected.clear()
        log.warning("disconnected from %s (%s); reconnecting", self.broker.url, reason_code)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.on_message(message.topic, message.payload)


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    # Small request/acknowledge messages (clock ticks) must not wait for Nagle's algorithm.
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
