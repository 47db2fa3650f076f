"""Edge gateway (边缘网关): one per grid or site. Collects its devices' readings, batches them
(size limit per message) and publishes QoS 1 batches with a per-gateway message sequence
through its link's store-and-forward outbox; announces its devices and its presence (retained
status with its counters, "offline" as last will); evaluates its local rules (edge.local_rules)
and its cameras' video analytics (edge.camera_analytics), publishing their edge events."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edge.camera_analytics import CameraEdge, CameraSetup, Look
from edge.link import Link
from edge.local_rules import LocalEvent, LocalRules
from edge.sources import SourceSequences
from ioc.contract import (
    Command,
    CommandAck,
    CommandOutcome,
    DeviceAnnouncement,
    DeviceInfo,
    EdgeEvent,
    GatewayStatus,
    Topics,
    encode,
    telemetry_payload,
)


class Gateway:
    """Batches readings (size limit `max_batch`); `flush` publishes what is pending."""

    def __init__(
        self,
        gateway_id: str,
        link: Link,
        sequences: SourceSequences,
        max_batch: int = 500,
        status_every_s: float = 600.0,
        local_rules: LocalRules | None = None,
    ):
        self.gateway_id = gateway_id
        self.link = link
        self.sequences = sequences
        self.max_batch = max_batch
        self.status_every_ms = int(status_every_s * 1000)
        self._pending: list[dict[str, Any]] = []
        self._next_status = 0
        self.readings_sent = 0
        self.messages_sent = 0
        self.powered = True
        self.cameras: dict[str, CameraEdge] = {}
        self.events_sent = 0
        self.local_rules = local_rules
        self.kinds: dict[str, str] = {}  # device id -> kind, for the local rules
        # A restarted gateway goes on from the numbers its outbox remembers.
        sequences.restore(gateway_id, link.outbox.last_seq(gateway_id))

    @staticmethod
    def status_payload(
        gateway_id: str, status: str, ts: int | None = None, counters: dict[str, int] | None = None
    ) -> bytes:
        return encode(GatewayStatus(gateway_id=gateway_id, status=status, ts=ts, counters=counters))

    def announce(self, devices: Iterable[DeviceInfo], ts: int) -> None:
        """Register the gateway's devices with the IOC (before any reading)."""
        self.status(ts)
        devices = list(devices)
        self.kinds.update((d.device_id, d.kind) for d in devices)
        for i in range(0, len(devices), self.max_batch):
            msg = DeviceAnnouncement(
                source=self.gateway_id,
                msg_seq=self._seq(),
                ts=ts,
                devices=devices[i : i + self.max_batch],
            )
            self._send(Topics.devices(self.gateway_id), encode(msg), ts)

    def status(self, ts: int) -> None:
        """Publish the retained status: online, with the link's counters (queued, sent,
        retried, dropped, pending, reconnections)."""
        self._next_status = ts + self.status_every_ms
        self.link.publish(
            Topics.gateway_status(self.gateway_id),
            self.status_payload(self.gateway_id, "online", ts, self.link.counters()),
            ts=ts,
            retain=True,
        )

    def heartbeat(self, ts: int) -> None:
        """The status, when it is due."""
        if self.powered and ts >= self._next_status:
            self.status(ts)

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
            self._send(
                Topics.telemetry(self.gateway_id),
                telemetry_payload(self.gateway_id, self._seq(), chunk),
                chunk[0]["ts"],
            )
            self.readings_sent += len(chunk)
            sent += 1
        if self.local_rules:
            for r in pending:
                for ev in self.local_rules.update(self.kinds.get(r["device_id"]), r):
                    self._local_event(ev)
        return sent

    def _local_event(self, ev: LocalEvent) -> None:
        msg = EdgeEvent(
            source=self.gateway_id,
            msg_seq=self._seq(),
            event_id=ev.event_id,
            device_id=ev.device_id,
            kind=ev.rule,
            state=ev.state,
            ts=ev.ts,
            value=ev.value,
        )
        self._send(Topics.events(self.gateway_id), encode(msg), ev.ts)
        self.events_sent += 1

    def add_camera(self, setup: CameraSetup) -> None:
        """Run video analytics for one of this gateway's cameras."""
        self.cameras[setup.device_id] = CameraEdge(setup)

    def camera_busy(self, device_id: str, view: str) -> bool:
        """The camera holds an open event on this view (it keeps looking until it clears)."""
        cam = self.cameras.get(device_id)
        return cam is not None and cam.busy(view)

    def camera_look(self, look: Look) -> int:
        """Analyse a camera's look (frame times in epoch seconds) and publish the events it
        raises or clears; returns how many."""
        events = self.cameras[look.device_id].look(look)
        for ev in events:
            ts = round(ev.t * 1000)
            msg = EdgeEvent(
                source=self.gateway_id,
                msg_seq=self._seq(),
                event_id=ev.event_id,
                device_id=ev.device_id,
                kind=ev.kind,
                scene=ev.scene,
                state=ev.state,
                ts=ts,
                confidence=ev.confidence,
                bbox=ev.bbox,
                lon=ev.lon,
                lat=ev.lat,
                bearing_deg=ev.bearing_deg,
                range_m=ev.range_m,
                snapshot_jpeg=ev.snapshot,
            )
            self._send(Topics.events(self.gateway_id), encode(msg), ts)
            self.events_sent += 1
        return len(events)

    def ack(self, command: Command, results: list[tuple[str, str, str]], ts: int) -> None:
        """Answer a command with each device's (id, status, detail)."""
        msg = CommandAck(
            source=self.gateway_id,
            msg_seq=self._seq(),
            ts=ts,
            command_id=command.command_id,
            results=[CommandOutcome(device_id=d, status=s, detail=x) for d, s, x in results],
        )
        self._send(Topics.command_ack(self.gateway_id), encode(msg), ts)

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
        self.status(ts)

    def close(self, ts: int | None = None) -> None:
        self.flush()
        self.link.close(
            final=(
                Topics.gateway_status(self.gateway_id),
                self.status_payload(self.gateway_id, "offline", ts, self.link.counters()),
            )
        )

    def _seq(self) -> int:
        # Saved before use: after a restart a number must never be reused for new data
        # (the IOC would drop it as a duplicate).
        seq = self.sequences.take(self.gateway_id)
        self.link.outbox.save_seq(self.gateway_id, seq)
        return seq

    def _send(self, topic: str, payload: bytes, ts: int) -> None:
        self.link.publish(topic, payload, ts=ts)
        self.messages_sent += 1
