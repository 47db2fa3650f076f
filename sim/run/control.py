"""The simulator's side of the conversation with the IOC.

Publishes clock ticks (with the per-source manifest) and everything the simulated people
send: the organisation, crew positions, patrol and hotline reports, answers to tasks. Receives
the IOC's acknowledgements, tasks and device commands on paho's thread and hands them to the
clock driver in the IOC's message order (tasks and commands share the IOC's msg_seq).
"""

from __future__ import annotations

import threading
import time
from typing import Any, TypeVar

from edge.link import Link
from edge.sources import SourceSequences
from ioc.contract import (
    ClockAck,
    ClockTick,
    Command,
    Envelope,
    PayloadError,
    SeqTracker,
    Task,
    Topics,
    decode,
    encode,
)

IOC_SOURCE = "ioc"
E = TypeVar("E", bound=Envelope)
Inbound = Task | tuple[str, Command]  # a task, or (gateway id, command)


class IocTimeout(TimeoutError):
    """The IOC did not answer a tick (or its tasks did not arrive) in time."""


class ControlChannel:
    """The clock's and the people's MQTT channel to the IOC: ticks and data messages out,
    acknowledgements, tasks and commands in (in the IOC's order)."""

    def __init__(self, link: Link, sequences: SourceSequences, run_id: str):
        self.link = link
        self.sequences = sequences
        self.run_id = run_id
        self.rejected: list[str] = []  # malformed messages from the IOC side
        self.last_stats: dict[str, int] = {}  # the IOC's counters from its latest ack
        self._cond = threading.Condition()
        self._acks: dict[int, ClockAck] = {}
        self._inbox: dict[int, Inbound] = {}
        self._seen = SeqTracker()
        self._delivered = 0  # tasks handed over, by IOC msg_seq
        link.subscribe(Topics.ACK, self._on_ack)
        link.subscribe(Topics.TASKS_ALL, self._on_task)
        link.subscribe(Topics.COMMANDS_ALL, self._on_command)

    # ---------------------------------------------------------------- outgoing
    def publish_tick(self, seq: int, ts: int, final: bool = False) -> None:
        tick = ClockTick(
            run_id=self.run_id, seq=seq, ts=ts, published=self.sequences.snapshot(), final=final
        )
        self.link.publish(Topics.TICK, encode(tick), ts=ts)

    def send(self, topic: str, model: type[E], source: str, **fields: Any) -> E:
        """Publish a data message from `source` (its next msg_seq is assigned here)."""
        msg = model(source=source, msg_seq=self.sequences.take(source), **fields)
        self.link.publish(topic, encode(msg), ts=getattr(msg, "ts", None))
        return msg

    # ---------------------------------------------------------------- incoming
    def wait_ack(self, seq: int, timeout: float) -> ClockAck:
        deadline = time.monotonic() + timeout
        with self._cond:
            while seq not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise IocTimeout(
                        f"the IOC did not acknowledge tick {seq} within {timeout:.0f} s "
                        "(is it running in simulated-clock mode on the same broker?)"
                    )
                self._cond.wait(left)
            ack = self._acks.pop(seq)
            for old in [s for s in self._acks if s < seq]:
                del self._acks[old]
            return ack

    def inbox_through(self, msg_seq: int, timeout: float) -> list[Inbound]:
        """Wait until every IOC task and command up to `msg_seq` has arrived; return the new
        ones in order."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._seen.contiguous(IOC_SOURCE) < msg_seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise IocTimeout(
                        f"tasks up to {msg_seq} announced by the IOC did not "
                        f"arrive within {timeout:.0f} s"
                    )
                self._cond.wait(left)
            return self._take(msg_seq)

    def inbox_available(self) -> list[Inbound]:
        """Every task and command received in order so far (free-running mode)."""
        with self._cond:
            return self._take(self._seen.contiguous(IOC_SOURCE))

    def _take(self, upto: int) -> list[Inbound]:
        out = [self._inbox.pop(s) for s in range(self._delivered + 1, upto + 1) if s in self._inbox]
        self._delivered = max(self._delivered, upto)
        return out

    def _on_ack(self, topic: str, payload: bytes) -> None:
        try:
            ack = decode(ClockAck, payload)
        except PayloadError as err:
            self.rejected.append(f"{topic}: {err}")
            return
        if ack.run_id != self.run_id:
            return
        with self._cond:
            self._acks[ack.seq] = ack
            self.last_stats = ack.stats
            self._cond.notify_all()

    def _on_task(self, topic: str, payload: bytes) -> None:
        try:
            task = decode(Task, payload)
        except PayloadError as err:
            self.rejected.append(f"{topic}: {err}")
            return
        self._received(task.source, task.msg_seq, task)

    def _on_command(self, topic: str, payload: bytes) -> None:
        try:
            cmd = decode(Command, payload)
        except PayloadError as err:
            self.rejected.append(f"{topic}: {err}")
            return
        self._received(cmd.source, cmd.msg_seq, (topic.rsplit("/", 1)[1], cmd))

    def _received(self, source: str, msg_seq: int, item: Inbound) -> None:
        if source != IOC_SOURCE:
            self.rejected.append(f"message from unexpected source {source!r}")
            return
        with self._cond:
            if self._seen.add(source, msg_seq):
                self._inbox[msg_seq] = item
                self._cond.notify_all()
