"""The simulator's control channel with the IOC: clock ticks and department traffic.

Publishes ticks (with the per-source manifest) and department reports; receives the IOC's
acknowledgements and dispatches on paho's thread and hands them to the clock driver in
message order.
"""

from __future__ import annotations

import threading
import time

from edge.link import Link
from edge.sources import SourceSequences
from ioc.contract import (
    ClockAck,
    ClockTick,
    Dispatch,
    DispatchReport,
    PayloadError,
    SeqTracker,
    Topics,
    decode,
    encode,
)

IOC_SOURCE = "ioc"


class IocTimeout(TimeoutError):
    """The IOC did not answer a tick (or its dispatches did not arrive) in time."""


class ControlChannel:
    def __init__(self, link: Link, sequences: SourceSequences, run_id: str):
        self.link = link
        self.sequences = sequences
        self.run_id = run_id
        self.rejected: list[str] = []  # malformed messages from the IOC side
        self._cond = threading.Condition()
        self._acks: dict[int, ClockAck] = {}
        self._dispatches: dict[int, Dispatch] = {}
        self._seen = SeqTracker()
        self._delivered = 0  # dispatches handed to the departments, by IOC msg_seq
        self.last_stats: dict[str, int] = {}  # the IOC's counters from its latest ack
        link.subscribe(Topics.ACK, self._on_ack)
        link.subscribe(Topics.DISPATCH_ALL, self._on_dispatch)

    # ---------------------------------------------------------------- outgoing
    def publish_tick(self, seq: int, ts: int, final: bool = False) -> None:
        tick = ClockTick(run_id=self.run_id, seq=seq, ts=ts,
                         published=self.sequences.snapshot(), final=final)
        self.link.publish(Topics.TICK, encode(tick))

    def report(self, dispatch: Dispatch, outcome: str, crew: str, arrived_ts: int,
               ts: int) -> None:
        source = f"dept-{dispatch.department}"
        msg = DispatchReport(source=source, msg_seq=self.sequences.take(source), ts=ts,
                             dispatch_id=dispatch.dispatch_id, case_id=dispatch.case_id,
                             department=dispatch.department, status="done", outcome=outcome,
                             crew=crew, arrived_ts=arrived_ts)
        self.link.publish(Topics.report(dispatch.department), encode(msg))

    # ---------------------------------------------------------------- incoming
    def wait_ack(self, seq: int, timeout: float) -> ClockAck:
        deadline = time.monotonic() + timeout
        with self._cond:
            while seq not in self._acks:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise IocTimeout(
                        f"the IOC did not acknowledge tick {seq} within {timeout:.0f} s "
                        "(is it running in simulated-clock mode on the same broker?)")
                self._cond.wait(left)
            ack = self._acks.pop(seq)
            for old in [s for s in self._acks if s < seq]:
                del self._acks[old]
            return ack

    def dispatches_through(self, msg_seq: int, timeout: float) -> list[Dispatch]:
        """Wait until every IOC dispatch up to `msg_seq` has arrived; return the new ones."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._seen.contiguous(IOC_SOURCE) < msg_seq:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise IocTimeout(f"dispatches up to {msg_seq} announced by the IOC did not "
                                     f"arrive within {timeout:.0f} s")
                self._cond.wait(left)
            return self._take(msg_seq)

    def dispatches_available(self) -> list[Dispatch]:
        """Every dispatch received in order so far (free-running mode)."""
        with self._cond:
            return self._take(self._seen.contiguous(IOC_SOURCE))

    def _take(self, upto: int) -> list[Dispatch]:
        out = [self._dispatches.pop(s) for s in range(self._delivered + 1, upto + 1)
               if s in self._dispatches]
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

    def _on_dispatch(self, topic: str, payload: bytes) -> None:
        try:
            d = decode(Dispatch, payload)
        except PayloadError as err:
            self.rejected.append(f"{topic}: {err}")
            return
        if d.source != IOC_SOURCE:
            self.rejected.append(f"{topic}: dispatch from unexpected source {d.source!r}")
            return
        with self._cond:
            if self._seen.add(d.source, d.msg_seq):
                self._dispatches[d.msg_seq] = d
                self._cond.notify_all()
