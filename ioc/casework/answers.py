"""People's answers to the tasks the flow gave them (受理, 核实, 立案, 派遣, 处置, 核查, approvals),
and the side paths they open: 回退 (a unit sends back a dispatch that is not its business),
返工 (核查 fails: back to the same unit, same deadline), 延期 (more time, approved by the desk)
and 挂账 (a long-term case, parked). A late answer cannot rewrite the past: it takes effect at
the case's last event time at the earliest.
"""

from __future__ import annotations

from ioc.casework.cases import Case, Note, Stage
from ioc.casework.flow import DESK, CaseFlow
from ioc.casework.vocabulary import TimeLimit
from ioc.contract import TaskResult


class Answers:
    """Task results into case events."""

    def __init__(self, flow: CaseFlow):
        self.flow = flow

    def task_result(self, res: TaskResult) -> str | None:
        """A person's answer to a task; returns a rejection reason or None."""
        case = self.flow.log.cases.get(res.case_id)
        if case is None:
            return "unknown_case"
        task = case.open_tasks.get(res.task_id)
        if task is None or task["kind"] != res.kind:
            return "stale_task"
        if res.category and self.flow.catalogue.item(res.category) is None:
            return "unknown_category"
        if res.kind == "dispatch" and res.department not in self.flow.org.units:
            return "unknown_unit"
        ts = max(res.ts, case.events[-1].ts)  # a late answer cannot rewrite the past
        actor = f"{task['role']}:{task['unit']}/{res.actor}"
        done = {"done_task": res.task_id}
        kind, outcome = res.kind, res.outcome
        if kind in ("accept", "verify", "file") and res.category not in (None, case.category):
            self.flow.log.append(
                case.case_id,
                Note.RECATEGORISED,
                ts,
                actor,
                category=res.category,
                was=case.category,
            )
        if outcome == "invalid" or (kind == "verify" and outcome == "not_found"):
            self.flow.stage(case, Stage.VOIDED, ts, actor, reason=res.note or outcome, **done)
        elif kind == "verify":
            dup = self.flow.merge_target(case.category, case.lon, case.lat, ts, None, case.case_id)
            if dup is not None:  # once its category is right it turns out to be known already
                self.flow.log.append(
                    dup.case_id,
                    Note.MERGED,
                    ts,
                    actor,
                    channel=case.channel,
                    ref=case.reports[0].get("ref"),
                    lon=case.lon,
                    lat=case.lat,
                )
                self.flow.stage(
                    case,
                    Stage.VOIDED,
                    ts,
                    actor,
                    reason=f"duplicate of {dup.case_id}",
                    duplicate_of=dup.case_id,
                    **done,
                )
            else:
                self.flow.stage(case, Stage.VERIFIED, ts, actor, **done)
                self.flow.proceed(case, ts)
        elif kind in ("accept", "file"):
            stage = Stage.ACCEPTED if kind == "accept" else Stage.FILED
            self.flow.stage(case, stage, ts, actor, level=self.flow.item(case).level, **done)
            self.flow.proceed(case, ts)
        elif kind == "dispatch":
            self.flow.dispatch(case, ts, actor, res.department, done_task=res.task_id)
        elif kind == "handle":
            self._handle_answer(case, res, ts, actor)
        elif kind == "check":
            if outcome == "pass":
                self.flow.stage(case, Stage.CHECKED, ts, actor, method="grid", **done)
                self.flow.close(case, ts)
            else:
                self.flow.log.append(
                    case.case_id, Note.CHECK_FAILED, ts, actor, method="grid", **done
                )
                self.flow.dispatch(case, ts, "ioc:auto", case.department, rework=True)
        elif kind in ("approve_extension", "approve_park") and case.stage != Stage.DISPATCHED:
            # the unit finished (or sent it back) before the desk decided: nothing to approve
            note = Note.EXTENSION_DENIED if kind == "approve_extension" else Note.PARK_DENIED
            self.flow.log.append(case.case_id, note, ts, actor, moot=True, decision=outcome, **done)
        elif kind == "approve_extension":
            self._extension(case, res, ts, actor)
        elif kind == "approve_park":
            if outcome == "approved":
                self.flow.stage(case, Stage.PARKED, ts, actor, **done)
            else:  # refused: the unit has to do the work after all
                self.flow.log.append(case.case_id, Note.PARK_DENIED, ts, actor, **done)
                self._resend_handle(case, ts, "挂账未批准，请按期处置 park refused: handle it")
        return None

    def _handle_answer(self, case: Case, res: TaskResult, ts: int, actor: str) -> None:
        done = {"done_task": res.task_id}
        if res.outcome in ("done", "not_found"):
            handled_at = max(min(res.handled_ts or ts, ts), case.events[-1].ts)
            self.flow.stage(
                case,
                Stage.HANDLED,
                handled_at,
                actor,
                outcome=res.outcome,
                arrived_ts=res.arrived_ts,
                **done,
            )
            if self.flow.cfg.has("feedback"):
                self.flow.stage(case, Stage.FEEDBACK, ts, actor)
            self.flow.proceed(case, ts)
        elif res.outcome == "returned":
            category = res.category if res.category not in (None, case.category) else None
            next_due = self.flow.due(Stage.DISPATCHED, ts)
            self.flow.log.append(
                case.case_id,
                Note.RETURNED,
                ts,
                actor,
                reason=res.note,
                category=category,
                next_due_ts=next_due,
                **done,
            )
            self.flow.arm(case, ts)
            self.flow.proceed(case, ts, desk_dispatch=True)
        elif res.outcome == "extension":
            self.flow.log.append(
                case.case_id,
                Note.EXTENSION_REQUESTED,
                ts,
                actor,
                hours=res.extension_h,
                reason=res.note,
            )
            if self.flow.cfg.desk_mode("approve_extension") == "auto":
                self._grant_extension(case, res.extension_h or 0.0, ts, "ioc:auto", None)
            else:
                self.flow.assign(
                    case,
                    "approve_extension",
                    "desk",
                    DESK,
                    ts,
                    extension_h=res.extension_h,
                    department=case.department,
                )
        elif res.outcome == "park":  # the handle task stays open until 挂账 is approved
            self.flow.log.append(case.case_id, Note.PARK_REQUESTED, ts, actor, reason=res.note)
            if self.flow.cfg.desk_mode("approve_park") == "auto":
                self.flow.stage(case, Stage.PARKED, ts, "ioc:auto")
            else:
                self.flow.assign(case, "approve_park", "desk", DESK, ts, department=case.department)

    def _resend_handle(self, case: Case, ts: int, note: str) -> None:
        """Give the unit its (still open) handle task again."""
        task_id = next(t for t, info in case.open_tasks.items() if info["kind"] == "handle")
        assert case.department is not None
        self.flow.send_task(
            "handle",
            "dept",
            case.department,
            case,
            {
                "task_id": task_id,
                "ts": ts,
                "due_ts": case.deadline_ts,
                "deadline_ts": case.deadline_ts,
                "crew": None,
                "note": note,
            },
        )

    def _extension(self, case: Case, res: TaskResult, ts: int, actor: str) -> None:
        task = case.open_tasks[res.task_id]
        hours = (
            next(
                (
                    e.detail.get("hours")
                    for e in reversed(case.events)
                    if e.action == Note.EXTENSION_REQUESTED
                ),
                None,
            )
            or 0.0
        )
        if res.outcome == "approved":
            self._grant_extension(case, res.extension_h or hours, ts, actor, res.task_id)
        else:
            self.flow.log.append(
                case.case_id,
                Note.EXTENSION_DENIED,
                ts,
                actor,
                done_task=res.task_id,
                unit=task["unit"],
            )

    def _grant_extension(
        self, case: Case, hours: float, ts: int, actor: str, task_id: str | None
    ) -> None:
        limit = self.flow.item(case).time_limit
        unit = "work_hours" if limit.working else "hours"
        base = case.deadline_ts if case.deadline_ts is not None else ts
        deadline = self.flow.calendar.add(base, TimeLimit(value=hours, unit=unit))
        extra = {"done_task": task_id} if task_id else {}
        self.flow.log.append(
            case.case_id,
            Note.EXTENSION_APPROVED,
            ts,
            actor,
            hours=hours,
            deadline_ts=deadline,
            **extra,
        )
        self.flow.arm(case, ts)
