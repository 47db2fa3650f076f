"""Where a case changes state: the 一网统管 case log.

Every change to a case is an appended event (action, event time, actor, detail). A case's
state is the fold of its events; the log is the only record, so state and KPIs can always be
rebuilt from it. `append` enforces the flow:

    上报 reported → 受理 accepted → 立案 filed → 派遣 dispatched → 处置 handled
        → 核查 verified → 结案 closed

with 返工 (rework): after a failed 核查 a handled case is dispatched again. Notes (超期 overdue,
合并 merged report, 核查未通过 verify_failed) annotate a case without moving it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    FILED = "filed"
    DISPATCHED = "dispatched"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"


class Note(StrEnum):
    OVERDUE = "overdue"
    MERGED = "merged"
    VERIFY_FAILED = "verify_failed"


ACTION_ZH: dict[str, str] = {
    Stage.REPORTED: "上报", Stage.ACCEPTED: "受理", Stage.FILED: "立案",
    Stage.DISPATCHED: "派遣", Stage.HANDLED: "处置", Stage.VERIFIED: "核查",
    Stage.CLOSED: "结案", Note.OVERDUE: "超期", Note.MERGED: "合并上报",
    Note.VERIFY_FAILED: "核查未通过",
}

CLOSURE_ZH = {"normal": "正常结案", "overdue": "超时结案", "special": "特殊结案"}

# Which stage may follow which. DISPATCHED after HANDLED is 返工 (rework).
NEXT: dict[Stage | None, set[Stage]] = {
    None: {Stage.REPORTED},
    Stage.REPORTED: {Stage.ACCEPTED},
    Stage.ACCEPTED: {Stage.FILED},
    Stage.FILED: {Stage.DISPATCHED},
    Stage.DISPATCHED: {Stage.HANDLED},
    Stage.HANDLED: {Stage.VERIFIED, Stage.DISPATCHED},
    Stage.VERIFIED: {Stage.CLOSED},
    Stage.CLOSED: set(),
}
# Notes allowed per stage (a closed case takes no more notes).
NOTES_OPEN = {Stage.REPORTED, Stage.ACCEPTED, Stage.FILED, Stage.DISPATCHED, Stage.HANDLED,
              Stage.VERIFIED}


_NOTES = {n.value for n in Note}


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True)
class CaseEvent:
    seq: int  # position in the whole log
    case_id: str
    ts: int  # event time, epoch ms
    action: str  # a Stage or a Note value
    actor: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "case_id": self.case_id, "ts": self.ts, "action": self.action,
                "action_zh": ACTION_ZH.get(self.action, ""), "actor": self.actor,
                "detail": self.detail}


@dataclass
class Case:
    """A case's state: the fold of its events (never set directly)."""

    case_id: str
    stage: Stage | None = None
    category: str = ""
    source: str = ""
    department: str = ""
    lon: float = 0.0
    lat: float = 0.0
    grid: str = ""
    reported_ts: int | None = None
    filed_ts: int | None = None
    dispatched_ts: int | None = None  # first dispatch
    deadline_ts: int | None = None
    handled_ts: int | None = None
    handled_outcome: str | None = None
    verified_ts: int | None = None
    closed_ts: int | None = None
    closure_type: str | None = None
    current_dispatch: str | None = None
    dispatches: int = 0
    rework: int = 0
    overdue: bool = False
    reports: int = 0  # 上报 + merged duplicate reports
    alarm_ids: list[str] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    events: list[CaseEvent] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.stage is not None and self.stage != Stage.CLOSED

    @property
    def on_time(self) -> bool | None:
        """Handled within the time limit (None while not yet handled)."""
        if self.handled_ts is None or self.deadline_ts is None:
            return None
        return self.handled_ts <= self.deadline_ts

    def check(self, action: str, ts: int) -> None:
        """Raise InvalidTransition unless `action` may be appended at `ts`."""
        if self.events and ts < self.events[-1].ts:
            raise InvalidTransition(f"{self.case_id}: {action} at {ts} is earlier than the "
                                    f"case's last event ({self.events[-1].ts})")
        if action in _NOTES:
            if self.stage not in NOTES_OPEN:
                raise InvalidTransition(f"{self.case_id}: cannot note {action} on a "
                                        f"{self.stage or 'new'} case")
            return
        stage = Stage(action)
        if stage not in NEXT[self.stage]:
            allowed = sorted(s.value for s in NEXT[self.stage]) or ["nothing (closed)"]
            raise InvalidTransition(f"{self.case_id}: {self.stage or 'new'} -> {stage} is not "
                                    f"allowed; next may be {', '.join(allowed)}")

    def apply(self, ev: CaseEvent) -> None:
        """Fold one event into the state (after `check`)."""
        d = ev.detail
        self.events.append(ev)
        if ev.action == Note.OVERDUE:
            self.overdue = True
            return
        if ev.action == Note.MERGED:
            self.reports += 1
            self._add_origin(d)
            return
        if ev.action == Note.VERIFY_FAILED:
            return
        self.stage = Stage(ev.action)
        if self.stage == Stage.REPORTED:
            self.reported_ts = ev.ts
            self.reports = 1
            self.category = d["category"]
            self.source = d.get("source", "")
            self.lon, self.lat, self.grid = d["lon"], d["lat"], d.get("grid", "")
            self._add_origin(d)
        elif self.stage == Stage.FILED:
            self.filed_ts = ev.ts
        elif self.stage == Stage.DISPATCHED:
            self.dispatches += 1
            self.department = d["department"]
            self.current_dispatch = d["dispatch_id"]
            if d.get("rework"):
                self.rework += 1
                self.handled_ts = self.handled_outcome = None
            if self.dispatched_ts is None:
                self.dispatched_ts = ev.ts
                self.deadline_ts = d["deadline_ts"]
        elif self.stage == Stage.HANDLED:
            self.handled_ts = ev.ts
            self.handled_outcome = d.get("outcome")
        elif self.stage == Stage.VERIFIED:
            self.verified_ts = ev.ts
        elif self.stage == Stage.CLOSED:
            self.closed_ts = ev.ts
            self.closure_type = d.get("closure_type")

    def _add_origin(self, d: dict[str, Any]) -> None:
        if d.get("alarm_id"):
            self.alarm_ids.append(d["alarm_id"])
        if d.get("device_id") and d["device_id"] not in self.device_ids:
            self.device_ids.append(d["device_id"])


class CaseLog:
    """The append-only log of case events and the cases folded from it."""

    def __init__(self, on_append: Callable[[CaseEvent], None] | None = None):
        self.events: list[CaseEvent] = []
        self.cases: dict[str, Case] = {}
        self._on_append = on_append

    def new_case_id(self) -> str:
        return f"C{len(self.cases) + 1:06d}"

    def append(self, case_id: str, action: str, ts: int, actor: str,
               **detail: Any) -> CaseEvent:
        case = self.cases.get(case_id) or Case(case_id)
        case.check(action, ts)
        ev = CaseEvent(len(self.events) + 1, case_id, ts, str(action), actor, detail)
        case.apply(ev)
        self.cases[case_id] = case
        self.events.append(ev)
        if self._on_append:
            self._on_append(ev)
        return ev

    @classmethod
    def replay(cls, events: Iterable[CaseEvent],
               on_append: Callable[[CaseEvent], None] | None = None) -> CaseLog:
        """Rebuild cases from stored events (checking every transition again)."""
        log = cls()
        for ev in events:
            case = log.cases.get(ev.case_id) or Case(ev.case_id)
            case.check(ev.action, ev.ts)
            case.apply(ev)
            log.cases[ev.case_id] = case
            log.events.append(ev)
        log._on_append = on_append
        return log

    def open_cases(self) -> list[Case]:
        return [c for c in self.cases.values() if c.is_open]
