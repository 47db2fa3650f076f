"""Where a case changes state: the 一网统管 case log.

Every change to a case is an appended event (action, event time, actor, detail); a case's
state is the fold of its events and nothing else, so state and KPIs can always be rebuilt from
the log. `CaseLog.append` enforces the flow. The full flow is

    上报 reported → 受理 accepted → 核实 verified → 立案 filed → 派遣 dispatched
        → 处置 handled → 反馈 feedback → 核查 checked → 结案 closed

and a pilot may use a subsequence of it (`FlowRules`): it must keep reported, filed,
dispatched, handled and closed. Optional stages before filing may be skipped case by case
(a patrol report is filed without 核实). Side paths:

- 作废 voided: a report found invalid before dispatch (terminal);
- 回退 returned: a unit sends back a wrong dispatch; the case is filed again, to re-dispatch;
- 返工 rework: 核查 failed (note check_failed), dispatched again to the same unit;
- 挂账 parked: approved long-term case, excluded from rates; may be dispatched again later.

Notes annotate a case without moving it: assigned (a task given to someone), merged (a
duplicate report), recategorised (改类), check_failed, extension_requested/approved/denied
(延期), park_requested/denied, warning (红灯预警, before a deadline), overdue (超期),
escalated (督办).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    REPORTED = "reported"
    ACCEPTED = "accepted"
    VERIFIED = "verified"
    FILED = "filed"
    DISPATCHED = "dispatched"
    HANDLED = "handled"
    FEEDBACK = "feedback"
    CHECKED = "checked"
    CLOSED = "closed"
    VOIDED = "voided"
    PARKED = "parked"


class Note(StrEnum):
    ASSIGNED = "assigned"
    MERGED = "merged"
    RECATEGORISED = "recategorised"
    RETURNED = "returned"  # moves the case back to filed
    CHECK_FAILED = "check_failed"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_DENIED = "extension_denied"
    PARK_REQUESTED = "park_requested"
    PARK_DENIED = "park_denied"
    WARNING = "warning"
    OVERDUE = "overdue"
    ESCALATED = "escalated"


ACTION_ZH: dict[str, str] = {
    "reported": "上报",
    "accepted": "受理",
    "verified": "核实",
    "filed": "立案",
    "dispatched": "派遣",
    "handled": "处置",
    "feedback": "反馈",
    "checked": "核查",
    "closed": "结案",
    "voided": "作废",
    "parked": "挂账",
    "assigned": "分派",
    "merged": "合并上报",
    "recategorised": "改类",
    "returned": "回退",
    "check_failed": "核查未通过(返工)",
    "extension_requested": "申请延期",
    "extension_approved": "延期批准",
    "extension_denied": "延期驳回",
    "park_requested": "申请挂账",
    "park_denied": "挂账驳回",
    "warning": "红灯预警",
    "overdue": "超期",
    "escalated": "督办",
}
CLOSURE_ZH = {
    "normal": "正常结案",
    "overdue": "超时结案",
    "error": "差错结案",
    "special": "特殊结案",
}

TERMINAL = {Stage.CLOSED, Stage.VOIDED}
PRE_DISPATCH = (Stage.REPORTED, Stage.ACCEPTED, Stage.VERIFIED, Stage.FILED)
POST_HANDLE = (Stage.HANDLED, Stage.FEEDBACK, Stage.CHECKED, Stage.CLOSED)
_NOTES = {n.value for n in Note}


class InvalidTransition(ValueError):
    pass


class FlowRules:
    """Which action may follow which, for a flow's stage list."""

    def __init__(self, stages: Iterable[str]):
        self.stages = [Stage(s) for s in stages]

    def allowed(self, stage: Stage | None) -> set[str]:
        if stage is None:
            return {Stage.REPORTED}
        if stage in TERMINAL:
            return set()
        if stage in PRE_DISPATCH:
            i = PRE_DISPATCH.index(stage)
            later = [s for s in PRE_DISPATCH[i + 1 :] if s in self.stages]
            # optional stages before filing may be skipped: any later one up to filed
            return (
                {*later, Stage.VOIDED} if stage != Stage.FILED else {Stage.DISPATCHED, Stage.VOIDED}
            )
        if stage == Stage.DISPATCHED:
            return {Stage.HANDLED, Note.RETURNED, Stage.PARKED}
        if stage == Stage.PARKED:
            return {Stage.DISPATCHED}
        after = [s for s in POST_HANDLE if s in self.stages]
        allowed: set[str] = {after[after.index(stage) + 1]}
        if Stage.CHECKED in self.stages and stage in (Stage.HANDLED, Stage.FEEDBACK):
            allowed.add(Stage.DISPATCHED)  # 返工 after a failed 核查
        return allowed

    def next_after(self, stage: Stage) -> Stage | None:
        """The next stage of the main sequence (for a case that does not skip)."""
        later = [s for s in self.stages if self.stages.index(s) > self.stages.index(stage)]
        return later[0] if later else None


@dataclass(frozen=True)
class CaseEvent:
    seq: int  # position in the whole log
    case_id: str
    ts: int  # event time, epoch ms
    action: str  # a Stage or a Note value
    actor: str
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "case_id": self.case_id,
            "ts": self.ts,
            "action": self.action,
            "action_zh": ACTION_ZH.get(self.action, ""),
            "actor": self.actor,
            "detail": self.detail,
        }


@dataclass
class Timing:
    """A stage reached (or a dispatch made): when, and by when it was due."""

    action: str
    ts: int
    due_ts: int | None

    @property
    def on_time(self) -> bool:
        return self.due_ts is None or self.ts <= self.due_ts


@dataclass
class Case:
    """A case's state: the fold of its events (never set directly)."""

    case_id: str
    stage: Stage | None = None
    stage_seq: int = 0  # counts stage changes (timers and tasks remember it)
    stage_since: int = 0
    pending_due_ts: int | None = None  # when the next stage is due
    category: str = ""
    channel: str = ""
    lon: float = 0.0
    lat: float = 0.0
    grid: str = ""
    street: str | None = None
    district: str | None = None
    level: str | None = None
    department: str | None = None  # the handling unit of the current dispatch
    department_type: str | None = None
    crew: str | None = None
    reports: list[dict[str, Any]] = field(default_factory=list)
    alarm_ids: list[str] = field(default_factory=list)
    device_ids: list[str] = field(default_factory=list)
    reported_ts: int | None = None
    filed_ts: int | None = None
    dispatched_ts: int | None = None  # first dispatch
    deadline_ts: int | None = None  # 处置 deadline, with approved extensions
    handled_ts: int | None = None
    handled_outcome: str | None = None
    closed_ts: int | None = None
    voided_ts: int | None = None
    parked_ts: int | None = None
    closure_type: str | None = None
    void_reason: str | None = None
    dispatches: int = 0
    rework: int = 0
    returned: int = 0
    extensions: int = 0
    warnings: int = 0
    escalations: int = 0
    overdue: bool = False
    overdue_stages: list[str] = field(default_factory=list)
    timings: list[Timing] = field(default_factory=list)
    open_tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    tasks_issued: int = 0
    events: list[CaseEvent] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.stage is not None and self.stage not in TERMINAL

    @property
    def on_time(self) -> bool | None:
        """Handled within the (extended) time limit; None while not yet handled."""
        if self.handled_ts is None or self.deadline_ts is None:
            return None
        return self.handled_ts <= self.deadline_ts

    def check(self, rules: FlowRules, action: str, ts: int) -> None:
        """Raise InvalidTransition unless `action` may be appended at `ts`."""
        if self.events and ts < self.events[-1].ts:
            raise InvalidTransition(
                f"{self.case_id}: {action} at {ts} is earlier than the "
                f"case's last event ({self.events[-1].ts})"
            )
        if action in _NOTES and action != Note.RETURNED:
            if not self.is_open:
                raise InvalidTransition(
                    f"{self.case_id}: cannot note {action} on a {self.stage or 'new'} case"
                )
            return
        allowed = rules.allowed(self.stage)
        if action not in allowed:
            names = ", ".join(sorted(allowed)) or "nothing (closed)"
            raise InvalidTransition(
                f"{self.case_id}: {self.stage or 'new'} -> {action} is not "
                f"allowed; next may be {names}"
            )

    def apply(self, ev: CaseEvent) -> None:
        """Fold one event into the state (after `check`)."""
        d = ev.detail
        self.events.append(ev)
        if d.get("done_task"):
            self.open_tasks.pop(d["done_task"], None)
        action = ev.action
        if action in _NOTES and action != Note.RETURNED:
            self._note(action, ev)
            return
        if action == Note.RETURNED:
            self.returned += 1
            self.department = self.crew = None
            self._move(Stage.FILED, ev)
            if d.get("category"):
                self.category = d["category"]
            return
        self.timings.append(Timing(action, ev.ts, self.pending_due_ts))
        self._move(Stage(action), ev)
        if action == Stage.REPORTED:
            self.reported_ts = ev.ts
            self.category = d["category"]
            self.channel = d["channel"]
            self.lon, self.lat, self.grid = d["lon"], d["lat"], d.get("grid") or ""
            self.street, self.district = d.get("street"), d.get("district")
            self._add_report(ev)
        elif action == Stage.FILED:
            self.filed_ts = ev.ts
            self.level = d.get("level", self.level)
        elif action == Stage.DISPATCHED:
            self.dispatches += 1
            self.department, self.department_type = d["department"], d.get("department_type")
            self.crew = d.get("crew")
            self.deadline_ts = d.get("deadline_ts", self.deadline_ts)
            if self.dispatched_ts is None:
                self.dispatched_ts = ev.ts
            if d.get("rework"):
                self.rework += 1
            self.handled_ts = self.handled_outcome = None
            self.open_tasks[d["task_id"]] = {
                "kind": "handle",
                "role": "dept",
                "unit": d["department"],
            }
            self.tasks_issued += 1
        elif action == Stage.HANDLED:
            self.handled_ts = ev.ts
            self.handled_outcome = d.get("outcome")
        elif action == Stage.CLOSED:
            self.closed_ts = ev.ts
            self.closure_type = d.get("closure_type")
        elif action == Stage.VOIDED:
            self.voided_ts, self.void_reason = ev.ts, d.get("reason")
        elif action == Stage.PARKED:
            self.parked_ts = ev.ts
            self.open_tasks = {k: t for k, t in self.open_tasks.items() if t["kind"] != "handle"}
        if self.stage in TERMINAL:
            self.open_tasks.clear()

    def _move(self, stage: Stage, ev: CaseEvent) -> None:
        self.stage = stage
        self.stage_seq += 1
        self.stage_since = ev.ts
        self.pending_due_ts = ev.detail.get("next_due_ts")

    def _note(self, action: str, ev: CaseEvent) -> None:
        d = ev.detail
        if action == Note.ASSIGNED:
            self.open_tasks[d["task_id"]] = {k: d[k] for k in ("kind", "role", "unit")}
            self.tasks_issued += 1
        elif action == Note.MERGED:
            self._add_report(ev)
        elif action == Note.RECATEGORISED:
            self.category = d["category"]
        elif action == Note.EXTENSION_APPROVED:
            self.extensions += 1
            self.deadline_ts = self.pending_due_ts = d["deadline_ts"]
        elif action == Note.WARNING:
            self.warnings += 1
        elif action == Note.OVERDUE:
            self.overdue = True
            self.overdue_stages.append(d.get("stage", ""))
        elif action == Note.ESCALATED:
            self.escalations += 1

    def _add_report(self, ev: CaseEvent) -> None:
        d = ev.detail
        self.reports.append(
            {
                "channel": d.get("channel"),
                "ref": d.get("ref"),
                "ts": ev.ts,
                "lon": d.get("lon"),
                "lat": d.get("lat"),
            }
        )
        if d.get("alarm_id"):
            self.alarm_ids.append(d["alarm_id"])
        if d.get("device_id") and d["device_id"] not in self.device_ids:
            self.device_ids.append(d["device_id"])


class CaseLog:
    """The append-only log of case events and the cases folded from it."""

    def __init__(self, rules: FlowRules, on_append: Callable[[CaseEvent], None] | None = None):
        self.rules = rules
        self.events: list[CaseEvent] = []
        self.cases: dict[str, Case] = {}
        self._on_append = on_append

    def new_case_id(self) -> str:
        return f"C{len(self.cases) + 1:06d}"

    def append(self, case_id: str, action: str, ts: int, actor: str, **detail: Any) -> CaseEvent:
        case = self.cases.get(case_id) or Case(case_id)
        case.check(self.rules, action, ts)
        ev = CaseEvent(len(self.events) + 1, case_id, ts, str(action), actor, detail)
        case.apply(ev)
        self.cases[case_id] = case
        self.events.append(ev)
        if self._on_append:
            self._on_append(ev)
        return ev

    @classmethod
    def replay(
        cls,
        events: Iterable[CaseEvent],
        rules: FlowRules,
        on_append: Callable[[CaseEvent], None] | None = None,
    ) -> CaseLog:
        """Rebuild cases from stored events, checking every transition again."""
        log = cls(rules)
        for ev in events:
            case = log.cases.get(ev.case_id) or Case(ev.case_id)
            case.check(rules, ev.action, ev.ts)
            case.apply(ev)
            log.cases[ev.case_id] = case
            log.events.append(ev)
        log._on_append = on_append
        return log

    def open_cases(self) -> list[Case]:
        return [c for c in self.cases.values() if c.is_open]
