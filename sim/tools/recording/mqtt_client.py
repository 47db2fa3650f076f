"""The MQTT client the recorder and the replayer share: paho with TCP_NODELAY, and a connect
that waits for the broker's answer (or its refusal, or its silence)."""

from __future__ import annotations

import socket
import threading
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from ioc.contract import BrokerAddress


def make_client(client_id: str, protocol: int) -> mqtt.Client:
    # MQTT 5 has no clean_session (the connect call's clean_start says it); 3.1.1 starts clean.
    """A paho client for MQTT 5 or 3.1.1 with TCP_NODELAY and a reconnect delay."""
    c = (
        mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol)
        if protocol == mqtt.MQTTv5
        else mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=client_id, protocol=protocol, clean_session=True
        )
    )
    c.reconnect_delay_set(min_delay=1, max_delay=10)
    c.on_socket_open = _no_delay
    return c


def _no_delay(client: mqtt.Client, userdata: object, sock: object) -> None:
    # Ticks are small messages in a stream; Nagle's algorithm would hold them back.
    if isinstance(sock, socket.socket):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Connack:
    """Waits for the first CONNACK of a client: success, the broker's refusal, or the broker
    closing the connection without one (`reason` None; e.g. amqtt offered MQTT 5)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.reason: mqtt.ReasonCode | None = None

    def __call__(self, reason_code: mqtt.ReasonCode) -> None:
        if not self.done.is_set():
            self.reason = reason_code
            self.done.set()

    def closed(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason_code: object,
        properties: object,
    ) -> None:
        self.done.set()  # without a reason, unless a CONNACK came first


def connect(
    client: mqtt.Client,
    connack: Connack,
    broker: BrokerAddress,
    who: str,
    timeout: float,
    **kwargs: Any,
) -> mqtt.ReasonCode | None:
    """Connect and start the network thread. Returns the CONNACK's reason code (which may be
    a refusal), or None when the broker closed the connection without answering. `kwargs` go
    to paho's connect (MQTT 5: clean_start, properties)."""
    client.on_disconnect = connack.closed
    try:
        client.connect(broker.host, broker.port, keepalive=30, **kwargs)
    except OSError as err:
        raise ConnectionError(
            f"{who}: no connection to MQTT broker {broker.url} ({err}); is "
            "it running and reachable?"
        ) from None
    client.loop_start()
    if not connack.done.wait(timeout):
        client.loop_stop()
        raise ConnectionError(
            f"{who}: MQTT broker {broker.url} did not answer within {timeout:.0f} s"
        )
    if connack.reason is None:
        client.loop_stop()
    return connack.reason
