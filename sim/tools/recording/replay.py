"""The replayer (`citysim replay`): republishes a recording in its original order, at a speed
factor or as fast as possible, into any IOC.

By default only what an IOC consumes is replayed: `Topics.IOC_INPUTS` (device traffic,
reports, answers to tasks, organisation and crews, and the clock ticks). The IOC's own outputs
(`task/*`, `cmd/*`, `clock/ack`) are left out: a fresh IOC produces them itself, and a second
copy would reach the IOC's subscribers (the answers to those tasks are already in the file).
`topics=("#",)` (`--all-topics`) replays everything.

A recorded lockstep run replayed as fast as possible into a fresh IOC on the simulated clock
(`citysim ioc serve --clock sim` with an empty `--data`) gives the same case log as the live
run, because:

1. the IOC computes on event time only: it holds every input in its sequencer and releases it,
   in (ts, rank, key) order, when a clock tick passes it; a tick is processed only once every
   message in its manifest (each source's last msg_seq) has arrived. How fast or in what
   interleaving messages arrive therefore does not matter, only which ones precede each tick;
2. in lockstep the simulator publishes nothing of window N+1 before the IOC has acknowledged
   tick N, which it does only after all of window N has reached the broker. The broker's order
   (which the recorder keeps, and the replay, publishing sequentially over one connection at
   QoS 1, reproduces) thus puts all of window N before any message of window N+1; the replayed
   IOC processes tick N as soon as its last message arrives (one ingest thread: message, then
   ready ticks), before it sees window N+1. Late events (skewed device clocks) land in the same
   tick as in the live run;
3. the answers in the file name tasks by id (`{case}-T{n}`), which the fresh IOC derives from
   the same case log, so they find the same tasks; the tick's run id is adopted from the first
   replayed tick.

What a replay does not reproduce: the operator's commands of a scenario's `operations:` go to
the live IOC over HTTP, not MQTT, so the replayed IOC never issues them; the gateways' answers
in the file are then dead-lettered (`unknown_command`) and `/commands` is empty. Nothing in the
case flow depends on them (their effect on devices is in the recorded readings). A run in
`free` sync mode is not deterministic in the first place; its replay reproduces the recorded
arrival order, not necessarily what the live IOC saw.

Flow control: replaying as fast as possible outruns an IOC; the broker queues the backlog per
subscriber, and a broker with a short queue (Mosquitto's default `max_queued_messages` is 1000)
drops QoS 1 messages, after which the IOC waits forever for a tick's manifest. Give
`ack_window=N` (`--ack-window N`) to keep at most N ticks unacknowledged by the IOC; it also
waits for the acknowledgement of the last tick, so the IOC's results are complete on return.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import paho.mqtt.client as mqtt

from ioc.contract import BrokerAddress, Topics
from sim.tools.recording.format import DEFAULT_REPLAY_TOPICS
from sim.tools.recording.mqtt_client import Connack, connect, make_client
from sim.tools.recording.reader import (
    RecordingInfo,
    RecordingReader,
    TopicSelection,
    json_field,
    scan_recording,
    tick_seq,
)

_PROGRESS_S = 0.1


@dataclass(frozen=True)
class ReplayProgress:
    """How far a replay has got (for the progress display)."""

    done: int  # selected records published so far
    total: int  # selected records in the file
    t: float  # recorded seconds of the last published record (from the first selected one)
    elapsed_s: float


@dataclass
class ReplayResult:
    """What a replay published, and how fast."""

    path: Path
    records: int  # in the file
    published: int
    skipped: int  # left out by the topic filters
    payload_bytes: int
    span_s: float  # recorded time covered
    elapsed_s: float
    speed: float | None
    last_tick_seq: int | None
    interrupted: bool = False
    truncated: str | None = None

    @property
    def rate(self) -> float:
        return self.published / self.elapsed_s if self.elapsed_s > 0 else 0.0


class ReplayError(RuntimeError):
    """A replay that could not finish (broker gone, IOC not acknowledging)."""


class Replayer:
    """Republishes a recording's messages in their original order, with the same topic, QoS
    and retain flag, at the recorded relative timing divided by `speed` (None: as fast as
    possible).

    The whole file is validated before anything is published (RecordingError names the file
    and the record). Messages go out sequentially on one connection with at most
    `max_inflight` unacknowledged, which keeps their order; `run()` returns once the broker
    has acknowledged all of them. `topics`/`exclude` are MQTT filters (default: what an IOC
    consumes). `ack_window`: see the module docstring.
    """

    def __init__(
        self,
        broker: BrokerAddress,
        file: Path | str,
        speed: float | None = None,
        topics: Sequence[str] = DEFAULT_REPLAY_TOPICS,
        exclude: Sequence[str] = (),
        on_progress: Callable[[ReplayProgress], None] | None = None,
        max_inflight: int = 100,
        ack_window: int | None = None,
        ack_timeout_s: float = 60.0,
        stall_timeout_s: float = 60.0,
        client_id: str | None = None,
    ):
        if speed is not None and not (speed > 0 and math.isfinite(speed)):
            raise ValueError(f"speed must be a positive number (got {speed})")
        if ack_window is not None and ack_window < 0:
            raise ValueError(f"ack_window must be 0 or more (got {ack_window})")
        if ack_window is not None and TopicSelection(topics, exclude)(Topics.ACK):
            raise ValueError(
                "ack_window waits for the IOC's own clock acknowledgements, so the "
                f"recorded ones ({Topics.ACK}) must not be replayed: exclude them"
            )
        self.broker = broker
        self.path = Path(file)
        self.speed = speed
        self.topics = tuple(topics)
        self.exclude = tuple(exclude)
        self.on_progress = on_progress
        self.max_inflight = max(1, max_inflight)
        self.ack_window = ack_window
        self.ack_timeout_s = ack_timeout_s
        self.stall_timeout_s = stall_timeout_s
        self.client_id = client_id or f"citysim-replay-{secrets.token_hex(4)}"
        self.info: RecordingInfo | None = None
        self._stop = threading.Event()
        self._cond = threading.Condition()
        self._sent = 0
        self._completed = 0
        self._acked_tick = 0
        self._run_id: str | None = None  # of the replayed ticks: other runs' acks are not ours
        self._suback = threading.Event()

    def scan(self) -> RecordingInfo:
        """Validate the whole file and count what would be published (done by `run` first)."""
        if self.info is None:
            self.info = scan_recording(self.path, self.topics, self.exclude)
        return self.info

    def stop(self) -> None:
        """Ask a running replay to stop after the current message (e.g. on Ctrl-C)."""
        self._stop.set()
        with self._cond:
            self._cond.notify_all()

    def run(self) -> ReplayResult:
        info = self.scan()
        client = self._connect()
        try:
            return self._replay(client, info)
        finally:
            client.disconnect()
            client.loop_stop()

    def _connect(self) -> mqtt.Client:
        connack = Connack()
        client = make_client(self.client_id, mqtt.MQTTv311)
        client.max_inflight_messages_set(self.max_inflight)
        client.on_connect = lambda c, u, f, rc, p: connack(rc)
        client.on_publish = self._on_publish
        client.on_message = self._on_ack
        client.on_subscribe = lambda *a: self._suback.set()
        reason = connect(client, connack, self.broker, "replay", 10.0)
        if reason is None or reason.is_failure:
            client.loop_stop()
            raise ConnectionError(
                f"replay: MQTT broker {self.broker.url} refused the "
                f"connection: {reason or 'closed without answering'}"
            )
        if self.ack_window is not None:
            client.subscribe(Topics.ACK, qos=1)
            if not self._suback.wait(10):
                raise ConnectionError(
                    f"replay: {self.broker.url} did not confirm the subscription to {Topics.ACK}"
                )
        return client

    def _replay(self, client: mqtt.Client, info: RecordingInfo) -> ReplayResult:
        reader = RecordingReader(self.path)
        selected = TopicSelection(self.topics, self.exclude)
        wall0 = time.monotonic()
        t0: float | None = None
        published = skipped = nbytes = 0
        last_t = 0.0
        last_tick: int | None = None
        next_progress = 0.0
        for rec in reader:
            if self._stop.is_set():
                break
            if not selected(rec.topic):
                skipped += 1
                continue
            t0 = rec.t if t0 is None else t0
            if self.speed is not None:
                # Relative to the start: a late message goes at once, and the lateness is not
                # carried over to the ones after it.
                due = wall0 + (rec.t - t0) / self.speed
                delay = due - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    break
            if rec.topic == Topics.TICK:
                last_tick = tick_seq(rec.payload)
                if self._run_id is None:
                    with self._cond:
                        self._run_id = json_field(rec.payload, "run_id")
                if self.ack_window is not None and last_tick is not None:
                    self._wait_acked(last_tick - 1 - self.ack_window)
            self._wait_slot()
            if self._stop.is_set():
                break
            with self._cond:
                self._sent += 1
            sent = client.publish(rec.topic, rec.payload, qos=rec.qos, retain=rec.retain)
            if rec.qos == 0 and sent.rc != mqtt.MQTT_ERR_SUCCESS:
                with self._cond:  # QoS 0 is not kept for a reconnect: gone, do not wait for it
                    self._completed += 1
            published += 1
            nbytes += len(rec.payload)
            last_t = rec.t - t0
            now = time.monotonic()
            if self.on_progress and now >= next_progress:
                next_progress = now + _PROGRESS_S
                self.on_progress(ReplayProgress(published, info.selected, last_t, now - wall0))
        interrupted = self._stop.is_set()
        self._wait_all()
        if self.ack_window is not None and last_tick is not None and not interrupted:
            self._wait_acked(last_tick, final=True)
        elapsed = time.monotonic() - wall0
        if self.on_progress:
            self.on_progress(ReplayProgress(published, info.selected, last_t, elapsed))
        return ReplayResult(
            self.path,
            reader.records,
            published,
            skipped,
            nbytes,
            last_t,
            elapsed,
            self.speed,
            last_tick,
            interrupted,
            reader.truncated,
        )

    # ---------------------------------------------------------------- flow control
    def _wait_slot(self) -> None:
        """At most `max_inflight` messages not yet acknowledged by the broker."""
        self._wait(
            lambda: self._sent - self._completed < self.max_inflight,
            self.stall_timeout_s,
            lambda: (
                f"the broker {self.broker.url} acknowledged nothing for "
                f"{self.stall_timeout_s:.0f} s ({self._sent - self._completed} "
                "messages in flight)"
            ),
        )

    def _wait_all(self) -> None:
        self._wait(
            lambda: self._completed >= self._sent,
            self.stall_timeout_s,
            lambda: (
                f"the broker {self.broker.url} did not acknowledge the last "
                f"{self._sent - self._completed} messages within {self.stall_timeout_s:.0f} s"
            ),
            stoppable=False,
        )

    def _wait_acked(self, seq: int, final: bool = False) -> None:
        self._wait(
            lambda: self._acked_tick >= seq,
            self.ack_timeout_s,
            lambda: (
                f"no IOC acknowledged clock tick {seq} within {self.ack_timeout_s:.0f} s (last "
                f"acknowledged: {self._acked_tick or 'none'}); is an IOC on the simulated clock "
                "(--clock sim) with an empty --data subscribed to this broker?"
            ),
            stoppable=not final,
        )

    def _wait(
        self,
        ready: Callable[[], bool],
        timeout: float,
        why: Callable[[], str],
        stoppable: bool = True,
    ) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            progress = (self._completed, self._acked_tick)
            while not ready():
                if stoppable and self._stop.is_set():
                    return
                if (self._completed, self._acked_tick) != progress:  # moving: not stalled
                    progress = (self._completed, self._acked_tick)
                    deadline = time.monotonic() + timeout
                left = deadline - time.monotonic()
                if left <= 0:
                    raise ReplayError(why())
                self._cond.wait(min(left, 1.0))

    # ---------------------------------------------------------------- paho thread
    def _on_publish(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_code: object,
        properties: object,
    ) -> None:
        with self._cond:
            self._completed += 1
            self._cond.notify_all()

    def _on_ack(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        seq = tick_seq(message.payload)
        run_id = json_field(message.payload, "run_id")
        with self._cond:
            if seq is not None and run_id is not None and run_id == self._run_id:
                self._acked_tick = max(self._acked_tick, seq)
                self._cond.notify_all()
