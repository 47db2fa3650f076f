"""What an evaluator answers: the goal (`value <comparison> target`), the verdict with its
evidence and one sentence on why, and the wording the evaluators share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ioc.assessment.commitments.spec import Comparison, Verdict


@dataclass(frozen=True)
class Goal:
    """The target of a commitment: `value <comparison> target` (in `unit`)."""

    comparison: Comparison
    target: float
    unit: str | None = None

    def met(self, value: float) -> bool:
        eps = 1e-9 * max(1.0, abs(self.target))
        match self.comparison:
            case ">=":
                return value >= self.target - eps
            case "<=":
                return value <= self.target + eps
            case ">":
                return value > self.target + eps
            case "<":
                return value < self.target - eps
            case _:
                return abs(value - self.target) <= eps

    def unreachable_below(self, upper: float) -> bool:
        """True when no value ≤ `upper` can meet the goal (only >=, > and == have such a
        bound)."""
        eps = 1e-9 * max(1.0, abs(self.target))
        if self.comparison in (">=", "=="):
            return upper < self.target - eps
        if self.comparison == ">":
            return upper <= self.target + eps
        return False

    def text(self) -> str:
        return f"{self.comparison} {num(self.target)}{unit_text(self.unit)}"


def num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"


def unit_text(unit: str | None) -> str:
    if not unit:
        return ""
    return " %" if unit == "%" else f" {unit}"


@dataclass(frozen=True)
class Evaluation:
    """An evaluator's answer: the measured value (None if none), the verdict, the evidence
    behind it (JSON-ready) and one sentence on why."""

    value: float | None
    verdict: Verdict
    evidence: dict[str, Any]
    why: str


def judge(goal: Goal, value: float, evidence: dict[str, Any], what: str) -> Evaluation:
    ok = goal.met(value)
    verdict: Verdict = "pass" if ok else "fail"
    return Evaluation(
        value,
        verdict,
        evidence,
        f"{what}: {num(value)}{unit_text(goal.unit)} "
        f"{'meets' if ok else 'misses'} the target {goal.text()}",
    )


def not_evaluable(what: str, evidence: dict[str, Any] | None = None) -> Evaluation:
    return Evaluation(None, "not_evaluable", evidence or {}, f"not evaluable: {what}")


def pct(fraction: float) -> float:
    """Percent, rounded to 0.001 % (polygon discs are a hair inside their circles; rounding
    keeps a fully covered area at 100 %)."""
    return round(100.0 * fraction, 3)


def with_note(res: Evaluation, note: str | None) -> Evaluation:
    if not note:
        return res
    return Evaluation(res.value, res.verdict, {**res.evidence, "note": note}, f"{res.why} ({note})")


def kinds_text(kinds: Sequence[str] | None) -> str:
    return "all kinds" if kinds is None else "/".join(kinds)
