"""Where a case changes state: the flow's transitions, their guards, and replay."""

from __future__ import annotations

import pytest

from ioc.cases import CaseLog, InvalidTransition, Note, Stage

ORIGIN = {"category": "IOT-02", "lon": 116.0, "lat": 36.4, "grid": "g1", "source": "iot",
          "alarm_id": "A000001", "device_id": "SD-1"}


def full_flow(log: CaseLog, case_id: str = "C000001", t0: int = 0) -> None:
    log.append(case_id, Stage.REPORTED, t0, "iot:smoke", **ORIGIN)
    log.append(case_id, Stage.ACCEPTED, t0, "ioc:intake")
    log.append(case_id, Stage.FILED, t0, "ioc:intake")
    log.append(case_id, Stage.DISPATCHED, t0 + 1, "ioc:dispatch", department="fire",
               dispatch_id=f"{case_id}-D1", deadline_ts=t0 + 3_600_000, rework=False)
    log.append(case_id, Stage.HANDLED, t0 + 600_000, "dept:fire/crew-1", outcome="resolved")
    log.append(case_id, Stage.VERIFIED, t0 + 1_200_000, "ioc:verifier")
    log.append(case_id, Stage.CLOSED, t0 + 1_200_000, "ioc:intake", closure_type="normal")


def test_the_whole_flow_in_order() -> None:
    log = CaseLog()
    full_flow(log)
    case = log.cases["C000001"]
    assert [e.action for e in case.events] == [
        "reported", "accepted", "filed", "dispatched", "handled", "verified", "closed"]
    assert case.stage == Stage.CLOSED and not case.is_open
    assert case.on_time is True and case.department == "fire"
    assert case.deadline_ts == 3_600_000 and case.closure_type == "normal"


@pytest.mark.parametrize("skip_to", [Stage.FILED, Stage.DISPATCHED, Stage.CLOSED])
def test_stages_cannot_be_skipped(skip_to: Stage) -> None:
    log = CaseLog()
    log.append("C1", Stage.REPORTED, 0, "iot:x", **ORIGIN)
    with pytest.raises(InvalidTransition, match="not allowed"):
        log.append("C1", skip_to, 0, "x", department="fire", dispatch_id="d", deadline_ts=1)


def test_a_case_must_start_with_a_report() -> None:
    with pytest.raises(InvalidTransition):
        CaseLog().append("C1", Stage.ACCEPTED, 0, "ioc:intake")


def test_closed_cases_take_nothing_more() -> None:
    log = CaseLog()
    full_flow(log)
    with pytest.raises(InvalidTransition):
        log.append("C000001", Stage.DISPATCHED, 2_000_000, "ioc:dispatch")
    with pytest.raises(InvalidTransition):
        log.append("C000001", Note.OVERDUE, 2_000_000, "ioc:timer")


def test_events_cannot_go_back_in_time() -> None:
    log = CaseLog()
    log.append("C1", Stage.REPORTED, 1000, "iot:x", **ORIGIN)
    with pytest.raises(InvalidTransition, match="earlier"):
        log.append("C1", Stage.ACCEPTED, 999, "ioc:intake")


def test_rework_goes_back_to_dispatch_and_keeps_the_deadline() -> None:
    log = CaseLog()
    log.append("C1", Stage.REPORTED, 0, "iot:x", **ORIGIN)
    log.append("C1", Stage.ACCEPTED, 0, "ioc:intake")
    log.append("C1", Stage.FILED, 0, "ioc:intake")
    log.append("C1", Stage.DISPATCHED, 0, "d", department="fire", dispatch_id="C1-D1",
               deadline_ts=100, rework=False)
    log.append("C1", Stage.HANDLED, 50, "dept:fire/c1", outcome="resolved")
    log.append("C1", Note.VERIFY_FAILED, 60, "ioc:verifier")
    log.append("C1", Stage.DISPATCHED, 60, "d", department="fire", dispatch_id="C1-D2",
               deadline_ts=100, rework=True)
    case = log.cases["C1"]
    assert case.rework == 1 and case.handled_ts is None and case.deadline_ts == 100
    assert case.current_dispatch == "C1-D2"
    log.append("C1", Stage.HANDLED, 150, "dept:fire/c1", outcome="resolved")
    assert case.on_time is False  # the second handling missed the original deadline


def test_notes_do_not_move_the_stage() -> None:
    log = CaseLog()
    log.append("C1", Stage.REPORTED, 0, "iot:x", **ORIGIN)
    log.append("C1", Note.MERGED, 10, "iot:x", alarm_id="A2", device_id="SD-2")
    log.append("C1", Note.OVERDUE, 20, "ioc:timer")
    case = log.cases["C1"]
    assert case.stage == Stage.REPORTED and case.reports == 2 and case.overdue
    assert case.device_ids == ["SD-1", "SD-2"] and case.alarm_ids == ["A000001", "A2"]


def test_replay_rebuilds_the_same_state() -> None:
    appended = []
    log = CaseLog(on_append=appended.append)
    full_flow(log, "C000001", 0)
    full_flow(log, "C000002", 5_000_000)
    again = CaseLog.replay(appended)
    assert again.cases == log.cases
    assert [e.seq for e in again.events] == list(range(1, 15))
