"""Edge gateway (边缘网关): one per grid or site. Collects its devices' readings, batches them
and publishes QoS 1 batches with a per-gateway message sequence; announces its devices and its
presence (retained status, "offline" as last will)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edge.link import Link
from edge.sources import SourceSequences
from ioc.contract import (
    Command,
    CommandAck,
    CommandOutcome,
    DeviceAnnouncement,
    DeviceInfo,
    GatewayStatus,
    Topics,
    encode,
    telemetry_payload,
)


class Gateway:
    """Batches readings (size limit `max_batch`); `flush` publishes what is pending."""

    def __init__(self, gateway_id: str, link: Link, sequences: SourceSequences,
                 max_batch: int = 500):
        self.gateway_id = gateway_id
        self.link = link
        self.sequences = sequences
        self.max_batch = max_batch
        self._pending: list[dict[str, Any]] = []
        self.readings_sent = 0
        self.messages_sent = 0
        self.powered = True

    @staticmethod
    def status_payload(gateway_id: str, status: str, ts: int | None = None) -> bytes:
        return encode(GatewayStatus(gateway_id=gateway_id, status=status, ts=ts))

    def announce(self, devices: Iterable[DeviceInfo], ts: int) -> None:
        """Register the gateway's devices with the IOC (before any reading)."""
        self.link.publish(Topics.gateway_status(self.gateway_id),
                          self.status_payload(self.gateway_id, "online", ts), retain=True)
        devices = list(devices)
        for i in range(0, len(devices), self.max_batch):
            msg = DeviceAnnouncement(source=self.gateway_id,
                                     msg_seq=self.sequences.take(self.gateway_id),
                                     ts=ts, devices=devices[i : i + self.max_batch])
            self._send(Topics.devices(self.gateway_id), encode(msg))

    def add(self, readings: list[dict[str, Any]]) -> None:
        self._pending.extend(readings)

    def flush(self) -> int:
        """Publish pending readings in event-time order; returns messages sent."""
        if not self._pending:
            return 0
        pending = sorted(self._pending, key=lambda r: (r["ts"], r["device_id"]))
        self._pending = []
        sent = 0
        for i in range(0, len(pending), self.max_batch):
            chunk = pending[i : i + self.max_batch]
            seq = self.sequences.take(self.gateway_id)
            self._send(Topics.telemetry(self.gateway_id),
                       telemetry_payload(self.gateway_id, seq, chunk))
            self.readings_sent += len(chunk)
            sent += 1
        return sent

    def ack(self, command: Command, results: list[tuple[str, str, str]], ts: int) -> None:
        """Answer a command with each device's (id, status, detail)."""
        msg = CommandAck(source=self.gateway_id, msg_seq=self.sequences.take(self.gateway_id),
                         ts=ts, command_id=command.command_id,
                         results=[CommandOutcome(device_id=d, status=s, detail=x)
                                  for d, s, x in results])
        self._send(Topics.command_ack(self.gateway_id), encode(msg))

    def power_loss(self) -> None:
        """The gateway loses power: its connection drops without a goodbye, so the broker
        publishes its last will (status offline)."""
        if self.powered:
            self.powered = False
            self.link.crash()

    def power_back(self, ts: int) -> None:
        if self.powered:
            return
        self.powered = True
        self.link.restore()
        self.link.publish(Topics.gateway_status(self.gateway_id),
                          self.status_payload(self.gateway_id, "online", ts), retain=True)

    def close(self, ts: int | None = None) -> None:
        self.flush()
        self.link.close(final=(Topics.gateway_status(self.gateway_id),
                               self.status_payload(self.gateway_id, "offline", ts)))

    def _send(self, topic: str, payload: bytes) -> None:
        self.link.publish(topic, payload)
        self.messages_sent += 1
