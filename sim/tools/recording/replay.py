"""Record the MQTT traffic of a run and replay it into any IOC (`citysim record`, `citysim
replay`): a recorded day can be fed to our IOC or a vendor's, as often as a tester likes.

File format (one recording = one file)
--------------------------------------
JSON lines, UTF-8, optionally gzip-compressed (written compressed when the name ends with
`.gz`; read by magic bytes, whatever the name). The first line is a header; every other line
is one message, in the order the recorder received it:

    {"format": "citysim-recording", "version": 1, "started": "2026-07-15T08:00:00.000Z",
     "start_ms": 1784102400000, "broker": "mqtt://127.0.0.1:1883",
     "topics": ["citysim/v1/#"], "protocol": "MQTTv5", "retain": "as_published", ...}
    {"t": 0.013021, "at": 1784102400013, "topic": "citysim/v1/org/sim", "qos": 1,
     "retain": false, "p": "{\\"v\\":1,...}"}
    {"t": 0.020513, "at": 1784102400020, "topic": "x/y", "qos": 1, "retain": true,
     "b64": "gAEC/w=="}

- `t`: seconds since the recording (segment) started, on the monotonic clock (replay timing);
  `at`: the wall clock at receipt, epoch ms (for people reading the file).
- `qos` is the QoS the recorder received the message at (its subscription is QoS 1, so a QoS 2
  publication is recorded as 1); `retain` is the publisher's retain flag (MQTT 5 "retain as
  published"; a retained message delivered when the recorder subscribed has it too). On a
  broker that only speaks MQTT 3.1.1 (amqtt) the flag only marks retained messages delivered at
  subscription; the header's `retain` says which (`as_published` or `on_subscribe`).
- The payload is exact: `p` holds it as text when it is valid UTF-8 (JSON escapes it and the
  round trip is byte for byte), otherwise `b64` holds it in standard base64.
- Appending (`mode="append"`) adds a new header line and a new segment (a new gzip member for
  `.gz`); a reader joins segments end to end, so the time the recorder was not running is not
  replayed. The writer flushes at least twice a second (gzip: a sync flush), so a killed
  recorder loses under a second; a reader ignores an incomplete last line (and reports it).

Replaying into an IOC, and why the case log comes out the same
---------------------------------------------------------------
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

import base64
import binascii
import contextlib
import gzip
import math
import queue
import secrets
import socket
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Literal

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.subscribeoptions import SubscribeOptions

from ioc.contract import TOPIC_ROOT, BrokerAddress, Topics, parse_topic

FORMAT = "citysim-recording"
VERSION = 1
DEFAULT_RECORD_TOPICS: tuple[str, ...] = (f"{TOPIC_ROOT}/#",)
# What an IOC consumes (the clock tick is among the inputs), and what it produces itself.
DEFAULT_REPLAY_TOPICS: tuple[str, ...] = Topics.IOC_INPUTS
IOC_OUTPUTS: tuple[str, ...] = (Topics.TASKS_ALL, Topics.COMMANDS_ALL, Topics.ACK)
ALL_TOPICS: tuple[str, ...] = ("#",)

_GZIP_MAGIC = b"\x1f\x8b"
_FLUSH_S = 0.5  # a killed recorder loses at most this much (plus what is in the OS)
_PROGRESS_S = 0.1

RecordMode = Literal["new", "append", "overwrite"]


# --------------------------------------------------------------------------- format


@dataclass(frozen=True)
class Record:
    """One recorded message. `t` is seconds since the recording started (segments joined)."""

    t: float
    at_ms: int
    topic: str
    qos: int
    retain: bool
    payload: bytes


class RecordingError(ValueError):
    """A file that is not a usable recording: names the file and, when it is one record, the
    record number (1 = the first message) and the line."""

    def __init__(
        self, file: Path | str, problem: str, record: int | None = None, line: int | None = None
    ):
        self.file = str(file)
        self.problem = problem
        self.record = record
        self.line = line
        where = (
            f"record {record} (line {line}): "
            if record is not None
            else (f"line {line}: " if line is not None else "")
        )
        super().__init__(f"{self.file}: {where}{problem}")


def encode_record(
    t: float, at_ms: int, topic: str, qos: int, retain: bool, payload: bytes
) -> bytes:
    """One record line (with its newline)."""
    doc: dict[str, Any] = {
        "t": round(t, 6),
        "at": at_ms,
        "topic": topic,
        "qos": qos,
        "retain": retain,
    }
    try:
        doc["p"] = payload.decode("utf-8")  # strict UTF-8 decodes and encodes back exactly
    except UnicodeDecodeError:
        doc["b64"] = base64.b64encode(payload).decode("ascii")
    return orjson.dumps(doc) + b"\n"


def make_header(
    broker: BrokerAddress | None, topics: Sequence[str], **extra: Any
) -> dict[str, Any]:
    """A recording's (or an appended segment's) header line."""
    now = time.time()
    return {
        "format": FORMAT,
        "version": VERSION,
        "started": datetime.fromtimestamp(now, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "start_ms": int(now * 1000),
        "broker": broker.url if broker else None,
        "topics": list(topics),
        **extra,
    }


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


class RecordingWriter:
    """Writes a recording: `header` first (a new segment when appending), then records.
    Compressed when the name ends with `.gz` (or, when appending, when the file already is)."""

    def __init__(self, path: Path, header: dict[str, Any], mode: RecordMode = "new"):
        self.path = Path(path)
        self.bytes_written = 0
        exists = self.path.exists() and self.path.stat().st_size > 0
        if mode == "new":
            _refuse_existing(self.path)
        append = exists and mode == "append"
        compressed = is_gzip(self.path) if append else self.path.name.endswith(".gz")
        if append:
            _check_appendable(self.path, compressed)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        raw = open(self.path, "ab" if append else "wb")  # noqa: SIM115 (closed in close())
        self._file: IO[bytes] = (
            gzip.GzipFile(fileobj=raw, mode="ab", compresslevel=6) if compressed else raw
        )
        self._raw = raw
        self.write(orjson.dumps(header) + b"\n")
        self.flush()

    def write(self, data: bytes) -> None:
        """Append encoded lines (one or many)."""
        self._file.write(data)
        self.bytes_written += len(data)

    def flush(self) -> None:
        if isinstance(self._file, gzip.GzipFile):
            self._file.flush(zlib.Z_SYNC_FLUSH)  # what is written so far is decompressible
        else:
            self._file.flush()

    def close(self) -> None:
        self._file.close()
        if self._raw is not self._file:
            self._raw.close()


def _refuse_existing(path: Path) -> None:
    if path.exists() and path.stat().st_size > 0:
        raise FileExistsError(
            f"{path} exists; append to it (--append), overwrite it "
            "(--overwrite) or choose another name"
        )


def _check_appendable(path: Path, compressed: bool) -> None:
    """An existing file must be a recording; a plain one cut off mid-line loses that line
    (it is lost anyway) so that the new segment starts on a line of its own."""
    reader = RecordingReader(path)
    for _ in reader:
        pass
    if reader.truncated and compressed:
        raise RecordingError(
            path,
            "ends abruptly (the recorder was killed); a gzip recording "
            "cannot be appended to after that: record into a new file",
        )
    if not compressed and reader.truncated:
        with open(path, "rb+") as f:
            f.truncate(f.read().rfind(b"\n") + 1)


class RecordingReader:
    """Iterates over a recording's records in file order, validating as it goes.

    Raises RecordingError on the first problem (bad header, a line that is not a record). An
    incomplete last line (a killed recorder) ends the iteration quietly; `truncated` then says
    what was dropped. `header` is the first segment's header, `segments` counts them.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.header: dict[str, Any] = {}
        self.segments = 0
        self.records = 0
        self.truncated: str | None = None
        if not self.path.is_file():
            raise RecordingError(self.path, "no such file")

    def _open(self) -> IO[bytes]:
        if is_gzip(self.path):
            return gzip.open(self.path, "rb")
        return open(self.path, "rb")

    def _header(self, line: bytes, line_no: int) -> dict[str, Any]:
        if not line.strip():
            raise RecordingError(self.path, "empty: no recording header", line=line_no)
        try:
            doc = orjson.loads(line)
        except orjson.JSONDecodeError:
            doc = None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise RecordingError(
                self.path,
                f'not a citysim recording (no {{"format": "{FORMAT}", ...}} header)',
                line=line_no,
            )
        if doc.get("version") != VERSION:
            raise RecordingError(
                self.path,
                f"recording format version {doc.get('version')!r}"
                f" is not supported (this citysim reads {VERSION})",
                line=line_no,
            )
        return doc

    def __iter__(self) -> Iterator[Record]:
        self.segments = self.records = 0
        self.truncated = None
        base = 0.0  # where the current segment starts on the joined time line
        last_t = 0.0
        line_no = 0
        with self._open() as f:
            lines = iter(f)
            while True:
                try:
                    line = next(lines)
                except StopIteration:
                    break
                except EOFError:
                    # gzip cut short (a killed recorder): what preceded the last flush is here
                    self.truncated = (
                        f"the compressed data ends abruptly after line {line_no}; the rest was lost"
                    )
                    break
                except (OSError, zlib.error) as err:  # damaged, not merely cut short
                    raise RecordingError(
                        self.path,
                        f"unreadable after this point: {err}",
                        self.records + 1,
                        line_no + 1,
                    ) from None
                line_no += 1
                if line_no == 1:
                    self.header = self._header(line, 1)
                    self.segments = 1
                    continue
                complete = line.endswith(b"\n")
                try:
                    doc = orjson.loads(line)
                except orjson.JSONDecodeError as err:
                    if not complete:  # the recorder was killed in the middle of this line
                        self.truncated = f"line {line_no} is incomplete and was ignored"
                        break
                    raise RecordingError(
                        self.path, f"not JSON ({err})", self.records + 1, line_no
                    ) from None
                if isinstance(doc, dict) and "format" in doc:  # an appended segment
                    self._header(line, line_no)
                    self.segments += 1
                    base = last_t
                    continue
                rec = self._record(doc, line_no, base)
                last_t = max(last_t, rec.t)
                self.records += 1
                yield rec
        if line_no == 0 and self.truncated is None:
            raise RecordingError(self.path, "empty: no recording header", line=1)

    def _record(self, doc: Any, line_no: int, base: float) -> Record:
        n = self.records + 1

        def bad(problem: str) -> RecordingError:
            return RecordingError(self.path, problem, n, line_no)

        if not isinstance(doc, dict):
            raise bad("a record must be a JSON object")
        t, at, topic, qos, retain = (doc.get(k) for k in ("t", "at", "topic", "qos", "retain"))
        if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t) or t < 0:
            raise bad(f"`t` must be seconds >= 0 (got {t!r})")
        if isinstance(at, bool) or not isinstance(at, int):
            raise bad(f"`at` must be epoch milliseconds (got {at!r})")
        if not isinstance(topic, str) or not topic or any(c in topic for c in "+#\0"):
            raise bad(f"`topic` must be a topic name without wildcards (got {topic!r})")
        if qos not in (0, 1, 2) or isinstance(qos, bool):
            raise bad(f"`qos` must be 0, 1 or 2 (got {qos!r})")
        if not isinstance(retain, bool):
            raise bad(f"`retain` must be true or false (got {retain!r})")
        if ("p" in doc) == ("b64" in doc):
            raise bad("a record holds its payload in exactly one of `p` (text) or `b64`")
        if "p" in doc:
            if not isinstance(doc["p"], str):
                raise bad("`p` must be a string")
            payload = doc["p"].encode("utf-8")
        else:
            try:
                payload = base64.b64decode(doc["b64"], validate=True)
            except (binascii.Error, TypeError, ValueError):
                raise bad("`b64` is not valid base64") from None
        return Record(base + float(t), at, topic, qos, retain, payload)


def read_recording(path: Path | str) -> Iterator[Record]:
    """The records of a recording, in order (see RecordingReader)."""
    return iter(RecordingReader(path))


def matches_any(topic: str, filters: Iterable[str]) -> bool:
    return any(mqtt.topic_matches_sub(f, topic) for f in filters)


@dataclass
class RecordingInfo:
    """What a recording holds (and what a replay with the given filters would send)."""

    path: Path
    header: dict[str, Any]
    records: int = 0
    selected: int = 0
    payload_bytes: int = 0
    span_s: float = 0.0  # recorded time from the first to the last selected record
    ticks: int = 0
    last_tick_seq: int | None = None
    by_kind: Counter[str] = field(default_factory=Counter)  # selected records per topic kind
    segments: int = 1
    truncated: str | None = None


def scan_recording(
    path: Path | str, topics: Sequence[str] = ALL_TOPICS, exclude: Sequence[str] = ()
) -> RecordingInfo:
    """Read a whole recording once, validating every record (RecordingError on the first
    bad one), and count what a replay with these filters would publish."""
    reader = RecordingReader(path)
    info = RecordingInfo(reader.path, {})
    selected = TopicSelection(topics, exclude)
    first: float | None = None
    for rec in reader:
        info.records += 1
        if not selected(rec.topic):
            continue
        info.selected += 1
        info.payload_bytes += len(rec.payload)
        first = rec.t if first is None else first
        info.span_s = rec.t - first
        kind = parse_topic(rec.topic)
        info.by_kind[kind.kind if kind else "other"] += 1
        if rec.topic == Topics.TICK:
            info.ticks += 1
            info.last_tick_seq = _tick_seq(rec.payload)
    info.header, info.segments, info.truncated = reader.header, reader.segments, reader.truncated
    return info


class TopicSelection:
    """Topics matching any of `topics` and none of `exclude` (MQTT filters); the answer per
    topic name is cached, as a recording repeats a limited set of names."""

    def __init__(self, topics: Sequence[str], exclude: Sequence[str] = ()):
        self.topics, self.exclude = tuple(topics), tuple(exclude)
        self._cache: dict[str, bool] = {}

    def __call__(self, topic: str) -> bool:
        hit = self._cache.get(topic)
        if hit is None:
            hit = matches_any(topic, self.topics) and not matches_any(topic, self.exclude)
            if len(self._cache) < 100_000:
                self._cache[topic] = hit
        return hit


def _json_field(payload: bytes, key: str) -> Any:
    """A top-level field of a JSON object payload, or None."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return doc.get(key) if isinstance(doc, dict) else None


def _tick_seq(payload: bytes) -> int | None:
    """The `seq` of a clock tick or acknowledgement (None when it has none)."""
    seq = _json_field(payload, "seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


# --------------------------------------------------------------------------- MQTT


def _client(client_id: str, protocol: int) -> mqtt.Client:
    # MQTT 5 has no clean_session (the connect call's clean_start says it); 3.1.1 starts clean.
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


class _Connack:
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


def _connect(
    client: mqtt.Client,
    connack: _Connack,
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


# --------------------------------------------------------------------------- recorder


@dataclass
class RecordSummary:
    path: Path
    messages: int
    payload_bytes: int
    file_bytes: int
    retained: int
    elapsed_s: float
    by_kind: dict[str, int]
    protocol: str
    reconnects: int
    dropped: int  # received but not written (the file could not be written)
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else 0.0


class Recorder:
    """Subscribes (QoS 1) to `topics` and writes every message to `out` in arrival order.

    `start()` connects (MQTT 5, or 3.1.1 when the broker speaks only that), writes the header
    and subscribes; `stop()` disconnects, writes what is left and returns a summary. paho's
    thread only timestamps and queues messages; a writer thread encodes and writes them, so a
    slow disk does not hold up the broker connection.
    """

    def __init__(
        self,
        broker: BrokerAddress,
        out: Path,
        topics: Sequence[str] = DEFAULT_RECORD_TOPICS,
        include_retained: bool = True,
        mode: RecordMode = "new",
        client_id: str | None = None,
        flush_interval_s: float = _FLUSH_S,
    ):
        if not topics:
            raise ValueError("record at least one topic filter")
        self.broker = broker
        self.out = Path(out)
        self.topics = tuple(topics)
        self.include_retained = include_retained
        self.mode: RecordMode = mode
        self.client_id = client_id or f"citysim-recorder-{secrets.token_hex(4)}"
        self.flush_interval_s = flush_interval_s
        self.protocol = "MQTTv5"
        self.messages = 0
        self.payload_bytes = 0
        self.retained = 0
        self.reconnects = 0
        self.dropped = 0
        self.error: str | None = None
        self._by_kind: Counter[str] = Counter()
        self._queue: queue.SimpleQueue[tuple[float, int, str, int, bool, bytes] | None] = (
            queue.SimpleQueue()
        )
        self._count = threading.Condition()
        self._received = 0
        self._client: mqtt.Client | None = None
        self._writer: RecordingWriter | None = None
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self._suback = threading.Event()
        self._sub_failed: str | None = None
        self._connected_once = False
        self._stopped: RecordSummary | None = None

    # ---------------------------------------------------------------- control
    def start(self, timeout: float = 10.0) -> Recorder:
        """Connect, write the header, subscribe; returns once the broker has confirmed the
        subscription (everything published after that is recorded)."""
        if self.mode == "new":
            _refuse_existing(self.out)  # before connecting: the user's to settle, not the broker's
        client = self._connect(timeout)
        try:
            header = make_header(
                self.broker,
                self.topics,
                protocol=self.protocol,
                retain="as_published" if self.protocol == "MQTTv5" else "on_subscribe",
                include_retained=self.include_retained,
                client_id=self.client_id,
            )
            self._writer = RecordingWriter(self.out, header, self.mode)
        except BaseException:
            client.disconnect()
            client.loop_stop()
            raise
        self._thread = threading.Thread(
            target=self._write_loop, name="recorder-writer", daemon=True
        )
        self._thread.start()
        self._t0 = time.monotonic()
        self._subscribe(client)
        if not self._suback.wait(timeout) or self._sub_failed:
            self.stop()
            raise ConnectionError(
                f"recorder: the broker {self.broker.url} "
                f"{self._sub_failed or 'did not confirm the subscription'}"
            )
        return self

    def stop(self) -> RecordSummary:
        """Disconnect, write everything received, close the file. Stopping again returns the
        same summary."""
        if self._stopped is not None:
            return self._stopped
        if self._client is not None:
            self._client.disconnect()
            self._client.loop_stop()
        elapsed = time.monotonic() - self._t0 if self._t0 else 0.0
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
        file_bytes = 0
        if self._writer is not None:
            with contextlib.suppress(OSError):
                self._writer.close()
            file_bytes = self.out.stat().st_size if self.out.exists() else 0
        self._stopped = RecordSummary(
            self.out,
            self.messages,
            self.payload_bytes,
            file_bytes,
            self.retained,
            elapsed,
            dict(self._by_kind.most_common()),
            self.protocol,
            self.reconnects,
            self.dropped,
            self.error,
        )
        return self._stopped

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def received(self) -> int:
        """Messages received so far (written or about to be)."""
        return self._received

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self._t0 if self._t0 else 0.0

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until at least `count` messages have been received; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._count:
            while self._received < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._count.wait(left)
        return True

    # ---------------------------------------------------------------- MQTT
    def _connect(self, timeout: float) -> mqtt.Client:
        for protocol in (mqtt.MQTTv5, mqtt.MQTTv311):
            connack = _Connack()
            client = _client(self.client_id, protocol)
            client.on_connect = lambda c, u, f, rc, p, ack=connack: self._on_connect(c, f, rc, ack)
            client.on_subscribe = self._on_subscribe
            client.on_message = self._on_message
            # A clean session each time: no CONNECT properties (session expiry), which an
            # MQTT 3.1.1 broker such as amqtt misreads and hangs on instead of refusing MQTT 5.
            reason = _connect(client, connack, self.broker, "recorder", timeout)
            if reason is not None and not reason.is_failure:
                self.protocol = "MQTTv5" if protocol == mqtt.MQTTv5 else "MQTTv311"
                self._client = client
                return client
            client.loop_stop()
            if protocol == mqtt.MQTTv5 and (
                reason is None or reason.getName() == "Unsupported protocol version"
            ):
                continue  # an MQTT 3.1.1 broker (amqtt): record without "retain as published"
            why = f"refused the connection: {reason}" if reason else "closed the connection"
            raise ConnectionError(f"recorder: MQTT broker {self.broker.url} {why}")
        raise AssertionError("unreachable")

    def _subscribe(self, client: mqtt.Client) -> None:
        if self.protocol == "MQTTv5":
            # After a reconnect the retained messages come again: what they hold may have
            # changed while the recorder was away.
            handling = (
                SubscribeOptions.RETAIN_SEND_ON_SUBSCRIBE
                if self.include_retained
                else SubscribeOptions.RETAIN_DO_NOT_SEND
            )
            client.subscribe(
                [
                    (t, SubscribeOptions(qos=1, retainAsPublished=True, retainHandling=handling))
                    for t in self.topics
                ]
            )
        else:
            client.subscribe([(t, 1) for t in self.topics])

    def _on_connect(
        self, client: mqtt.Client, flags: Any, reason_code: mqtt.ReasonCode, connack: _Connack
    ) -> None:
        connack(reason_code)
        if reason_code.is_failure:
            return
        if self._connected_once:  # a clean session again: subscribe again
            self.reconnects += 1
            self._subscribe(client)
        self._connected_once = True

    def _on_subscribe(
        self,
        client: mqtt.Client,
        userdata: object,
        mid: int,
        reason_codes: list[mqtt.ReasonCode],
        properties: object,
    ) -> None:
        failed = [str(rc) for rc in reason_codes if rc.is_failure]
        if failed:
            self._sub_failed = f"refused the subscription: {', '.join(failed)}"
        self._suback.set()

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        if self.protocol != "MQTTv5" and message.retain and not self.include_retained:
            return  # MQTT 3.1.1: a retained message here is one delivered at subscription
        self._queue.put(
            (
                now - self._t0,
                time.time_ns() // 1_000_000,
                message.topic,
                message.qos,
                bool(message.retain),
                message.payload,
            )
        )
        with self._count:
            self._received += 1
            self._count.notify_all()

    # ---------------------------------------------------------------- writer
    def _write_loop(self) -> None:
        writer = self._writer
        assert writer is not None
        last_flush = time.monotonic()
        dirty = False
        while True:
            try:
                item = self._queue.get(timeout=self.flush_interval_s)
            except queue.Empty:
                item = ...  # nothing new: only flush
            items = [item] if item is not ... else []
            while len(items) < 10_000:  # take what has piled up, write it in one go
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done = None in items
            lines = [self._encode(i) for i in items if i is not None and i is not ...]
            if lines and self.error is None:
                try:
                    writer.write(b"".join(lines))
                    dirty = True
                except OSError as err:
                    self.error = f"cannot write {self.out}: {err}"
            if self.error is not None:
                self.dropped += len(lines)
            now = time.monotonic()
            if dirty and (done or now - last_flush >= self.flush_interval_s):
                try:
                    writer.flush()
                except OSError as err:
                    self.error = self.error or f"cannot write {self.out}: {err}"
                last_flush, dirty = now, False
            if done:
                return

    def _encode(self, item: tuple[float, int, str, int, bool, bytes]) -> bytes:
        t, at, topic, qos, retain, payload = item
        self.messages += 1
        self.payload_bytes += len(payload)
        self.retained += retain
        ref = parse_topic(topic)
        self._by_kind[ref.kind if ref else "other"] += 1
        return encode_record(t, at, topic, qos, retain, payload)


# --------------------------------------------------------------------------- replayer


@dataclass(frozen=True)
class ReplayProgress:
    done: int  # selected records published so far
    total: int  # selected records in the file
    t: float  # recorded seconds of the last published record (from the first selected one)
    elapsed_s: float


@dataclass
class ReplayResult:
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
        connack = _Connack()
        client = _client(self.client_id, mqtt.MQTTv311)
        client.max_inflight_messages_set(self.max_inflight)
        client.on_connect = lambda c, u, f, rc, p: connack(rc)
        client.on_publish = self._on_publish
        client.on_message = self._on_ack
        client.on_subscribe = lambda *a: self._suback.set()
        reason = _connect(client, connack, self.broker, "replay", 10.0)
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
                last_tick = _tick_seq(rec.payload)
                if self._run_id is None:
                    with self._cond:
                        self._run_id = _json_field(rec.payload, "run_id")
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
        seq = _tick_seq(message.payload)
        run_id = _json_field(message.payload, "run_id")
        with self._cond:
            if seq is not None and run_id is not None and run_id == self._run_id:
                self._acked_tick = max(self._acked_tick, seq)
                self._cond.notify_all()
