"""KPIs from the case event log, with explicit denominators."""

from __future__ import annotations

from ioc.cases import CaseEvent, CaseLog, Note, Stage
from ioc.kpis import compute_kpis

H = 3_600_000


def make_case(log: CaseLog, n: int, handled_at: float | None, closed: bool,
              limit_h: float = 4.0) -> None:
    cid = f"C{n:06d}"
    log.append(cid, Stage.REPORTED, 0, "src", category="X", lon=0.0, lat=0.0)
    log.append(cid, Stage.ACCEPTED, 0, "ioc")
    log.append(cid, Stage.FILED, 0, "ioc")
    log.append(cid, Stage.DISPATCHED, 0, "ioc", department="d", dispatch_id=f"{cid}-D1",
               deadline_ts=int(limit_h * H), rework=False)
    if handled_at is None:
        return
    log.append(cid, Stage.HANDLED, int(handled_at * H), "dept", outcome="resolved")
    if closed:
        log.append(cid, Stage.VERIFIED, int(handled_at * H) + 1, "ioc")
        log.append(cid, Stage.CLOSED, int(handled_at * H) + 1, "ioc", closure_type="normal")


def events(log: CaseLog) -> list[CaseEvent]:
    return log.events


def test_rates_and_denominators() -> None:
    log = CaseLog()
    make_case(log, 1, handled_at=1, closed=True)      # on time, closed
    make_case(log, 2, handled_at=6, closed=True)      # late, closed
    make_case(log, 3, handled_at=2, closed=False)     # handled, not yet closed
    make_case(log, 4, handled_at=None, closed=False)  # overdue, not handled: due to close
    make_case(log, 5, handled_at=None, closed=False, limit_h=48)  # not yet due
    k = compute_kpis(events(log), as_of=10 * H)
    counts = (k["reported"], k["filed"], k["dispatched"], k["handled"], k["closed"])
    assert counts == (5, 5, 5, 3, 2)
    assert k["due_to_close"] == 4
    assert k["closure_rate"] == 0.5            # 2 / 4
    assert k["on_time_closure_rate"] == 0.25   # 1 / 4
    assert k["mean_handling_hours"] == 3.0     # (1 + 6 + 2) / 3
    assert k["open"] == 3


def test_as_of_sees_only_the_past() -> None:
    log = CaseLog()
    make_case(log, 1, handled_at=6, closed=True)
    early = compute_kpis(events(log), as_of=2 * H)
    assert early["handled"] == 0 and early["due_to_close"] == 0 and early["closure_rate"] is None
    late = compute_kpis(events(log), as_of=5 * H)  # deadline (4 h) passed, not yet handled
    assert late["due_to_close"] == 1 and late["closure_rate"] == 0.0


def test_duplicates_rework_and_overdue_counts() -> None:
    log = CaseLog()
    make_case(log, 1, handled_at=None, closed=False, limit_h=1)
    log.append("C000001", Note.MERGED, 10, "src", device_id="B")
    log.append("C000001", Note.OVERDUE, H, "ioc:timer")
    k = compute_kpis(events(log), as_of=2 * H)
    assert k["duplicate_reports"] == 1 and k["overdue"] == 1 and k["reported"] == 1


def test_tianmen_december_2016() -> None:
    """天门 2016-12: 应结案 972, 结案 911, 按期结案 737 -> 结案率 93.72 %, 按期结案率 75.82 %."""
    log = CaseLog()
    n = 0
    for _ in range(737):          # closed on time
        n += 1
        make_case(log, n, handled_at=1, closed=True)
    for _ in range(911 - 737):    # closed, handled after the limit
        n += 1
        make_case(log, n, handled_at=5, closed=True)
    for _ in range(972 - 911):    # handled, not closed
        n += 1
        make_case(log, n, handled_at=2, closed=False)
    k = compute_kpis(events(log), as_of=100 * H)
    assert k["due_to_close"] == 972 and k["closed"] == 911
    assert round(k["closure_rate"] * 100, 2) == 93.72
    assert round(k["on_time_closure_rate"] * 100, 2) == 75.82
