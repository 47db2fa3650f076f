"""The wire contract: topics, payload validation with reasons, sequence tracking."""

from __future__ import annotations

import orjson
import pytest

from ioc.contract import (
    ClockTick,
    PayloadError,
    SeqTracker,
    TaskResult,
    TelemetryBatch,
    TopicRef,
    Topics,
    decode,
    encode,
    format_path,
    parse_broker_url,
    parse_topic,
    telemetry_payload,
)


def test_topics_round_trip() -> None:
    assert parse_topic(Topics.telemetry("gw-1")) == TopicRef("telemetry", "gw-1")
    assert parse_topic(Topics.devices("gw-1")) == TopicRef("devices", "gw-1")
    assert parse_topic(Topics.report("hotline")) == TopicRef("report", "hotline")
    assert parse_topic(Topics.task("dept", "fire")) == TopicRef("task", "fire", "dept")
    assert parse_topic(Topics.result("grid", "g1")) == TopicRef("result", "g1", "grid")
    assert parse_topic(Topics.org("city")) == TopicRef("org", "city")
    assert parse_topic(Topics.crew("fire")) == TopicRef("crew", "fire")
    assert parse_topic(Topics.TICK) == TopicRef("tick")
    for bad in (
        "citysim/v1/gw/gw-1/telemetry/extra",
        "citysim/v1/report/email",
        "citysim/v1/task/mayor/x",
        "citysim/v1/gw//telemetry",
        "other/v1/gw/x/telemetry",
    ):
        assert parse_topic(bad) is None, bad


def test_task_results_must_fit_their_task() -> None:
    base = {
        "source": "dept-fire",
        "msg_seq": 1,
        "ts": 1,
        "task_id": "C1-T1",
        "case_id": "C1",
        "actor": "crew-1",
    }
    assert TaskResult(kind="handle", outcome="returned", **base).outcome == "returned"
    for bad, why in (
        (dict(kind="check", outcome="done"), "not an answer to a check task"),
        (dict(kind="dispatch", outcome="dispatched"), "names the chosen unit"),
        (dict(kind="handle", outcome="extension"), "needs `extension_h`"),
    ):
        with pytest.raises(PayloadError, match=why):
            decode(TaskResult, orjson.dumps({**base, **bad, "v": 1}))


def test_fast_telemetry_builder_matches_the_model() -> None:
    readings = [
        {"device_id": "SD-0001", "seq": 1, "ts": 1_700_000_000_000, "values": {"smoke_pct_m": 0.05}}
    ]
    batch = decode(TelemetryBatch, telemetry_payload("gw-a", 3, readings))
    assert batch.source == "gw-a" and batch.msg_seq == 3
    assert batch.readings[0].values == {"smoke_pct_m": 0.05}
    assert decode(TelemetryBatch, encode(batch)) == batch


@pytest.mark.parametrize(
    ("payload", "reason", "fragment"),
    [
        (b"{not json", "invalid_json", ""),
        (
            b'{"v": 2, "source": "gw-a", "msg_seq": 1, "readings": []}',
            "unsupported_version",
            "v must",
        ),
        (
            b'{"v": 1, "source": "gw-a", "msg_seq": 1, "readings": [{"device_id": "D", "seq": 1, '
            b'"ts": "12", "values": {"x": 1}}]}',
            "schema",
            "readings[0].ts",
        ),
        (
            b'{"v": 1, "source": "gw-a", "msg_seq": 1, "readings": [{"device_id": "D", "seq": 1, '
            b'"ts": 12, "values": {"x": true}}]}',
            "schema",
            "readings[0].values.x",
        ),
        (b'{"v": 1, "source": "gw/a", "msg_seq": 1, "readings": []}', "schema", "source"),
        (
            b'{"v": 1, "source": "gw-a", "msg_seq": 1, "readings": [{"device_id": "D", "seq": 1, '
            b'"ts": 12, "values": {"x": NaN}}]}',
            "schema",
            "readings[0].values.x",
        ),
    ],
)
def test_bad_payloads_give_a_reason(payload: bytes, reason: str, fragment: str) -> None:
    with pytest.raises(PayloadError) as err:
        decode(TelemetryBatch, payload)
    assert err.value.reason == reason
    assert fragment in err.value.detail


def test_format_path() -> None:
    assert format_path(("fleets", 2, "interval_s")) == "fleets[2].interval_s"
    assert format_path(("params", True, "[key]")) == "params[True] (as a key)"
    assert format_path(()) == "(top level)"


def test_seq_tracker_dedupes_and_reports_contiguity() -> None:
    t = SeqTracker(window=4)
    assert t.add("a", 1) and t.add("a", 3)
    assert t.contiguous("a") == 1
    assert not t.add("a", 3) and not t.add("a", 1)  # duplicates
    assert not t.satisfies({"a": 3})
    assert t.missing({"a": 3, "b": 1}) == {"a": 2, "b": 1}
    assert t.add("a", 2)
    assert t.contiguous("a") == 3 and t.satisfies({"a": 3})


def test_seq_tracker_gives_up_on_a_gap_that_never_fills() -> None:
    t = SeqTracker(window=3)
    for s in (3, 4, 5, 6):  # 1 and 2 lost for good
        t.add("dev", s)
    assert t.contiguous("dev") == 6


def test_tick_manifest_is_part_of_the_payload() -> None:
    tick = ClockTick(run_id="r1", seq=5, ts=10, published={"gw-a": 7})
    assert orjson.loads(encode(tick))["published"] == {"gw-a": 7}


def test_broker_urls() -> None:
    assert parse_broker_url("mqtt://10.0.0.5:1884").port == 1884
    assert parse_broker_url("localhost").port == 1883
    for bad in ("http://x:1", "mqtt://:1883", "mqtt://h:notaport"):
        with pytest.raises(ValueError, match="broker URL"):
            parse_broker_url(bad)
