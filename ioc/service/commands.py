"""Remote commands (远程控制): an operator's command goes to each gateway of the devices it
targets, which applies it and acknowledges per device; the IOC keeps each command with its
acknowledgements and round-trip times (event time and wall clock).
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from ioc.contract import Command, CommandAck, Topics, describe_validation_error
from ioc.ingest.deadletters import DeadLetters
from ioc.ingest.routing import Arrival
from ioc.registry.devices import Registry
from ioc.service.outbox import SOURCE, Outbox
from ioc.storage.store import Store


class Commands:
    """The commands sent, by id; `issue` sends one, `on_ack` takes a gateway's answer."""

    def __init__(
        self,
        lock: threading.RLock,
        clock: Callable[[], int | None],
        iso: Callable[[int | None], str | None],
        registry: Registry,
        store: Store,
        outbox: Outbox,
        dead: DeadLetters,
        counters: Counter[str],
    ):
        self.lock = lock
        self.clock = clock
        self.iso = iso
        self.registry = registry
        self.store = store
        self.outbox = outbox
        self.dead = dead
        self.counters = counters
        self.records: dict[str, dict[str, Any]] = {}

    def restore(self) -> None:
        self.records = {c["command_id"]: c for c in self.store.commands()}

    def issue(
        self,
        action: str,
        params: dict[str, Any],
        devices: list[str] | None = None,
        kind: str | None = None,
        grid: str | None = None,
        issued_by: str = "api",
    ) -> dict[str, Any]:
        """Send a command to devices (by id, or all of a kind, optionally in one grid) through
        their gateways; raises ValueError when nothing matches."""
        with self.lock:
            now = self.clock()
            if now is None:
                raise ValueError("the IOC's clock has not started yet (no tick or wall time)")
            if devices is not None and (kind is not None or grid is not None):
                raise ValueError("target either `devices`, or a `kind` (and `grid`), not both")
            if devices is None and kind is None:
                raise ValueError("name the target: `devices`, or a device `kind`")
            if devices is not None:
                unknown = [d for d in devices if d not in self.registry.devices]
                if unknown:
                    raise ValueError(f"unknown devices: {unknown[:5]}")
                chosen = [self.registry.devices[d] for d in devices]
            else:
                chosen = [
                    d
                    for d in self.registry.devices.values()
                    if (kind is None or d.kind == kind) and (grid is None or d.grid == grid)
                ]
            if not chosen:
                raise ValueError("no device matches the command's target")
            command_id = f"CMD{len(self.records) + 1:06d}"
            by_gateway: dict[str, list[str]] = defaultdict(list)
            for dev in sorted(chosen, key=lambda d: d.device_id):
                by_gateway[dev.gateway].append(dev.device_id)
            record = {
                "command_id": command_id,
                "action": action,
                "params": params,
                "issued_ts": now,
                "issued": self.iso(now),
                "issued_by": issued_by,
                "issued_wall_ms": wall_ms(),
                "devices": len(chosen),
                "gateways": {
                    gw: {
                        "devices": devs,
                        "acked_ts": None,
                        "rtt_ms": None,
                        "wall_rtt_ms": None,
                        "results": None,
                    }
                    for gw, devs in sorted(by_gateway.items())
                },
            }
            targets = sorted(by_gateway.items())
            try:  # validate every message before any takes a number the simulator waits for
                messages = [
                    (
                        Topics.command(gw),
                        Command(
                            source=SOURCE,
                            msg_seq=msg_seq,
                            ts=now,
                            command_id=command_id,
                            devices=devs,
                            action=action,
                            params=params,
                        ),
                    )
                    for msg_seq, (gw, devs) in zip(
                        self.outbox.next_seqs(len(targets)), targets, strict=True
                    )
                ]
            except ValidationError as err:
                raise ValueError(describe_validation_error(err)) from None
            self.outbox.send(messages)
            self.records[command_id] = record
            self.store.put_command(record)
            self.store.flush()
            self.counters["commands_sent"] += 1
            return self.view(record)

    def on_ack(self, a: Arrival[CommandAck]) -> None:
        """A gateway's acknowledgement; refused when the command was not sent to it, was
        answered already, or the answer is about other devices."""
        ack = a.msg
        record = self.records.get(ack.command_id)
        sent = record["gateways"].get(ack.source) if record else None
        if (
            record is None
            or sent is None
            or sent["results"] is not None
            or {r.device_id for r in ack.results} - set(sent["devices"])
        ):
            self.dead.add(
                a.received_at,
                a.topic,
                "unknown_command",
                f"command {ack.command_id}: not sent to this gateway, answered "
                "already, or about other devices",
                a.payload,
            )
            return
        sent["acked_ts"] = ack.ts
        sent["rtt_ms"] = ack.ts - record["issued_ts"]
        sent["wall_rtt_ms"] = wall_ms(a.received_at) - record["issued_wall_ms"]
        sent["results"] = [r.model_dump() for r in ack.results]
        self.store.put_command(record)
        self.counters["command_acks"] += 1

    @staticmethod
    def view(record: dict[str, Any]) -> dict[str, Any]:
        """A command with its status (sent, partly_acked, acked) and device outcomes."""
        results = [r for g in record["gateways"].values() for r in (g["results"] or [])]
        acked = [g for g in record["gateways"].values() if g["results"] is not None]
        status = (
            "acked"
            if len(acked) == len(record["gateways"])
            else ("partly_acked" if acked else "sent")
        )
        return {
            **record,
            "status": status,
            "ok": sum(1 for r in results if r["status"] == "ok"),
            "failed": sum(1 for r in results if r["status"] != "ok"),
        }

    def listing(self) -> list[dict[str, Any]]:
        with self.lock:
            return [self.view(r) for r in self.records.values()]

    def wall_rtts(self) -> list[int]:
        """Wall-clock round trips of the acknowledgements so far, sorted."""
        return sorted(
            g["wall_rtt_ms"]
            for c in self.records.values()
            for g in c["gateways"].values()
            if g["wall_rtt_ms"] is not None
        )


def wall_ms(iso: str | None = None) -> int:
    """Wall-clock milliseconds, now or of an ISO timestamp (arrival times)."""
    when = datetime.fromisoformat(iso) if iso else datetime.now(UTC)
    return int(when.timestamp() * 1000)
