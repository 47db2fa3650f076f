"""The IOC's configuration bundle (`ioc.yaml`): which event catalogue (事项清单), alarm rules,
case flow and working calendar the IOC runs with, and a pilot's overrides of catalogue items.

Every file is YAML read through `ioc.contract.files` and validated completely at start-up;
a bad file fails with the file, the key path inside it, its line and what was expected. The
bundle is where the files meet, so the checks across them are made here: the rules' categories
against the catalogue, the flow's composite terms against the KPIs that exist.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ioc.casework.catalogue import Catalogue, ItemOverride, load_catalogue
from ioc.casework.flowconfig import FlowConfig, load_flow
from ioc.casework.vocabulary import DEFAULT_DIR, Code, ConfigError, ConfModel
from ioc.contract import load_yaml_model
from ioc.measures.kpis import KPI_NAMES_ZH
from ioc.rules.ruleset import RuleSet, load_rules

DEFAULT_IOC_CONFIG = DEFAULT_DIR / "ioc" / "default.yaml"


class ClockMode(StrEnum):
    """What moves the IOC's clock: the simulator's ticks (watermarks), or real time."""

    SIM = "sim"
    WALL = "wall"


class IocConfigFile(ConfModel):
    """`ioc.yaml`: the files an IOC runs with (paths relative to this file) and overrides."""

    name: str
    catalogue: str  # a folder of catalogue YAML files, or one file
    rules: str
    flow: str
    calendar: str
    overrides: dict[Code, ItemOverride] = Field(default_factory=dict)


class IocConfig(BaseModel):
    """Everything loaded and cross-checked."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    path: Path
    catalogue: Catalogue
    rules: RuleSet
    flow: FlowConfig
    calendar_path: Path  # its UTC offset is the IOC's local time


def load_ioc_config(path: str | Path = DEFAULT_IOC_CONFIG) -> IocConfig:
    """The IOC's whole configuration from its `ioc.yaml`."""
    path = Path(path).resolve()
    spec = load_yaml_model(path, IocConfigFile, ConfigError)
    base = path.parent
    catalogue = load_catalogue(base / spec.catalogue, spec.overrides)
    rules = load_rules(base / spec.rules, catalogue)
    flow = load_flow(base / spec.flow, KPI_NAMES_ZH)
    calendar = base / spec.calendar
    if not calendar.exists():
        raise ConfigError(path, [("calendar", f"no file {calendar}")])
    return IocConfig(
        name=spec.name,
        path=path,
        catalogue=catalogue,
        rules=rules,
        flow=flow,
        calendar_path=calendar,
    )
