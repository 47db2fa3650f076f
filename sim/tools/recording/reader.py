"""Reading a recording: its records in order, validated as they are read; what a whole file
holds; which topics a replay selects."""

from __future__ import annotations

import base64
import binascii
import gzip
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
import paho.mqtt.client as mqtt

from ioc.contract import Topics, parse_topic
from sim.tools.recording.format import ALL_TOPICS, FORMAT, VERSION, Record, RecordingError, is_gzip


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
    """Whether a topic matches any of the MQTT filters."""
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
            info.last_tick_seq = tick_seq(rec.payload)
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


def json_field(payload: bytes, key: str) -> Any:
    """A top-level field of a JSON object payload, or None."""
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return doc.get(key) if isinstance(doc, dict) else None


def tick_seq(payload: bytes) -> int | None:
    """The `seq` of a clock tick or acknowledgement (None when it has none)."""
    seq = json_field(payload, "seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None
