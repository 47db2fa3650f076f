"""`citysim record` / `citysim replay`: the file format, order and timing of a replay, bad
files, and the round trip that matters: a recorded run replayed into a fresh IOC gives the
live run's case log."""

from __future__ import annotations

import itertools
import json
import secrets
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CITYSIM, ROOT, MqttProbe, start_ioc

from ioc.contract import Topics
from sim.tools.recording import (
    ALL_TOPICS,
    Record,
    Recorder,
    RecordingError,
    RecordingReader,
    RecordingWriter,
    Replayer,
    encode_record,
    make_header,
    read_recording,
    scan_recording,
)

RECORDING_CLI = [sys.executable, "-m", "sim.tools.recording.cli"]

# Payloads a recording must keep byte for byte: every byte value, invalid UTF-8, nothing,
# NUL, text with characters JSON treats specially, and ordinary JSON.
PAYLOADS = [
    bytes(range(256)),
    b"\xff\xfe\x80",
    b"",
    b"\x00",
    '中文 \u2028 "q" \\ \n\t'.encode(),
    b'{"v":1,"source":"gw-1","msg_seq":1}',
    b"\xed\xa0\x80",
]  # the last: a surrogate


def write_recording(path: Path, records: list[tuple[float, str, bytes, bool]]) -> None:
    writer = RecordingWriter(path, make_header(None, ALL_TOPICS))
    for t, topic, payload, retain in records:
        writer.write(encode_record(t, 0, topic, 1, retain, payload))
    writer.close()


def prefix() -> str:
    """A topic tree of its own, so that tests sharing the session broker do not meet."""
    return f"test/recording/{secrets.token_hex(4)}"


@pytest.mark.parametrize("name", ["day.jsonl", "day.jsonl.gz"])
def test_file_format_round_trip_is_exact(tmp_path, name) -> None:
    path = tmp_path / name
    written = [
        Record(0.5 * i, 1_700_000_000_000 + i, f"a/{i}", i % 2, i % 3 == 0, p)
        for i, p in enumerate(PAYLOADS)
    ]
    writer = RecordingWriter(path, make_header(None, ("a/#",)))
    for r in written:
        writer.write(encode_record(r.t, r.at_ms, r.topic, r.qos, r.retain, r.payload))
    writer.close()
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    assert list(read_recording(path)) == written

    # A second session appended: a new segment, joined end to end in time.
    with pytest.raises(FileExistsError):
        RecordingWriter(path, make_header(None, ("a/#",)))
    more = RecordingWriter(path, make_header(None, ("a/#",)), mode="append")
    more.write(encode_record(0.25, 0, "b", 1, True, b"\x01"))
    more.close()
    reader = RecordingReader(path)
    records = list(reader)
    assert records[:-1] == written and reader.segments == 2
    assert records[-1] == Record(written[-1].t + 0.25, 0, "b", 1, True, b"\x01")


def test_a_killed_recorder_leaves_a_readable_file(tmp_path) -> None:
    plain = tmp_path / "cut.jsonl"
    write_recording(plain, [(0.0, "a", b"1", False), (0.1, "a", b"2", False)])
    plain.write_bytes(plain.read_bytes() + b'{"t":0.2,"at":0,"top')  # killed mid-line
    info = scan_recording(plain)
    assert info.records == 2 and "line 4 is incomplete" in (info.truncated or "")
    # Appending drops the broken line, so the new segment starts cleanly.
    RecordingWriter(plain, make_header(None, ALL_TOPICS), mode="append").close()
    assert scan_recording(plain).truncated is None

    # gzip: what was written before the last (sync) flush survives a kill.
    gz = tmp_path / "cut.jsonl.gz"
    writer = RecordingWriter(gz, make_header(None, ALL_TOPICS))
    writer.write(encode_record(0.0, 0, "a", 1, False, b"kept"))
    writer.flush()
    writer.write(encode_record(0.1, 0, "a", 1, False, b"lost"))  # still in zlib's buffer
    killed = tmp_path / "killed.jsonl.gz"
    killed.write_bytes(gz.read_bytes())  # the file as a killed process leaves it
    writer.close()
    reader = RecordingReader(killed)
    assert [r.payload for r in reader] == [b"kept"]
    assert reader.truncated and "ends abruptly" in reader.truncated

    # Damage is not a cut: an error, not a quiet end.
    long = tmp_path / "long.jsonl.gz"
    write_recording(long, [(i / 10, "a", b"%d" % i, False) for i in range(5000)])
    data = bytearray(long.read_bytes())
    data[len(data) * 4 // 5] ^= 0xFF
    damaged = tmp_path / "damaged.jsonl.gz"
    damaged.write_bytes(bytes(data))
    with pytest.raises(RecordingError, match=r"damaged\.jsonl\.gz: record \d+ \(line \d+\)"):
        scan_recording(damaged)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "line 1: empty"),
        (b"hello\n", "line 1: not a citysim recording"),
        (b'{"format": "citysim-recording", "version": 9}\n', "line 1: recording format version 9"),
        (b"{H}\n{R}\nnot json\n{R}\n", "record 2 (line 3): not JSON"),
        (
            b'{H}\n{"t": 0, "at": 0, "topic": "a/#", "qos": 1, "retain": false, "p": ""}\n',
            "record 1 (line 2): `topic` must be a topic name without wildcards",
        ),
        (
            b'{H}\n{R}\n{R}\n{"t": 0, "at": 0, "topic": "a", "qos": 1, "retain": 0, "p": ""}\n',
            "record 3 (line 4): `retain` must be true or false",
        ),
        (
            b'{H}\n{"t": -1, "at": 0, "topic": "a", "qos": 1, "retain": false, "p": ""}\n',
            "record 1 (line 2): `t` must be seconds >= 0",
        ),
        (
            b'{H}\n{"t": 0, "at": 0, "topic": "a", "qos": 1, "retain": false, "b64": "!!"}\n',
            "record 1 (line 2): `b64` is not valid base64",
        ),
        (
            b'{H}\n{"t": 0, "at": 0, "topic": "a", "qos": 1, "retain": false}\n',
            "record 1 (line 2): a record holds its payload in exactly one of",
        ),
        (b"{H}\n[1, 2]\n", "record 1 (line 2): a record must be a JSON object"),
    ],
)
def test_a_bad_file_is_refused_naming_the_record(tmp_path, mosquitto, content, problem) -> None:
    header = json.dumps(make_header(None, ALL_TOPICS)).encode()
    good = b'{"t": 0, "at": 0, "topic": "%s", "qos": 1, "retain": false, "p": "x"}'
    topic = prefix()
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content.replace(b"{H}", header).replace(b"{R}", good % topic.encode()))
    with pytest.raises(RecordingError) as err:
        scan_recording(path)
    assert str(err.value).startswith(f"{path}: ") and problem in str(err.value)

    # Nothing is published from a bad file: it is checked as a whole first.
    probe = MqttProbe(mosquitto, [f"{topic}/#"])
    try:
        with pytest.raises(RecordingError):
            Replayer(mosquitto.address, path, topics=ALL_TOPICS).run()
        probe.publish(f"{topic}/marker", b"after")
        probe.wait_for(lambda t, p: t.endswith("/marker"))
        assert [t for t, _ in probe.messages] == [f"{topic}/marker"]
    finally:
        probe.close()

    # The command line says the same and exits with 2.
    proc = subprocess.run(
        [
            *RECORDING_CLI,
            "replay",
            str(path),
            "--broker",
            mosquitto.address.url,
            "--all-topics",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 2 and problem in " ".join(proc.stderr.split()), proc.stderr


def test_record_then_replay_round_trip_is_identical(tmp_path, mosquitto) -> None:
    """Arbitrary payloads and retain flags survive broker -> file -> broker -> file."""
    topic = prefix()
    probe = MqttProbe(mosquitto, [])
    try:
        # Retained before the recorder starts: recorded (flagged) when it subscribes.
        probe.client.publish(
            f"{topic}/old", b"retained earlier", qos=1, retain=True
        ).wait_for_publish(5)
        first = Recorder(mosquitto.address, tmp_path / "first.jsonl.gz", (f"{topic}/#",)).start()
        assert first.protocol == "MQTTv5"
        for i, payload in enumerate(PAYLOADS):
            probe.client.publish(f"{topic}/{i}", payload, qos=1, retain=i == 1).wait_for_publish(5)
        assert first.wait_for(len(PAYLOADS) + 1, 10)
        summary = first.stop()
        assert summary.messages == len(PAYLOADS) + 1 and summary.retained == 2
        recorded = list(read_recording(tmp_path / "first.jsonl.gz"))
        assert [(r.topic, r.payload, r.retain, r.qos) for r in recorded] == [
            (f"{topic}/old", b"retained earlier", True, 1),
            *((f"{topic}/{i}", p, i == 1, 1) for i, p in enumerate(PAYLOADS)),
        ]

        # Replayed and recorded again (without the broker's retained store this time).
        second = Recorder(
            mosquitto.address, tmp_path / "second.jsonl", (f"{topic}/#",), include_retained=False
        ).start()
        result = Replayer(
            mosquitto.address, tmp_path / "first.jsonl.gz", topics=(f"{topic}/#",)
        ).run()
        assert result.published == len(recorded) and result.skipped == 0
        assert second.wait_for(len(recorded), 10)
        second.stop()
        again = list(read_recording(tmp_path / "second.jsonl"))
        assert [(r.topic, r.payload, r.retain, r.qos) for r in again] == [
            (r.topic, r.payload, r.retain, r.qos) for r in recorded
        ]
    finally:
        for sub in ("old", "1"):  # leave no retained messages behind
            probe.client.publish(f"{topic}/{sub}", b"", qos=1, retain=True).wait_for_publish(5)
        probe.close()


def test_replay_keeps_order_and_timing_at_a_speed_factor(tmp_path, mosquitto) -> None:
    topic = prefix()
    source = tmp_path / "paced.jsonl"
    write_recording(source, [(10 + 0.2 * i, f"{topic}/{i}", b"%d" % i, False) for i in range(5)])
    with Recorder(mosquitto.address, tmp_path / "arrived.jsonl", (f"{topic}/#",)) as rec:
        result = Replayer(mosquitto.address, source, speed=2, topics=ALL_TOPICS).run()
        assert rec.wait_for(5, 10)
    arrived = list(read_recording(tmp_path / "arrived.jsonl"))
    assert [r.payload for r in arrived] == [b"0", b"1", b"2", b"3", b"4"]
    # 0.2 s apart at speed 2: 0.1 s. Each is due at start + t / speed, so none is early (by
    # more than the first one's delivery jitter); late by no more than a loaded machine's
    # scheduling.
    offsets = [r.t - arrived[0].t for r in arrived]
    assert result.elapsed_s >= 0.4 and result.span_s == pytest.approx(0.8)
    assert all(off >= 0.1 * i - 0.05 for i, off in enumerate(offsets)), offsets
    assert offsets[-1] < 0.4 + 0.3, offsets
    assert statistics.median(b - a for a, b in itertools.pairwise(offsets)) == pytest.approx(
        0.1, abs=0.04
    )

    # As fast as possible, many in flight at once: the order is still exactly the file's.
    burst = tmp_path / "burst.jsonl"
    n = 3000
    write_recording(burst, [(0.0, f"{topic}/burst/{i % 7}", b"%d" % i, False) for i in range(n)])
    with Recorder(
        mosquitto.address, tmp_path / "burst-arrived.jsonl", (f"{topic}/burst/#",)
    ) as rec:
        result = Replayer(mosquitto.address, burst, topics=ALL_TOPICS, max_inflight=50).run()
        assert rec.wait_for(n, 30)
    assert result.published == n
    assert [int(r.payload) for r in read_recording(tmp_path / "burst-arrived.jsonl")] == list(
        range(n)
    )


def test_the_replay_command(tmp_path, mosquitto) -> None:
    topic = prefix()
    source = tmp_path / "small.jsonl.gz"
    write_recording(
        source,
        [
            (0.0, f"{topic}/a", b"1", False),
            (0.01, f"{topic}/b", b"2", False),
            (0.02, f"{topic}/c", b"3", False),
        ],
    )
    probe = MqttProbe(mosquitto, [f"{topic}/#"])
    try:
        proc = subprocess.run(
            [
                *RECORDING_CLI,
                "replay",
                str(source),
                "--broker",
                mosquitto.address.url,
                "--topic",
                f"{topic}/#",
                "--exclude",
                f"{topic}/b",
                "--speed",
                "10",
                "--quiet",
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        assert "replayed 2 of 3 messages (1 left out by topic)" in " ".join(proc.stderr.split())
        probe.wait_for(lambda t, p: p == b"3")
        assert probe.messages == [(f"{topic}/a", b"1"), (f"{topic}/c", b"3")]
    finally:
        probe.close()
    both = subprocess.run(
        [
            *RECORDING_CLI,
            "replay",
            str(source),
            "--broker",
            mosquitto.address.url,
            "--speed",
            "2",
            "--as-fast-as-possible",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert both.returncode == 2 and "not both" in both.stderr


def test_the_record_command_stops_cleanly_on_sigterm(tmp_path, mosquitto) -> None:
    topic = prefix()
    out = tmp_path / "cli.jsonl"
    probe = MqttProbe(mosquitto, [])
    probe.client.publish(topic, b"held", qos=1, retain=True).wait_for_publish(5)
    proc = subprocess.Popen(
        [
            *RECORDING_CLI,
            "record",
            "--broker",
            mosquitto.address.url,
            "--out",
            str(out),
            "--topics",
            topic,
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and b'"held"' in out.read_bytes()):  # flushed within 0.5 s
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
        probe.client.publish(topic, b"", qos=1, retain=True).wait_for_publish(5)
        probe.close()
    assert proc.returncode == 0, stderr
    assert "messages" in stderr and f"recorded to {out}" in " ".join(stderr.split())
    assert [(r.topic, r.payload, r.retain) for r in read_recording(out)] == [(topic, b"held", True)]
    # A second recording into the same file must be asked for.
    again = subprocess.run(
        [
            *RECORDING_CLI,
            "record",
            "--broker",
            mosquitto.address.url,
            "--out",
            str(out),
            "--duration",
            "0.1",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert again.returncode == 2 and "--append" in again.stderr


def test_a_recorded_run_replayed_into_a_fresh_ioc_gives_the_same_case_log(
    tmp_path, mosquitto
) -> None:
    """Record a lockstep run on the broker, replay it as fast as possible into a fresh IOC on
    the simulated clock: the same cases, timelines and KPIs. Then again with flow control."""
    recording = tmp_path / "run.jsonl.gz"
    with Recorder(mosquitto.address, recording) as recorder:
        live = subprocess.run(
            [
                *CITYSIM,
                "run",
                "scenarios/demo.yaml",
                "--seed",
                "7",
                "--hours",
                "6",
                "--out",
                str(tmp_path / "live"),
                "--quiet",
                "--broker",
                mosquitto.address.url,
            ],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert live.returncode == 0, live.stderr
    assert recorder.stop().messages > 1000
    live_cases = [
        json.loads(line) for line in (tmp_path / "live" / "cases.jsonl").read_text().splitlines()
    ]
    for case in live_cases:
        case.pop("matched_incidents")  # the simulator's scoring, not the IOC's
    live_kpis = json.loads((tmp_path / "live" / "summary.json").read_text())["kpis"]
    assert len(live_cases) >= 3

    info = scan_recording(recording, Topics.IOC_INPUTS)
    assert info.by_kind["tick"] == info.ticks == info.last_tick_seq == 6 * 60
    assert not {"task", "ack", "command"} & set(info.by_kind)  # the IOC makes its own

    # As fast as possible; the IOC catches up, and says so by acknowledging the last tick.
    ioc = start_ioc(mosquitto, tmp_path / "fast-data", tmp_path / "fast.log", "--clock", "sim")
    acks = MqttProbe(mosquitto, [Topics.ACK])
    try:
        result = Replayer(mosquitto.address, recording).run()
        assert result.published == info.selected and result.last_tick_seq == info.last_tick_seq
        acks.wait_for(lambda t, p: json.loads(p)["seq"] == info.last_tick_seq, timeout=120)
        cases = sorted(ioc.client.cases(), key=lambda c: c["case_id"])
        kpis = ioc.client.kpis()
        health = ioc.client.health()
    finally:
        acks.close()
        ioc.client.close()
        ioc.proc.terminate()
        ioc.proc.wait(30)
    assert cases == live_cases
    assert kpis == live_kpis
    assert health["late_events"] == 0 and not health["counters"].get("dead_letters")

    # With flow control (at most 2 ticks ahead of the IOC): returns once the IOC is done.
    ioc = start_ioc(mosquitto, tmp_path / "paced-data", tmp_path / "paced.log", "--clock", "sim")
    try:
        Replayer(mosquitto.address, recording, ack_window=2).run()
        assert sorted(ioc.client.cases(), key=lambda c: c["case_id"]) == live_cases
    finally:
        ioc.client.close()
        ioc.proc.terminate()
        ioc.proc.wait(30)
