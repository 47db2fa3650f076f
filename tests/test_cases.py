"""Where a case changes state: the flow's transitions and their guards, for the full flow and
for pilots' shorter stage sets, and replay."""

from __future__ import annotations

import pytest

from ioc.casework.cases import CaseLog, FlowRules, InvalidTransition, Note, Stage
from ioc.casework.flowconfig import STAGE_ORDER

FULL = FlowRules(STAGE_ORDER)
QINGZHOU = FlowRules(
    ["reported", "filed", "dispatched", "handled", "feedback", "checked", "closed"]
)
ORIGIN = {
    "category": "SJ0101",
    "channel": "hotline",
    "lon": 116.0,
    "lat": 36.4,
    "grid": "g1",
    "ref": "H-00001",
}
H = 3_600_000


def dispatch(
    log: CaseLog,
    case: str,
    ts: int,
    *,
    task: str = "T1",
    unit: str = "san-1",
    deadline: int = 4 * H,
    rework: bool = False,
) -> None:
    log.append(
        case,
        Stage.DISPATCHED,
        ts,
        "desk",
        department=unit,
        task_id=task,
        deadline_ts=deadline,
        next_due_ts=deadline,
        rework=rework,
    )


def full_flow(log: CaseLog, case: str = "C1", t0: int = 0) -> None:
    log.append(case, Stage.REPORTED, t0, "hotline:caller", next_due_ts=t0 + 600_000, **ORIGIN)
    log.append(case, Stage.ACCEPTED, t0 + 60_000, "desk", next_due_ts=t0 + 1_800_000)
    log.append(case, Stage.VERIFIED, t0 + 600_000, "grid", next_due_ts=t0 + 2_400_000)
    log.append(case, Stage.FILED, t0 + 900_000, "desk", next_due_ts=t0 + 2_700_000)
    dispatch(log, case, t0 + 1_200_000, deadline=t0 + 4 * H)
    log.append(
        case,
        Stage.HANDLED,
        t0 + 2 * H,
        "dept",
        outcome="done",
        done_task="T1",
        next_due_ts=t0 + 2 * H + 1_800_000,
    )
    log.append(case, Stage.FEEDBACK, t0 + 2 * H + 300_000, "dept", next_due_ts=t0 + 3 * H)
    log.append(case, Stage.CHECKED, t0 + 2 * H + 900_000, "grid")
    log.append(case, Stage.CLOSED, t0 + 2 * H + 900_000, "ioc", closure_type="normal")


def test_the_full_flow_in_order() -> None:
    log = CaseLog(FULL)
    full_flow(log)
    case = log.cases["C1"]
    assert [e.action for e in case.events] == list(STAGE_ORDER)
    assert case.stage == Stage.CLOSED and not case.is_open and case.on_time
    assert case.department == "san-1" and case.closure_type == "normal"
    assert all(t.on_time for t in case.timings)
    assert case.open_tasks == {}


@pytest.mark.parametrize(
    ("stage", "allowed"),
    [
        (None, {"reported"}),
        (Stage.REPORTED, {"accepted", "verified", "filed", "voided"}),  # optional ones skippable
        (Stage.ACCEPTED, {"verified", "filed", "voided"}),
        (Stage.FILED, {"dispatched", "voided"}),
        (Stage.DISPATCHED, {"handled", "returned", "parked"}),
        (Stage.HANDLED, {"feedback", "dispatched"}),  # 反馈, or 返工 after a failed 核查
        (Stage.FEEDBACK, {"checked", "dispatched"}),
        (Stage.CHECKED, {"closed"}),
        (Stage.PARKED, {"dispatched"}),
        (Stage.CLOSED, set()),
        (Stage.VOIDED, set()),
    ],
)
def test_full_flow_rules(stage: Stage | None, allowed: set[str]) -> None:
    assert FULL.allowed(stage) == allowed


def test_a_shorter_pilot_flow_skips_stages() -> None:
    assert QINGZHOU.allowed(Stage.REPORTED) == {"filed", "voided"}
    no_check = FlowRules(["reported", "filed", "dispatched", "handled", "closed"])
    assert no_check.allowed(Stage.HANDLED) == {"closed"}  # no 核查, so no 返工 either
    log = CaseLog(QINGZHOU)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    with pytest.raises(InvalidTransition, match="next may be filed, voided"):
        log.append("C1", Stage.ACCEPTED, 1, "desk")


@pytest.mark.parametrize("skip_to", [Stage.DISPATCHED, Stage.HANDLED, Stage.CLOSED])
def test_stages_cannot_be_skipped(skip_to: Stage) -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    with pytest.raises(InvalidTransition, match="not allowed"):
        log.append("C1", skip_to, 0, "x", department="d", task_id="T", deadline_ts=1)


def test_a_case_starts_with_a_report_and_ends_for_good() -> None:
    with pytest.raises(InvalidTransition):
        CaseLog(FULL).append("C1", Stage.ACCEPTED, 0, "desk")
    log = CaseLog(FULL)
    full_flow(log)
    for action in (Stage.DISPATCHED, Note.OVERDUE, Note.MERGED):
        with pytest.raises(InvalidTransition):
            log.append("C1", action, 10 * H, "x")


def test_events_cannot_go_back_in_time() -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 1000, "x", **ORIGIN)
    with pytest.raises(InvalidTransition, match="earlier"):
        log.append("C1", Stage.ACCEPTED, 999, "desk")


def test_voided_before_dispatch() -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    log.append("C1", Stage.ACCEPTED, 10, "desk")
    log.append("C1", Stage.VOIDED, 20, "grid", reason="not found")
    case = log.cases["C1"]
    assert case.stage == Stage.VOIDED and not case.is_open and case.void_reason == "not found"


def test_returned_goes_back_to_filed_and_clears_the_unit() -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    log.append("C1", Stage.FILED, 10, "desk")
    dispatch(log, "C1", 20, unit="fire", task="T1")
    assert log.cases["C1"].open_tasks == {"T1": {"kind": "handle", "role": "dept", "unit": "fire"}}
    log.append(
        "C1",
        Note.RETURNED,
        30,
        "dept",
        category="SJ0102",
        done_task="T1",
        next_due_ts=30 + 1_800_000,
    )
    case = log.cases["C1"]
    assert case.stage == Stage.FILED and case.department is None and case.returned == 1
    assert case.category == "SJ0102" and case.open_tasks == {}
    assert case.pending_due_ts == 30 + 1_800_000
    dispatch(log, "C1", 40, unit="san-1", task="T2")
    assert log.cases["C1"].dispatches == 2


def test_rework_keeps_the_deadline_and_counts() -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    log.append("C1", Stage.FILED, 0, "desk")
    dispatch(log, "C1", 0, deadline=100, task="T1")
    log.append("C1", Stage.HANDLED, 50, "dept", outcome="done", done_task="T1")
    log.append("C1", Stage.FEEDBACK, 55, "dept")
    log.append("C1", Note.CHECK_FAILED, 60, "grid")
    dispatch(log, "C1", 60, deadline=100, task="T3", rework=True)
    case = log.cases["C1"]
    assert case.rework == 1 and case.handled_ts is None and case.deadline_ts == 100
    log.append("C1", Stage.HANDLED, 150, "dept", outcome="done", done_task="T3")
    assert case.on_time is False  # the second handling missed the original deadline


def test_extension_moves_the_deadline_and_parking_drops_the_unit_task() -> None:
    log = CaseLog(FULL)
    log.append("C1", Stage.REPORTED, 0, "x", **ORIGIN)
    log.append("C1", Stage.FILED, 0, "desk")
    dispatch(log, "C1", 0, deadline=100, task="T1")
    log.append("C1", Note.EXTENSION_REQUESTED, 10, "dept", hours=2)
    log.append("C1", Note.EXTENSION_APPROVED, 20, "desk", deadline_ts=500, hours=2)
    case = log.cases["C1"]
    assert case.deadline_ts == 500 and case.pending_due_ts == 500 and case.extensions == 1
    log.append(
        "C1", Note.ASSIGNED, 30, "ioc", task_id="T2", kind="approve_park", role="desk", unit="ioc"
    )
    log.append("C1", Stage.PARKED, 40, "desk", done_task="T2")
    assert case.stage == Stage.PARKED and case.is_open and case.open_tasks == {}


def test_notes_do_not_move_the_stage() -> None:
    log = CaseLog(FULL)
    log.append(
        "C1",
        Stage.REPORTED,
        0,
        "iot:x",
        **{**ORIGIN, "channel": "iot", "alarm_id": "A1", "device_id": "SD-1"},
    )
    log.append("C1", Note.MERGED, 10, "patrol:s1", channel="patrol", ref="P-1", lon=116.0, lat=36.4)
    log.append("C1", Note.WARNING, 15, "ioc:timer", stage="accepted")
    log.append("C1", Note.OVERDUE, 20, "ioc:timer", stage="accepted")
    log.append("C1", Note.ESCALATED, 20, "ioc:timer", stage="accepted", to="district")
    case = log.cases["C1"]
    assert case.stage == Stage.REPORTED and len(case.reports) == 2 and case.overdue
    assert (case.warnings, case.escalations) == (1, 1)
    assert [r["channel"] for r in case.reports] == ["iot", "patrol"]
    assert case.alarm_ids == ["A1"] and case.device_ids == ["SD-1"]


def test_replay_rebuilds_the_same_state() -> None:
    appended = []
    log = CaseLog(FULL, on_append=appended.append)
    full_flow(log, "C1", 0)
    full_flow(log, "C2", 5 * H)
    again = CaseLog.replay(appended, FULL)
    assert again.cases == log.cases
    assert [e.seq for e in again.events] == list(range(1, 19))
    with pytest.raises(InvalidTransition):
        CaseLog.replay(appended, QINGZHOU)  # a log the pilot's flow does not allow
