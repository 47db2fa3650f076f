"""The recording file format (`citysim record` writes it, `citysim replay` reads it).

One recording = one file of JSON lines, UTF-8, optionally gzip-compressed (written compressed
when the name ends with `.gz`; read by magic bytes, whatever the name). The first line is a
header; every other line is one message, in the order the recorder received it:

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
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from ioc.contract import TOPIC_ROOT, BrokerAddress, Topics

FORMAT = "citysim-recording"
VERSION = 1
DEFAULT_RECORD_TOPICS: tuple[str, ...] = (f"{TOPIC_ROOT}/#",)
# What an IOC consumes (the clock tick is among the inputs), and what it produces itself.
DEFAULT_REPLAY_TOPICS: tuple[str, ...] = Topics.IOC_INPUTS
IOC_OUTPUTS: tuple[str, ...] = (Topics.TASKS_ALL, Topics.COMMANDS_ALL, Topics.ACK)
ALL_TOPICS: tuple[str, ...] = ("#",)

GZIP_MAGIC = b"\x1f\x8b"


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
    """Whether a file is gzip-compressed (by its magic bytes)."""
    with open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC
