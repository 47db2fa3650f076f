"""Topic routing: each kind of message the IOC takes in is one `Route` in a table, the way a
Starlette application is a list of routes.

A route says, for one topic kind: the contract model its payload must be, the payload field
that must name the topic's identifier (a gateway publishes only under its own prefix), the
rank that orders it among events of the same event time (or `AT_ONCE`: applied on arrival,
for the gateways' status and the clock's ticks) and the handler that applies it. The `Router`
does the same steps for every kind: parse the topic, decode and check the payload, drop
duplicates by (source, msg_seq), then apply the `Arrival` at once or hold it in the
`Sequencer` until the clock passes its event time. Adding a message kind is one handler and
one `Route` line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar, cast

import orjson
from pydantic import BaseModel

from ioc.contract import PayloadError, TelemetryBatch, TopicRef, decode, parse_topic
from ioc.ingest.deadletters import DeadLetters
from ioc.ingest.sequencer import Sequencer

M = TypeVar("M", bound=BaseModel)
AT_ONCE = None  # a route's rank when its messages are applied on arrival


class TopicKind(StrEnum):
    """The kinds of message the IOC takes in (the kinds of `ioc.contract.parse_topic` that it
    subscribes to; tasks, acks and commands are its own outputs)."""

    TELEMETRY = "telemetry"
    EVENTS = "events"
    DEVICES = "devices"
    STATUS = "status"
    CMDACK = "cmdack"
    REPORT = "report"
    RESULT = "result"
    ORG = "org"
    CREW = "crew"
    TICK = "tick"


@dataclass(frozen=True, slots=True)
class Arrival(Generic[M]):
    """A message as it reached the IOC (or one reading of a telemetry batch): the checked
    contract model, its topic kind, the topic parsed and as sent, when it arrived (wall
    clock, ISO) and the raw payload a dead letter keeps."""

    kind: TopicKind
    msg: M
    ref: TopicRef
    topic: str
    received_at: str
    payload: bytes


Handler = Callable[[Arrival[Any]], None]
Split = Callable[[Arrival[Any]], Iterable[tuple[int, tuple[Any, ...], Arrival[Any]]]]


class _Held(Protocol):
    """What a held message has (every contract envelope with an event time)."""

    source: str
    msg_seq: int
    ts: int


@dataclass(frozen=True)
class Route(Generic[M]):
    """How one kind of message is taken in.

    `source`: the payload field that must equal the topic's identifier (None: no check).
    `rank`: the order among events of the same event time, or `AT_ONCE`. `handler`: applies
    an arrival (for a route with `split`, each of the items a message splits into: a
    telemetry batch is held reading by reading, each in its own event-time place).
    """

    kind: TopicKind
    model: type[M]
    handler: Handler
    rank: int | None
    source: str | None = "source"
    split: Split | None = None


def readings_of(batch: Arrival[TelemetryBatch]) -> Iterator[tuple[int, tuple[Any, ...], Any]]:
    """A telemetry batch as held items: (event time, (device, seq), the reading's arrival)."""
    kind, ref, topic, received_at, payload = (
        batch.kind,
        batch.ref,
        batch.topic,
        batch.received_at,
        batch.payload,
    )
    for r in batch.msg.readings:
        yield r.ts, (r.device_id, r.seq), Arrival(kind, r, ref, topic, received_at, payload)


class Router:
    """Takes every MQTT message through its route; refusals go to the dead letters with their
    reason and nothing raises."""

    def __init__(
        self,
        routes: Iterable[Route[Any]],
        seq: Sequencer,
        dead: DeadLetters,
        counters: Counter[str],
    ):
        self.routes: dict[str, Route[Any]] = {}
        for route in routes:
            if route.kind in self.routes:
                raise ValueError(f"two routes for {route.kind}")
            self.routes[route.kind] = route
        self.seq = seq
        self.dead = dead
        self.counters = counters

    def take(self, topic: str, payload: bytes, received_at: str) -> None:
        """One MQTT message: routed, or kept as a dead letter with the reason."""
        self.counters["messages"] += 1
        try:
            self.route(topic, payload, received_at)
        except PayloadError as err:
            self.dead.add(received_at, topic, err.reason, err.detail, payload)
            self._salvage_envelope(payload)
        except Exception as err:  # a bug must not stop ingest: keep the message and go on
            self.dead.add(received_at, topic, "internal_error", repr(err), payload)

    def route(self, topic: str, payload: bytes, received_at: str) -> None:
        """Parse, decode, check, then apply or hold; raises PayloadError on a refusal."""
        ref = parse_topic(topic)
        route = self.routes.get(ref.kind) if ref is not None else None
        if ref is None or route is None:
            raise PayloadError("unknown_topic", f"not a citysim/v1 input topic: {topic}")
        msg = decode(route.model, payload)
        if route.source is not None:
            value = getattr(msg, route.source)
            if value != ref.ident:
                raise PayloadError(
                    "source_mismatch",
                    f"{route.source} {value!r} published on the topic of {ref.ident!r}",
                )
        arrival = Arrival(route.kind, msg, ref, topic, received_at, payload)
        if route.rank is AT_ONCE:
            route.handler(arrival)
            return
        held = cast(_Held, msg)
        if not self.accept(held.source, held.msg_seq):
            return
        if route.split is None:
            self.seq.push(held.ts, route.rank, (held.source, held.msg_seq), arrival)
        else:
            for ts, key, item in route.split(arrival):
                self.seq.push(ts, route.rank, key, item)

    def apply(self, item: Arrival[Any]) -> None:
        """A held item, released by the clock: to its route's handler."""
        self.routes[item.kind].handler(item)

    def accept(self, source: str, msg_seq: int) -> bool:
        """A data message's number is new (duplicates are counted and dropped)."""
        if self.seq.accept(source, msg_seq):
            return True
        self.counters["duplicate_messages"] += 1
        return False

    def _salvage_envelope(self, payload: bytes) -> None:
        """A rejected message still counts as received, so a clock waiting for it moves on."""
        try:
            doc = orjson.loads(payload)
        except orjson.JSONDecodeError:
            return
        if (
            isinstance(doc, dict)
            and isinstance(doc.get("source"), str)
            and isinstance(doc.get("msg_seq"), int)
            and doc["msg_seq"] > 0
        ):
            self.seq.accept(doc["source"], doc["msg_seq"])
