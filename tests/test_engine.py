"""The IOC engine fed contract messages directly: alarms to cases, the flow's timers, event-time
ordering behind clock ticks, deduplication, dead letters and restart from the store.
(What it publishes is captured from its publish callback; MQTT itself is covered by
test_service.py and test_e2e.py.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from ioc.config import DEFAULT_RULES, load_catalogue, load_rules
from ioc.contract import (
    ClockAck,
    ClockTick,
    DeviceAnnouncement,
    DeviceInfo,
    Dispatch,
    DispatchReport,
    GatewayStatus,
    Topics,
    decode,
    encode,
    telemetry_payload,
)
from ioc.engine import Engine
from ioc.store import Store

T0 = 1_784_044_800_000  # 2026-07-15T00:00:00+08:00
MIN = 60_000
GW = "gw-g1"


class Harness:
    def __init__(self, data: Path):
        self.data = data
        self.sent: list[tuple[str, bytes]] = []
        self.msg_seq: Counter[str] = Counter()
        self.tick_seq = 0
        self.engine = self._engine()

    def _engine(self) -> Engine:
        cat = load_catalogue()
        return Engine(Store(self.data), cat, load_rules(DEFAULT_RULES, cat),
                      lambda topic, payload: self.sent.append((topic, payload)))

    def restart(self) -> None:
        self.engine.store.close()
        self.engine = self._engine()

    def next_seq(self, source: str) -> int:
        self.msg_seq[source] += 1
        return self.msg_seq[source]

    def announce(self, *devices: tuple[str, str, float, float], interval_s: float = 60) -> None:
        infos = [DeviceInfo(device_id=d, kind=k, lon=lon, lat=lat, grid="g1",
                            interval_s=interval_s) for d, k, lon, lat in devices]
        msg = DeviceAnnouncement(source=GW, msg_seq=self.next_seq(GW), ts=T0, devices=infos)
        self.engine.handle(Topics.devices(GW), encode(msg))

    def readings(self, device: str, metric: str, values: list[tuple[int, float]],
                 first_seq: int = 1) -> None:
        rows = [{"device_id": device, "seq": first_seq + i, "ts": T0 + t_min * MIN,
                 "values": {metric: v}} for i, (t_min, v) in enumerate(values)]
        self.engine.handle(Topics.telemetry(GW), telemetry_payload(GW, self.next_seq(GW), rows))

    def tick(self, t_min: int, published: dict[str, int] | None = None) -> None:
        self.tick_seq += 1
        tick = ClockTick(run_id="run-1", seq=self.tick_seq, ts=T0 + t_min * MIN,
                         published=dict(self.msg_seq) if published is None else published)
        self.engine.handle(Topics.TICK, encode(tick))

    def report(self, d: Dispatch, t_min: int, outcome: str = "resolved") -> None:
        src = f"dept-{d.department}"
        rep = DispatchReport(source=src, msg_seq=self.next_seq(src), ts=T0 + t_min * MIN,
                             dispatch_id=d.dispatch_id, case_id=d.case_id,
                             department=d.department, status="done", outcome=outcome,
                             crew="crew-1", arrived_ts=T0 + (t_min - 5) * MIN)
        self.engine.handle(Topics.report(d.department), encode(rep))

    def dispatches(self) -> list[Dispatch]:
        return [decode(Dispatch, p) for t, p in self.sent if t.endswith("/dispatch")]

    def acks(self) -> list[ClockAck]:
        return [decode(ClockAck, p) for t, p in self.sent if t == Topics.ACK]

    def case(self, case_id: str = "C000001") -> dict[str, Any]:
        found = self.engine.case(case_id)
        assert found is not None, f"no case {case_id}; cases: {self.engine.cases()}"
        return found


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    return Harness(tmp_path / "ioc")


def actions(case: dict[str, Any]) -> list[str]:
    return [e["action"] for e in case["timeline"]]


def fire(h: Harness, device: str = "SD-1", start: int = 0, minutes: int = 4) -> None:
    h.readings(device, "smoke_pct_m", [(start + m, 8.0) for m in range(minutes)])


def test_alarm_becomes_a_case_that_is_dispatched_handled_verified_and_closed(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    fire(h)
    h.tick(5)
    d = h.dispatches()
    assert len(d) == 1 and d[0].department == "fire" and d[0].category == "IOT-02"
    assert d[0].ts == T0 + 2 * MIN  # raised when the condition had held for_s = 120 s
    assert d[0].deadline_ts == d[0].ts + 60 * MIN  # 1 h limit from the catalogue
    assert h.acks()[-1].published == {"ioc": 1}
    assert actions(h.case()) == ["reported", "accepted", "filed", "dispatched"]

    h.report(d[0], t_min=30)
    h.readings("SD-1", "smoke_pct_m", [(m, 0.05) for m in range(25, 60)], first_seq=5)
    h.tick(60)
    case = h.case()
    assert actions(case) == ["reported", "accepted", "filed", "dispatched", "handled",
                             "verified", "closed"]
    assert case["closure_type"] == "normal" and case["on_time"] is True
    assert case["closed_ts"] == T0 + 40 * MIN  # 核查 10 min after 处置, alarm already clear
    assert case["timeline"][4]["actor"] == "dept:fire/crew-1"
    k = h.engine.kpis()
    assert (k["reported"], k["closed"], k["due_to_close"], k["closure_rate"]) == (1, 1, 1, 1.0)


def test_tick_waits_for_every_announced_message(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    h.tick(10, published={GW: 2})  # the batch with msg_seq 2 has not arrived yet
    assert h.acks() == [] and h.engine.health()["waiting_for"] == {GW: 1}
    fire(h)
    assert [a.seq for a in h.acks()] == [1]
    assert len(h.dispatches()) == 1


def test_events_are_processed_in_event_time_not_arrival_order(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    h.readings("SD-1", "smoke_pct_m", [(2, 8.0), (3, 8.0)], first_seq=3)  # later half first
    h.readings("SD-1", "smoke_pct_m", [(0, 8.0), (1, 8.0)], first_seq=1)
    h.tick(5)
    assert h.dispatches()[0].ts == T0 + 2 * MIN
    assert h.engine.health()["late_events"] == 0


def test_duplicates_are_dropped(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    rows = [{"device_id": "SD-1", "seq": 1, "ts": T0, "values": {"smoke_pct_m": 0.1}}]
    payload = telemetry_payload(GW, h.next_seq(GW), rows)
    h.engine.handle(Topics.telemetry(GW), payload)
    h.engine.handle(Topics.telemetry(GW), payload)  # QoS 1 redelivery
    h.engine.handle(Topics.telemetry(GW), telemetry_payload(GW, h.next_seq(GW), rows))
    h.tick(5)
    c = h.engine.health()["counters"]
    assert c["readings"] == 1 and c["duplicate_messages"] == 1 and c["duplicate_readings"] == 1


def test_overdue_note_at_the_deadline(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    fire(h)
    for t in range(10, 90, 10):
        h.tick(t)
    case = h.case()
    assert actions(case)[-1] == "overdue" and case["overdue"]
    assert case["timeline"][-1]["ts"] == T0 + 62 * MIN
    assert h.engine.kpis()["due_to_close"] == 1  # overdue and not handled


def test_failed_recheck_sends_the_case_back(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    fire(h)
    h.tick(5)
    h.report(h.dispatches()[0], t_min=20)
    # the detector keeps reading smoke: 核查 fails after verify_limit_min (120) from 处置
    h.readings("SD-1", "smoke_pct_m", [(m, 8.0) for m in range(4, 150)], first_seq=5)
    h.tick(150)
    case = h.case()
    assert "verify_failed" in actions(case) and case["rework"] == 1
    d = h.dispatches()
    assert len(d) == 2 and d[1].rework and d[1].dispatch_id == "C000001-D2"
    assert d[1].ts == T0 + 140 * MIN
    h.report(d[0], t_min=150)  # a report on the old dispatch is stale
    h.tick(155)
    assert h.engine.health()["counters"]["dead_letters.stale_report"] == 1


def test_nearby_detectors_merge_but_lamps_stay_separate(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4),
               ("SD-2", "smoke_detector", 116.0005, 36.4),   # ~45 m east
               ("SD-3", "smoke_detector", 116.01, 36.4),     # ~900 m east
               ("SP-1", "smart_pole", 116.0, 36.41),
               ("SP-2", "smart_pole", 116.0005, 36.41))
    for dev in ("SD-1", "SD-2", "SD-3"):
        fire(h, dev)
    for dev in ("SP-1", "SP-2"):
        h.readings(dev, "lamp_fault", [(0, 1.0)])
    h.tick(10)
    cases = h.engine.cases()
    smoke = [c for c in cases if c["category"] == "IOT-02"]
    lamps = [c for c in cases if c["category"] == "IOT-03"]
    assert sorted(len(c["device_ids"]) for c in smoke) == [1, 2]
    assert [c["device_ids"] for c in lamps] == [["SP-1"], ["SP-2"]]
    assert h.engine.kpis()["duplicate_reports"] == 1


def test_bad_input_is_dead_lettered_and_ingest_goes_on(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    h.engine.handle(Topics.telemetry(GW), b"\xff\xfe not json")
    bad = orjson.dumps({"v": 1, "source": GW, "msg_seq": h.next_seq(GW),
                        "readings": [{"device_id": "SD-1", "seq": 1, "ts": "noon",
                                      "values": {"smoke_pct_m": 1}}]})
    h.engine.handle(Topics.telemetry(GW), bad)
    h.readings("SD-9", "smoke_pct_m", [(0, 1.0)])  # never registered
    h.engine.handle("citysim/v1/gw/gw-g1/oops", b"{}")
    h.engine.handle(Topics.telemetry("gw-other"), telemetry_payload(
        GW, 99, [{"device_id": "SD-1", "seq": 9, "ts": T0, "values": {"x": 1.0}}]))
    fire(h)
    h.tick(5)  # the schema-bad message still counts as received: the tick is not stuck
    assert len(h.acks()) == 1 and len(h.dispatches()) == 1
    counts = h.engine.store.dead_letter_counts()
    assert counts == {"invalid_json": 1, "schema": 1, "unknown_device": 1,
                      "unknown_topic": 1, "source_mismatch": 1}
    letters = {d["reason"]: d for d in h.engine.store.dead_letters()}
    assert "readings[0].ts" in letters["schema"]["detail"]
    assert "SD-9" in letters["unknown_device"]["payload"]


def test_gateway_status_is_checked_and_listed(h: Harness) -> None:
    h.engine.handle(Topics.gateway_status(GW), encode(
        GatewayStatus(gateway_id=GW, status="online", ts=T0)))
    h.engine.handle(Topics.gateway_status(GW), encode(
        GatewayStatus(gateway_id="gw-elsewhere", status="offline")))
    assert h.engine.gateway_status() == [
        {"gateway_id": GW, "status": "online", "ts": T0,
         "received_at": h.engine.gateway_status()[0]["received_at"]}]
    assert h.engine.store.dead_letter_counts() == {"source_mismatch": 1}


def test_ticks_from_another_run_are_refused(h: Harness) -> None:
    h.tick(1)
    other = ClockTick(run_id="run-2", seq=2, ts=T0 + 2 * MIN, published={})
    h.engine.handle(Topics.TICK, encode(other))
    assert h.engine.store.dead_letter_counts() == {"foreign_run": 1}
    h.tick(1)  # a redelivered tick is acknowledged again and changes nothing
    assert h.engine.health()["ticks"] == 2


def test_device_online_rate_follows_missed_intervals(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4), ("SD-2", "smoke_detector", 116.0, 36.5))
    h.readings("SD-1", "smoke_pct_m", [(m, 0.1) for m in range(0, 180)])
    h.readings("SD-2", "smoke_pct_m", [(m, 0.1) for m in range(0, 30)])  # goes silent
    h.tick(180)
    k = h.engine.kpis()
    assert k["online_samples"] == 2  # 01:00 and 02:00
    assert k["device_online_rate"] == 0.5
    assert h.engine.health()["devices_online"] == 1


def test_restart_rebuilds_state_from_the_store(h: Harness) -> None:
    h.announce(("SD-1", "smoke_detector", 116.0, 36.4))
    fire(h)
    h.tick(5)
    h.report(h.dispatches()[0], t_min=20)
    h.tick(25)
    before = h.engine.cases()
    h.restart()
    assert h.engine.cases() == before and h.engine.health()["ticks"] == 2
    h.readings("SD-1", "smoke_pct_m", [(m, 0.05) for m in range(10, 60)], first_seq=5)
    h.tick(60)
    assert h.case()["stage"] == "closed"
    assert [e["seq"] for e in h.case()["timeline"]] == list(range(1, 8))
