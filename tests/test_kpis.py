"""KPIs from the case event log, with explicit denominators, on hand-built logs."""

from __future__ import annotations

from ioc.casework.cases import CaseLog, FlowRules, Note, Stage
from ioc.casework.flowconfig import STAGE_ORDER, CompositeTerm
from ioc.measures.kpis import compute_kpis

H = 3_600_000
M = 60_000
RULES = FlowRules(STAGE_ORDER)
JINNIU = [
    CompositeTerm(kpi="handling_rate", weight=30),
    CompositeTerm(kpi="on_time_handling_rate", weight=20),
    CompositeTerm(kpi="rework_rate", weight=20, invert=True),
    CompositeTerm(kpi="overdue_pending_rate", weight=20, invert=True),
    CompositeTerm(kpi="extension_rate", weight=10, invert=True),
]


class Builder:
    """Writes case logs the way the flow does (due times in `next_due_ts`)."""

    def __init__(self) -> None:
        self.log = CaseLog(RULES)
        self.n = 0

    def case(
        self,
        *,
        channel: str = "patrol",
        street: str = "s1",
        unit: str = "san-1",
        file_at: float = 0.2,
        file_due: float = 0.5,
        dispatch_at: float = 0.5,
        dispatch_due: float = 1.0,
        limit_h: float = 4.0,
        handled_at: float | None = None,
        closed: bool = False,
        returned: bool = False,
        extension_to: float | None = None,
        parked: bool = False,
        rework: bool = False,
        voided: bool = False,
    ) -> str:
        self.n += 1
        cid = f"C{self.n:06d}"
        a = self.log.append
        a(
            cid,
            Stage.REPORTED,
            0,
            "x",
            category="SJ0101",
            channel=channel,
            lon=0.0,
            lat=0.0,
            grid="g1",
            street=street,
            district="d1",
            next_due_ts=int(file_due * H),
        )
        if voided:
            a(cid, Stage.VOIDED, int(file_at * H), "grid", reason="not found")
            return cid
        a(cid, Stage.FILED, int(file_at * H), "desk", next_due_ts=int(dispatch_due * H))
        t = int(dispatch_at * H)
        deadline = t + int(limit_h * H)
        if returned:
            a(
                cid,
                Stage.DISPATCHED,
                t,
                "desk",
                department="wrong",
                task_id="T0",
                deadline_ts=deadline,
                next_due_ts=deadline,
            )
            a(cid, Note.RETURNED, t + 10 * M, "dept", done_task="T0", next_due_ts=t + 40 * M)
            t += 20 * M
            deadline = t + int(limit_h * H)
        a(
            cid,
            Stage.DISPATCHED,
            t,
            "desk",
            department=unit,
            task_id="T1",
            deadline_ts=deadline,
            next_due_ts=deadline,
        )
        if extension_to is not None:
            a(
                cid,
                Note.EXTENSION_APPROVED,
                t + 1,
                "desk",
                deadline_ts=int(extension_to * H),
                hours=1,
            )
        if parked:
            a(cid, Stage.PARKED, t + 2, "desk")
            return cid
        if handled_at is None:
            return cid
        h = int(handled_at * H)
        a(cid, Stage.HANDLED, h, "dept", outcome="done", done_task="T1")
        a(cid, Stage.FEEDBACK, h, "dept")
        if rework:
            a(cid, Note.CHECK_FAILED, h + 1, "grid")
            a(
                cid,
                Stage.DISPATCHED,
                h + 1,
                "ioc",
                department=unit,
                task_id="T2",
                deadline_ts=deadline,
                next_due_ts=deadline,
                rework=True,
            )
            h += H
            a(cid, Stage.HANDLED, h, "dept", outcome="done", done_task="T2")
            a(cid, Stage.FEEDBACK, h, "dept")
        if closed:
            a(cid, Stage.CHECKED, h + 1, "grid")
            a(cid, Stage.CLOSED, h + 1, "ioc", closure_type="normal")
        return cid


def kpis(b: Builder, as_of_h: float, **kw: object) -> dict:
    return compute_kpis(b.log.events, RULES, int(as_of_h * H), JINNIU, **kw)  # type: ignore[arg-type]


def test_handling_and_closure_rates_and_their_denominators() -> None:
    b = Builder()
    b.case(handled_at=1, closed=True)  # on time, closed
    b.case(handled_at=6, closed=True)  # late (limit 4 h from 0.5), closed
    b.case(handled_at=2)  # handled, not yet closed
    b.case()  # overdue, not handled: due
    b.case(limit_h=48)  # not yet due
    k = kpis(b, 10)
    counts = (k["reported"], k["filed"], k["dispatched"], k["handled"], k["closed"])
    assert counts == (5, 5, 5, 3, 2)
    assert k["due_to_handle"] == k["due_to_close"] == 4
    assert k["handling_rate"] == 0.75 and k["on_time_handling_rate"] == 0.5
    assert k["closure_rate"] == 0.5 and k["on_time_closure_rate"] == 0.25
    assert k["overdue_pending"] == 1 and k["overdue_pending_rate"] == 0.25
    assert k["mean_handling_hours"] == 2.5  # (0.5 + 5.5 + 1.5) / 3
    assert k["p90_handling_hours"] == 5.5
    assert k["open"] == 3


def test_filing_dispatch_and_validity() -> None:
    b = Builder()
    b.case(file_at=0.2, dispatch_at=0.5)  # both on time
    b.case(file_at=0.7, dispatch_at=0.8)  # filed late (due 0.5)
    b.case(file_at=0.2, dispatch_at=1.5)  # dispatched late (due 1.0)
    b.case(returned=True)  # a wrong dispatch sent back
    b.case(voided=True)
    k = kpis(b, 2)
    assert k["valid_report_rate"] == 0.8  # 4 filed / (4 + 1 voided)
    assert k["voided"] == 1 and k["filed"] == 4
    assert k["on_time_filing_rate"] == 0.75  # 3 of 4
    # 5 counted dispatches (the returned case has two), 1 returned -> 4/5 accurate
    assert k["accurate_dispatch_rate"] == 0.8 and k["returned"] == 1
    # on time: case 1, case 2 (due 1.0), both of case 4 (0.5 <= 1.0 and re-dispatch in time)
    assert k["on_time_dispatch_rate"] == 0.8


def test_rework_extension_parking_and_composite() -> None:
    b = Builder()
    b.case(handled_at=1, closed=True, rework=True)
    b.case(handled_at=6, closed=True, extension_to=8)  # late for 4 h, in time with 延期
    b.case(parked=True)  # 挂账: out of every rate
    b.case(handled_at=2, closed=True)
    k = kpis(b, 10)
    assert k["parked"] == 1 and k["due_to_handle"] == 3
    assert k["rework"] == 1 and k["rework_rate"] == round(1 / 3, 6)
    assert k["extensions"] == 1 and k["extension_rate"] == round(1 / 3, 6)
    assert k["on_time_handling_rate"] == 1.0
    expected = 30 * 1 + 20 * 1 + 20 * (1 - 1 / 3) + 20 * (1 - 0) + 10 * (1 - 1 / 3)
    assert k["composite_score"] == round(expected, 4)


def test_as_of_window_and_groups() -> None:
    b = Builder()
    b.case(handled_at=6, closed=True, street="s1", unit="san-1", channel="iot")
    b.case(handled_at=1, closed=True, street="s2", unit="san-2", channel="hotline")
    early = kpis(b, 2)
    assert early["handled"] == 1 and early["due_to_handle"] == 1  # case 1 not yet due
    late = kpis(b, 10, group_by="street")
    assert set(late["groups"]) == {"s1", "s2"}
    assert late["groups"]["s1"]["on_time_handling_rate"] == 0.0
    assert late["groups"]["s2"]["on_time_handling_rate"] == 1.0
    assert late["smart_discovery_share"] == 0.5
    by_unit = kpis(b, 10, group_by="department")
    assert set(by_unit["groups"]) == {"san-1", "san-2"}
    none = kpis(b, 10, from_ts=H)  # both were reported at 0
    assert none["reported"] == 0 and none["closure_rate"] is None


def test_duplicates_warnings_and_escalations() -> None:
    b = Builder()
    cid = b.case()
    b.log.append(cid, Note.MERGED, H, "hotline", channel="hotline", ref="H-1", lon=0.0, lat=0.0)
    b.log.append(cid, Note.WARNING, 2 * H, "ioc:timer", stage="handled")
    b.log.append(cid, Note.OVERDUE, 5 * H, "ioc:timer", stage="handled")
    b.log.append(cid, Note.ESCALATED, 5 * H, "ioc:timer", stage="handled", to="district")
    k = kpis(b, 6)
    assert (k["duplicate_reports"], k["warnings"], k["overdue"], k["escalated"]) == (1, 1, 1, 1)


def test_tianmen_december_2016() -> None:
    """天门 2016-12: 应结案 972, 结案 911, 按期结案 737 -> 结案率 93.72 %, 按期结案率 75.82 %."""
    b = Builder()
    for _ in range(737):
        b.case(handled_at=1, closed=True)  # closed, handled in time
    for _ in range(911 - 737):
        b.case(handled_at=5, closed=True)  # closed, handled late
    for _ in range(972 - 911):
        b.case(handled_at=2)  # handled, not closed
    k = kpis(b, 100)
    assert k["due_to_close"] == 972 and k["closed"] == 911
    assert round(k["closure_rate"] * 100, 2) == 93.72
    assert round(k["on_time_closure_rate"] * 100, 2) == 75.82
