"""The IOC engine fed contract messages directly: the whole 一网统管 flow from three sources,
its side paths (回退, 返工, 延期, 挂账, 作废), per-stage timers, merging, nearest-crew dispatch,
working-time deadlines, event-time ordering behind clock ticks, deduplication, dead letters
and restart from the store. (What the IOC publishes is captured from its publish callback;
MQTT itself is covered by test_service.py and test_e2e.py.)"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from ioc_harness import CST, GW, LAT, LON, MIN, T0, UNITS, Harness

from ioc.contract import (
    ClockTick,
    CommandAck,
    CommandOutcome,
    CrewStatus,
    GatewayStatus,
    Task,
    Topics,
    encode,
    telemetry_payload,
)
from ioc.service.config import DEFAULT_IOC_CONFIG, load_ioc_config


@pytest.fixture
def h(tmp_path: Path) -> Harness:
    harness = Harness(tmp_path / "ioc")
    harness.org()
    return harness


def stages(case: dict[str, Any]) -> list[str]:
    return [e["action"] for e in case["timeline"] if e["action"] != "assigned"]


def smoke(h: Harness, device: str = "SD-1", start: int = 0, minutes: int = 4) -> None:
    h.readings(device, "smoke_pct_m", [(start + m, 8.0) for m in range(minutes)])


# ------------------------------------------------------------------ the three channels


def test_iot_emergency_files_itself_and_goes_to_the_nearest_crew(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT))
    smoke(h)
    h.tick(5)
    task = h.last("handle")
    assert (task.unit, task.crew, task.category) == ("fire", "fire-c1", "SJ0502")
    assert task.deadline_ts == T0 + 62 * MIN  # raised at 2 min; 1 h natural limit
    assert stages(h.case()) == ["reported", "accepted", "filed", "dispatched"]
    assert h.acks()[-1].published == {"ioc": 1}
    h.answer(task, "done", 31, handled_ts=T0 + 28 * MIN, arrived_ts=T0 + 10 * MIN)
    h.readings("SD-1", "smoke_pct_m", [(m, 0.05) for m in range(25, 60)], first_seq=5)
    h.tick(60)
    case = h.case()
    assert stages(case) == [
        "reported",
        "accepted",
        "filed",
        "dispatched",
        "handled",
        "feedback",
        "checked",
        "closed",
    ]
    assert case["handled_ts"] == T0 + 28 * MIN and case["closure_type"] == "normal"
    checked = next(e for e in case["timeline"] if e["action"] == "checked")
    assert checked["actor"] == "ioc:iot-recheck" and checked["ts"] == T0 + 41 * MIN


def test_hotline_report_goes_through_every_stage_with_people(h: Harness) -> None:
    h.report("hotline", "SJ0101", 0, ref="H-1")
    h.tick(1)
    h.answer(h.last("accept"), "accepted", 3)
    h.tick(4)
    verify = h.last("verify")
    assert (verify.role, verify.unit) == ("grid", "g1")
    h.answer(verify, "confirmed", 20, category="SJ0101")
    h.tick(21)
    h.answer(h.last("file"), "filed", 25)
    h.tick(26)
    dispatch = h.last("dispatch")
    assert dispatch.department == "san-s1"  # the IOC suggests the street's unit
    h.answer(dispatch, "dispatched", 30, department="san-s1")
    h.tick(31)
    handle = h.last("handle")
    assert handle.crew == "san-s1-c2"  # the nearer of the two crews
    h.answer(handle, "done", 75, handled_ts=T0 + 70 * MIN)
    h.tick(76)
    check = h.last("check")
    assert (check.role, check.unit) == ("grid", "g1")
    h.answer(check, "pass", 100)
    h.tick(101)
    case = h.case()
    assert stages(case) == [
        "reported",
        "accepted",
        "verified",
        "filed",
        "dispatched",
        "handled",
        "feedback",
        "checked",
        "closed",
    ]
    assert case["level"] == "street" and case["department"] == "san-s1"
    assert case["closure_type"] == "normal" and case["open_tasks"] == {}
    actors = {e["action"]: e["actor"] for e in case["timeline"]}
    assert actors["verified"].startswith("grid:g1/") and actors["handled"].startswith(
        "dept:san-s1/"
    )


def test_patrol_reports_are_filed_without_verification(h: Harness) -> None:
    h.report("patrol", "SJ0401", 0, ref="P-1")
    h.tick(1)
    h.answer(h.last("accept"), "accepted", 2)
    h.tick(3)
    assert h.tasks("verify") == [] and h.last("file").case_id == "C000001"


def test_a_shorter_pilot_flow_runs_its_own_stages(tmp_path: Path) -> None:
    cfg = load_ioc_config(DEFAULT_IOC_CONFIG)
    qz = load_ioc_config(DEFAULT_IOC_CONFIG).flow.model_copy(
        update={
            "stages": ["reported", "filed", "dispatched", "handled", "closed"],
            "limits": {},
            "verify_channels": [],
        }
    )
    h = Harness(tmp_path / "qz", cfg.model_copy(update={"flow": qz}))
    h.org()
    h.report("hotline", "SJ0101", 0, ref="H-1")
    h.tick(1)
    h.answer(h.last("file"), "filed", 5)
    h.tick(6)
    h.answer(h.last("dispatch"), "dispatched", 10, department="san-s1")
    h.tick(11)
    h.answer(h.last("handle"), "done", 40)
    h.tick(41)
    assert stages(h.case()) == ["reported", "filed", "dispatched", "handled", "closed"]


# ------------------------------------------------------------------ side paths


def file_and_dispatch(h: Harness, unit: str = "san-s1", t: float = 0, lon: float = LON) -> Task:
    h.report("patrol", "SJ0101", t, ref=f"P-{t}", lon=lon)
    h.tick(t + 1)
    h.answer(h.last("accept"), "accepted", t + 2)
    h.tick(t + 3)
    h.answer(h.last("file"), "filed", t + 4)
    h.tick(t + 5)
    h.answer(h.last("dispatch"), "dispatched", t + 6, department=unit)
    h.tick(t + 7)
    return h.last("handle")


def test_returned_dispatch_goes_back_to_the_desk(h: Harness) -> None:
    wrong = file_and_dispatch(h, unit="urban-s1")
    h.answer(wrong, "returned", 20, category="SJ0101", note="not ours")
    h.tick(21)
    case = h.case()
    assert case["stage"] == "filed" and case["returned"] == 1
    redo = h.last("dispatch")
    assert redo.department == "san-s1"
    h.answer(redo, "dispatched", 25, department="san-s1")
    h.tick(26)
    assert h.last("handle").unit == "san-s1"
    k = h.views.kpis()
    assert k["returned"] == 1 and k["accurate_dispatch_rate"] == 0.5


def test_failed_check_sends_the_case_back_to_the_same_unit(h: Harness) -> None:
    first = file_and_dispatch(h)
    h.answer(first, "done", 40)
    h.tick(41)
    h.answer(h.last("check"), "fail", 60)
    h.tick(61)
    again = h.last("handle")
    assert again.rework and again.unit == "san-s1" and again.task_id != first.task_id
    assert again.deadline_ts == first.deadline_ts  # 返工 keeps the time limit
    h.answer(again, "done", 90)
    h.tick(91)
    h.answer(h.last("check"), "pass", 100)
    h.tick(101)
    case = h.case()
    assert case["rework"] == 1 and case["closure_type"] == "error"
    assert "check_failed" in stages(case)


def test_extension_moves_the_deadline_on_the_working_calendar(h: Harness) -> None:
    task = file_and_dispatch(h)
    # SJ0101: 4 working hours from 00:06 on a Wednesday -> 12:06 (08:30-12:00 counts 3.5 h,
    # the last half hour after 13:30)... the calendar decides; we only compare with it.
    cal = h.engine.calendar
    assert task.deadline_ts == cal.add(T0 + 6 * MIN, h.config.catalogue.item("SJ0101").time_limit)
    h.answer(task, "extension", 30, extension_h=2.0, note="big pile")
    h.tick(31)
    approve = h.last("approve_extension")
    assert approve.extension_h == 2.0 and approve.department == "san-s1"
    h.answer(approve, "approved", 35)
    h.tick(36)
    case = h.case()
    from ioc.casework.vocabulary import TimeLimit

    assert case["deadline_ts"] == cal.add(task.deadline_ts, TimeLimit(value=2, unit="work_hours"))
    assert case["extensions"] == 1 and case["stage"] == "dispatched"
    h.answer(task, "done", 60)  # the handle task stays open across the extension
    h.tick(61)
    assert h.case()["stage"] == "feedback"


def test_parked_cases_leave_the_rates(h: Harness) -> None:
    task = file_and_dispatch(h)
    h.answer(task, "park", 30, note="needs a planned repair")
    h.tick(31)
    h.answer(h.last("approve_park"), "approved", 40)
    h.tick(41)
    assert h.case()["stage"] == "parked"
    k = h.views.kpis(as_of=T0 + 48 * 60 * MIN)
    assert k["parked"] == 1 and k["due_to_handle"] == 0 and k["overdue_pending"] == 0


def test_refused_parking_sends_the_work_back_to_the_unit(h: Harness) -> None:
    task = file_and_dispatch(h)
    h.answer(task, "park", 30)
    h.tick(31)
    h.answer(h.last("approve_park"), "denied", 40)
    h.tick(41)
    again = h.last("handle")
    assert again.task_id == task.task_id and "park refused" in (again.note or "")
    h.answer(again, "done", 80)
    h.tick(81)
    assert h.case()["stage"] == "feedback"


def test_an_approval_after_the_work_is_done_changes_nothing(h: Harness) -> None:
    task = file_and_dispatch(h)
    h.answer(task, "extension", 30, extension_h=3.0)
    h.tick(31)
    h.answer(task, "done", 40)  # finished before the desk decided
    h.tick(41)
    due_before = h.engine.log.cases["C000001"].pending_due_ts
    h.answer(h.last("approve_extension"), "approved", 50)
    h.tick(51)
    case = h.case()
    assert case["deadline_ts"] == task.deadline_ts and case["extensions"] == 0
    assert h.engine.log.cases["C000001"].pending_due_ts == due_before
    assert [t["kind"] for t in case["open_tasks"].values()] == ["check"]  # approval closed
    assert h.engine.store.dead_letter_counts() == {}


def test_invalid_and_unconfirmed_reports_are_voided(h: Harness) -> None:
    h.report("hotline", "SJ0101", 0, ref="H-1")
    h.report("hotline", "SJ0401", 0, ref="H-2", lon=LON + 0.05)
    h.tick(1)
    first, second = h.tasks("accept")
    h.answer(first, "invalid", 2, note="bogus")
    h.answer(second, "accepted", 2)
    h.tick(3)
    h.answer(h.last("verify"), "not_found", 20)
    h.tick(21)
    assert [c["stage"] for c in h.views.cases()] == ["voided", "voided"]
    assert h.views.kpis()["valid_report_rate"] == 0.0


# ------------------------------------------------------------------ merging


def test_three_reports_of_one_incident_make_one_case(h: Harness) -> None:
    h.devices(("WL-1", "water_level", LON, LAT))
    h.readings("WL-1", "water_cm", [(m, 30.0) for m in range(8)])
    h.report("patrol", "SJ0501", 6, ref="P-1", lon=LON + 0.0003)  # ~27 m away
    h.report("hotline", "SJ0501", 7, ref="H-1", lon=LON, lat=LAT + 0.0005)  # ~55 m away
    h.report("hotline", "SJ0501", 7, ref="H-2", lon=LON + 0.01)  # ~900 m: another
    h.tick(10)
    cases = h.views.cases()
    assert len(cases) == 2
    main = cases[0]
    assert [r["channel"] for r in main["report_refs"]] == ["iot", "patrol", "hotline"]
    assert h.views.kpis()["duplicate_reports"] == 2


def test_a_wrongly_categorised_call_is_voided_as_a_duplicate_after_verification(h: Harness) -> None:
    h.report("patrol", "SJ0101", 0, ref="P-1")
    h.report("hotline", "SJ0103", 1, ref="H-1", lon=LON + 0.0002)  # called it 道路不洁
    h.tick(2)
    hotline_accept = next(t for t in h.tasks("accept") if t.case_id == "C000002")
    h.answer(hotline_accept, "accepted", 3)
    h.tick(4)
    h.answer(h.last("verify"), "confirmed", 15, category="SJ0101")
    h.tick(16)
    dup = h.case("C000002")
    assert dup["stage"] == "voided" and dup["void_reason"] == "duplicate of C000001"
    assert "recategorised" in stages(dup)
    assert [r["ref"] for r in h.case("C000001")["report_refs"]] == ["P-1", "H-1"]


def test_a_lamp_fault_merges_only_with_the_same_pole(h: Harness) -> None:
    h.devices(("SP-1", "smart_pole", LON, LAT), ("SP-2", "smart_pole", LON + 0.0003, LAT))
    h.readings("SP-1", "lamp_fault", [(0, 1.0), (5, 1.0)])
    h.readings("SP-2", "lamp_fault", [(0, 1.0)])
    h.tick(10)
    assert [c["device_ids"] for c in h.views.cases()] == [["SP-1"], ["SP-2"]]


# ------------------------------------------------------------------ timers


def test_warning_then_overdue_and_escalation_for_a_stage(h: Harness) -> None:
    h.report("patrol", "SJ0101", 0, ref="P-1")
    for t in range(1, 15):
        h.tick(t)
    notes = [
        (e["action"], e["ts"], e["detail"].get("stage"))
        for e in h.case()["timeline"]
        if e["action"] in ("warning", "overdue", "escalated")
    ]
    assert notes == [
        ("warning", T0 + 8 * MIN, "accepted"),  # 80 % of the 10 min limit
        ("overdue", T0 + 10 * MIN, "accepted"),
        ("escalated", T0 + 10 * MIN, "accepted"),
    ]
    escalated = next(e for e in h.case()["timeline"] if e["action"] == "escalated")
    assert escalated["detail"]["to"] == "district"  # 街道 -> 区


def test_deadline_in_working_time_runs_over_the_weekend(tmp_path: Path) -> None:
    h = Harness(tmp_path / "w")
    h.org()
    friday_1600 = int(datetime(2026, 7, 17, 16, tzinfo=CST).timestamp() * 1000)
    minutes = (friday_1600 - T0) // MIN
    task = file_and_dispatch(h, t=minutes)
    monday_1106 = int(datetime(2026, 7, 20, 11, 6, tzinfo=CST).timestamp() * 1000)
    # dispatched at 16:06: 1 h 24 min on Friday, 2 h 36 min from 08:30 on Monday
    assert task.deadline_ts == monday_1106


def test_no_crew_available_uses_the_nearest_busy_one(h: Harness) -> None:
    h.send(
        Topics.crew("san-s1"),
        CrewStatus,
        "dept-san-s1",
        ts=T0,
        department="san-s1",
        crew="san-s1-c2",
        status="busy",
        lon=LON,
        lat=LAT,
    )
    assert file_and_dispatch(h).crew == "san-s1-c1"  # c2 is nearer but busy
    h.send(
        Topics.crew("san-s1"),
        CrewStatus,
        "dept-san-s1",
        ts=T0 + 9 * MIN,
        department="san-s1",
        crew="san-s1-c1",
        status="off_shift",
        lon=LON,
        lat=LAT,
    )
    # (a report far enough away not to merge into the first case)
    assert file_and_dispatch(h, t=20, lon=LON + 0.01).crew == "san-s1-c2"  # busy > off shift


# ------------------------------------------------------------------ ingest mechanics


def test_tick_waits_for_every_announced_message(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT))
    published = {**dict(h.msg_seq), GW: h.msg_seq[GW] + 1}
    h.tick_seq += 1
    h.engine.handle(
        Topics.TICK,
        encode(ClockTick(run_id="r", seq=h.tick_seq, ts=T0 + 10 * MIN, published=published)),
    )
    assert h.acks() == [] and h.views.health()["waiting_for"] == {GW: 1}
    smoke(h)
    assert [a.seq for a in h.acks()] == [1]
    assert len(h.tasks("handle")) == 1


def test_events_are_processed_in_event_time_not_arrival_order(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT))
    h.readings("SD-1", "smoke_pct_m", [(2, 8.0), (3, 8.0)], first_seq=3)  # later half first
    h.readings("SD-1", "smoke_pct_m", [(0, 8.0), (1, 8.0)], first_seq=1)
    h.tick(5)
    assert h.last("handle").ts == T0 + 2 * MIN
    assert h.views.health()["late_events"] == 0


def test_duplicates_are_dropped(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT))
    rows = [{"device_id": "SD-1", "seq": 1, "ts": T0, "values": {"smoke_pct_m": 0.1}}]
    h.msg_seq[GW] += 1
    payload = telemetry_payload(GW, h.msg_seq[GW], rows)
    h.engine.handle(Topics.telemetry(GW), payload)
    h.engine.handle(Topics.telemetry(GW), payload)  # QoS 1 redelivery
    h.msg_seq[GW] += 1
    h.engine.handle(Topics.telemetry(GW), telemetry_payload(GW, h.msg_seq[GW], rows))
    h.tick(5)
    c = h.views.health()["counters"]
    assert c["readings"] == 1 and c["duplicate_messages"] == 1 and c["duplicate_readings"] == 1


def test_bad_input_is_dead_lettered_and_ingest_goes_on(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT))
    h.engine.handle(Topics.telemetry(GW), b"\xff\xfe not json")
    h.msg_seq[GW] += 1
    bad = orjson.dumps(
        {
            "v": 1,
            "source": GW,
            "msg_seq": h.msg_seq[GW],
            "readings": [
                {"device_id": "SD-1", "seq": 1, "ts": "noon", "values": {"smoke_pct_m": 1}}
            ],
        }
    )
    h.engine.handle(Topics.telemetry(GW), bad)
    h.readings("SD-9", "smoke_pct_m", [(0, 1.0)])  # never registered
    h.engine.handle("citysim/v1/gw/gw-g1/oops", b"{}")
    h.report("hotline", "XX9999", 0, ref="H-1")  # no such catalogue item
    smoke(h)
    h.tick(5)  # the schema-bad message still counts as received: the tick is not stuck
    task = h.last("handle")
    h.answer(task, "done", 6)
    h.answer(task, "done", 7)  # answered twice: the second is stale
    h.tick(8)
    assert len(h.acks()) == 2
    counts = h.engine.store.dead_letter_counts()
    assert counts == {
        "invalid_json": 1,
        "schema": 1,
        "unknown_device": 1,
        "unknown_topic": 1,
        "unknown_category": 1,
        "stale_task": 1,
    }
    letters = {d["reason"]: d for d in h.engine.store.dead_letters()}
    assert "readings[0].ts" in letters["schema"]["detail"]
    assert "SD-9" in letters["unknown_device"]["payload"]


def test_answers_from_someone_else_are_refused(h: Harness) -> None:
    task = file_and_dispatch(h)
    impostor = task.model_copy(update={"unit": "san-s2"})
    h.answer(impostor, "done", 20)
    h.tick(21)
    assert h.engine.store.dead_letter_counts() == {"source_mismatch": 1}
    detail = h.engine.store.dead_letters()[0]["detail"]
    assert "given to dept/san-s1" in detail and "came from dept/san-s2" in detail
    assert h.case()["stage"] == "dispatched"


def test_ticks_from_another_run_are_refused(h: Harness) -> None:
    h.tick(1)
    h.engine.handle(Topics.TICK, encode(ClockTick(run_id="run-2", seq=2, ts=T0 + 2 * MIN)))
    assert h.engine.store.dead_letter_counts() == {"foreign_run": 1}
    h.tick_seq -= 1
    h.tick(1)  # a redelivered tick is acknowledged again and changes nothing
    assert h.views.health()["ticks"] == 1 and len(h.acks()) == 2


def test_gateway_status_is_checked_and_listed(h: Harness) -> None:
    h.engine.handle(
        Topics.gateway_status(GW), encode(GatewayStatus(gateway_id=GW, status="online", ts=T0))
    )
    h.engine.handle(
        Topics.gateway_status(GW),
        encode(GatewayStatus(gateway_id="gw-elsewhere", status="offline")),
    )
    listed = h.views.gateway_status()
    assert [(g["gateway_id"], g["status"]) for g in listed] == [(GW, "online")]
    assert h.engine.store.dead_letter_counts() == {"source_mismatch": 1}


def test_device_online_rate_follows_missed_intervals(h: Harness) -> None:
    h.devices(("SD-1", "smoke_detector", LON, LAT), ("SD-2", "smoke_detector", LON, LAT + 0.1))
    h.readings("SD-1", "smoke_pct_m", [(m, 0.1) for m in range(0, 180)])
    h.readings("SD-2", "smoke_pct_m", [(m, 0.1) for m in range(0, 30)])  # goes silent
    h.tick(180)
    k = h.views.kpis()
    assert k["online_samples"] == 2  # 01:00 and 02:00
    assert k["device_online_rate"] == 0.5
    assert h.views.health()["devices_online"] == 1


def test_restart_rebuilds_state_from_the_store(h: Harness) -> None:
    task = file_and_dispatch(h)
    h.answer(task, "done", 40)
    h.tick(41)
    before = h.views.cases()
    h.restart()
    assert h.views.cases() == before and h.views.health()["units"] == len(UNITS)
    check = h.last("check")
    h.answer(check, "pass", 60)  # a task given before the restart is still open
    h.tick(61)
    assert h.case()["stage"] == "closed"


def test_commands_are_checked_before_they_take_a_message_number(h: Harness) -> None:
    h.devices(("SP-1", "smart_pole", LON, LAT), ("SP-2", "smart_pole", LON, LAT))
    with pytest.raises(ValueError, match="clock has not started"):
        h.engine.commands.issue("dim", {"pct": 50}, kind="smart_pole")
    h.tick(1)
    for bad in (
        {"action": "dim", "params": {}},  # no target
        {"action": "dim", "devices": ["SP-1"], "kind": "smart_pole"},  # two targets
        {"action": "dim pct", "kind": "smart_pole"},  # not an identifier
        {"action": "dim", "devices": ["SP-9"]},
    ):  # unknown device
        with pytest.raises(ValueError):
            h.engine.commands.issue(
                bad["action"], bad.get("params", {}), bad.get("devices"), bad.get("kind")
            )
    assert h.engine.outbox.last_seq == 0 and not [t for t, _ in h.sent if "/cmd/" in t]
    record = h.engine.commands.issue("dim", {"pct": 50}, kind="smart_pole")
    assert record["devices"] == 2 and h.engine.outbox.last_seq == 1
    ack = CommandAck(
        source=GW,
        msg_seq=h.msg_seq[GW] + 1,
        ts=T0 + 2 * MIN,
        command_id=record["command_id"],
        results=[CommandOutcome(device_id=d, status="ok") for d in ("SP-1", "SP-2")],
    )
    h.msg_seq[GW] += 1
    h.engine.handle(Topics.command_ack(GW), encode(ack))
    again = ack.model_copy(update={"msg_seq": h.msg_seq[GW] + 1})
    h.msg_seq[GW] += 1
    h.engine.handle(Topics.command_ack(GW), encode(again))  # a second answer is refused
    h.tick(3)
    (view,) = h.engine.commands.listing()
    assert view["status"] == "acked" and view["ok"] == 2
    assert h.engine.store.dead_letter_counts() == {"unknown_command": 1}
