"""The case flow of a pilot (统一流程): which stages it uses, each stage's time limit, which
desk actions the IOC takes itself, the red-light fraction and the 综合指标值 weights.

The weights name KPIs; which names exist is the KPIs' business (`ioc.measures.kpis`), so the
bundle that loads a flow passes them in (`load_flow(path, kpi_names)`): case work does not
import the measures computed from it.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from ioc.casework.vocabulary import Channel, ConfigError, ConfModel, TimeLimit, Urgency
from ioc.contract import load_yaml_model

# The canonical stage order; a flow uses a subsequence of it.
STAGE_ORDER = (
    "reported",
    "accepted",
    "verified",
    "filed",
    "dispatched",
    "handled",
    "feedback",
    "checked",
    "closed",
)
REQUIRED_STAGES = ("reported", "filed", "dispatched", "handled", "closed")
DeskAction = Literal["accept", "file", "dispatch", "approve_extension", "approve_park"]


class CompositeTerm(ConfModel):
    """A term of the 综合指标值: weight x KPI (or x (1 - KPI) when `invert`)."""

    kpi: str
    weight: float
    invert: bool = False


class FlowConfig(ConfModel):
    """The case flow of a pilot: which stages it uses, their time limits and who acts.

    `limits` give each stage's time from the previous stage (the 处置 limit comes from the
    catalogue item). `verify_channels`: reports from these channels are verified on site
    (核实) before filing. `desk`: each desk action is `manual` (a task for an operator) or
    `auto` (the IOC decides: 智能受理/智能派单). IoT/AI reports of items with `auto_file` are
    accepted and filed automatically; items whose urgency is listed in `auto_dispatch_urgency`
    are dispatched by the IOC to the nearest crew at once.
    """

    name: str
    stages: list[str] = Field(default_factory=lambda: list(STAGE_ORDER))
    limits: dict[str, TimeLimit] = Field(default_factory=dict)
    verify_channels: list[Channel] = Field(default_factory=lambda: ["hotline"])
    desk: dict[DeskAction, Literal["manual", "auto"]] = Field(default_factory=dict)
    auto_dispatch_urgency: list[Urgency] = Field(default_factory=lambda: ["emergency"])
    warning_fraction: float = Field(default=0.8, gt=0, lt=1)
    composite: list[CompositeTerm] = Field(default_factory=list)

    @model_validator(mode="after")
    def _stages_in_order(self) -> FlowConfig:
        unknown = [s for s in self.stages if s not in STAGE_ORDER]
        if unknown:
            raise ValueError(f"unknown stages {unknown}; stages are {list(STAGE_ORDER)}")
        order = [STAGE_ORDER.index(s) for s in self.stages]
        if order != sorted(set(order)):
            raise ValueError(f"stages must be in the order {list(STAGE_ORDER)} without repeats")
        missing = [s for s in REQUIRED_STAGES if s not in self.stages]
        if missing:
            raise ValueError(f"a flow needs the stages {list(REQUIRED_STAGES)}; missing {missing}")
        extra = [s for s in self.limits if s not in self.stages or s in ("reported", "handled")]
        if extra:
            raise ValueError(
                f"limits for {extra}: only for the flow's stages after reported, "
                "except handled (its limit is the catalogue item's)"
            )
        return self

    def has(self, stage: str) -> bool:
        return stage in self.stages

    def desk_mode(self, action: DeskAction) -> str:
        return self.desk.get(action, "manual")


def load_flow(path: str | Path, kpi_names: Collection[str]) -> FlowConfig:
    """A flow file, its composite terms checked against the KPIs that exist (`kpi_names`)."""
    path = Path(path)
    flow = load_yaml_model(path, FlowConfig, ConfigError)
    problems = [
        (f"composite[{i}].kpi", f"unknown KPI {t.kpi!r}")
        for i, t in enumerate(flow.composite)
        if t.kpi not in kpi_names
    ]
    if problems:
        raise ConfigError(path, problems)
    return flow
