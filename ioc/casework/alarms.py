"""The alarm record (告警): what a threshold rule on readings or an edge event (a video
analytic's detection) raised, where, the case it opened or joined, and when it cleared."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Alarm:
    """An alarm (告警): a reading rule or an edge event (video analytic) that fired.
    `key` tells apart alarms of one rule on one device (a tower camera may see two fires);
    `evidence` names the edge event whose snapshot backs it."""

    alarm_id: str
    rule_id: str
    device_id: str
    category: str
    raised_ts: int
    value: float
    lon: float = 0.0
    lat: float = 0.0
    cleared_ts: int | None = None
    case_id: str | None = None
    key: str = ""
    evidence: str | None = None

    @property
    def active_key(self) -> tuple[str, str]:
        return (self.rule_id, self.key or self.device_id)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
