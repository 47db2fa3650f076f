"""The words the IOC's configuration files share: codes, handling levels (区/县, 街道/镇,
社区/村), discovery channels (智能发现, 主动发现, 被动发现), urgency, time limits in natural or
working time, the base of every configuration model, and the error a bad file raises.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ioc.contract import Ident, InputFileError

Code = Ident  # catalogue codes, unit and rule ids: identifiers that may appear in topics

# Where the project keeps its default configuration (an editable install or a checkout).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "scenarios"

Level = Literal["district", "street", "community"]
LEVEL_ZH = {"district": "区/县", "street": "街道/镇", "community": "社区/村"}
Channel = Literal["iot", "patrol", "hotline"]
CHANNEL_ZH = {"iot": "智能发现", "patrol": "主动发现", "hotline": "被动发现"}
Urgency = Literal["normal", "urgent", "emergency"]


class ConfModel(BaseModel):
    """A configuration model: every key checked, unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ConfigError(InputFileError):
    """A configuration file the IOC cannot use: the file and each problem's key path."""


class TimeLimit(ConfModel):
    """A time limit: natural `minutes`/`hours`/`days`, or working time `work_hours` (工作时)
    and `work_days` (工作日) counted on the working calendar."""

    value: float = Field(gt=0)
    unit: Literal["minutes", "hours", "days", "work_hours", "work_days"]

    @property
    def working(self) -> bool:
        return self.unit.startswith("work_")

    def describe_zh(self) -> str:
        names = {
            "minutes": "分钟",
            "hours": "小时",
            "days": "天",
            "work_hours": "工作时",
            "work_days": "工作日",
        }
        return f"{self.value:g}{names[self.unit]}"
