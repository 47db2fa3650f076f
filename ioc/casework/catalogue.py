"""IOC configuration: the event catalogue (事项清单), the alarm rules, the case flow (stages,
per-stage time limits, desk automation, KPI weights), the working calendar and per-pilot
overrides, bundled by one `ioc.yaml`.

Every file is YAML and validated completely at start-up; a bad file fails with the file, the
key path inside it and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ioc.contract import (
    Ident,
    InputFileError,
    load_yaml_model,
    read_yaml,
)

Code = Ident  # catalogue codes, unit and rule ids: identifiers that may appear in topics
Clock = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]  # "HH:MM"

# Where the project keeps its default configuration (an editable install or a checkout).
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "scenarios"
DEFAULT_IOC_CONFIG = DEFAULT_DIR / "ioc" / "default.yaml"

Level = Literal["district", "street", "community"]
LEVEL_ZH = {"district": "区/县", "street": "街道/镇", "community": "社区/村"}
Channel = Literal["iot", "patrol", "hotline"]
CHANNEL_ZH = {"iot": "智能发现", "patrol": "主动发现", "hotline": "被动发现"}


class _Conf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeLimit(_Conf):
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


# ----------------------------------------------------------------------------- catalogue


class DepartmentType(_Conf):
    """A kind of handling unit (处置单位类型), e.g. sanitation; the scenario's (or the city's)
    units of this type do the work, one per area at their level."""

    code: Code
    name_zh: str
    name_en: str


class CatalogueItem(_Conf):
    """One 事项清单 entry.

    `kind` is 部件 (component: a city asset with a fault) or 事件 (event). `class_code` is the
    大类 and `code` the 小类 code. `department` is the handling unit type (处置单位) and
    `authority` the supervising one (主管部门). `level` says at which level (区/县, 街道/镇,
    社区/村) the handling unit sits. `time_limit` is the 处置时限 from 派遣 to 处置; emergencies use
    natural time, the rest working time. `auto_file`: an IoT or AI detection is filed without
    a human 受理. `check`: who does 核查 after disposal (`iot`: the devices that raised the case
    must recover; falls back to the grid supervisor for cases without devices). Reports of the
    same item within `merge_radius_m` and `merge_window_h` of an open case are merged into it;
    radius 0 merges only reports from the same device (one asset, e.g. a lamp).
    """

    code: Code
    name_zh: str
    name_en: str
    kind: Literal["component", "event"]
    class_code: Code
    class_zh: str
    class_en: str
    department: Code
    authority: Code | None = None
    level: Level = "street"
    filing_standard_zh: str
    closing_standard_zh: str
    time_limit: TimeLimit
    urgency: Literal["normal", "urgent", "emergency"] = "normal"
    auto_file: bool = False
    check: Literal["grid", "iot"] = "grid"
    merge_radius_m: float = Field(default=100.0, ge=0)
    merge_window_h: float = Field(default=24.0, gt=0)
    verify_after_min: float = Field(default=10.0, ge=0)  # iot 核查: first re-check after 处置
    recheck_every_min: float = Field(default=5.0, gt=0)
    note: str = ""  # where the figures come from


class CatalogueFile(_Conf):
    """One file of the catalogue folder: department types and/or items."""

    name: str | None = None
    departments: list[DepartmentType] = []
    items: list[CatalogueItem] = []


class Catalogue(_Conf):
    name: str
    departments: list[DepartmentType] = Field(min_length=1)
    items: list[CatalogueItem] = Field(min_length=1)

    def item(self, code: str) -> CatalogueItem | None:
        return self._items().get(code)

    def department(self, code: str) -> DepartmentType | None:
        return next((d for d in self.departments if d.code == code), None)

    def _items(self) -> dict[str, CatalogueItem]:
        cache = self.__dict__.get("_by_code")
        if cache is None:
            cache = {i.code: i for i in self.items}
            self.__dict__["_by_code"] = cache
        return cache


# ----------------------------------------------------------------------------- rules


class Rule(_Conf):
    """A threshold rule: `metric op threshold` held for `for_s` seconds raises an alarm filed
    under catalogue `category`; the alarm clears once the value has been on the far side of
    `clear_threshold` (hysteresis; defaults to `threshold`) for `clear_for_s` seconds.
    `hours` limits the rule to a daily window of local time (day and night noise limits)."""

    id: Code
    name_zh: str
    name_en: str
    device_kind: Code
    metric: str
    op: Literal[">", ">=", "<", "<="]
    threshold: float
    for_s: float = Field(default=0.0, ge=0)
    clear_threshold: float | None = None
    clear_for_s: float = Field(default=0.0, ge=0)
    category: Code
    # Local hours the rule applies in, e.g. ["22:00", "06:00"] for a night limit (may wrap
    # past midnight); readings outside are not evaluated by it.
    hours: tuple[Clock, Clock] | None = None


class EventRule(_Conf):
    """How an edge event (a video analytic's detection, a gateway's local rule) is filed: an
    event of `kind` from a camera watching one of `scenes` (any scene when omitted) raises an
    alarm under catalogue `category`. The first matching rule wins, so scene-specific rules
    go first. Events below `min_confidence` are kept with their evidence but raise nothing."""

    id: Code
    name_zh: str
    name_en: str
    kind: Code
    scenes: list[Code] | None = None
    min_confidence: float = Field(default=0.0, ge=0, le=1)
    category: Code

    def matches(self, kind: str, scene: str | None) -> bool:
        return kind == self.kind and (self.scenes is None or scene in self.scenes)


class RuleSet(_Conf):
    rules: list[Rule] = Field(min_length=1)
    events: list[EventRule] = []

    def event_rule(self, kind: str, scene: str | None) -> EventRule | None:
        return next((r for r in self.events if r.matches(kind, scene)), None)


# ----------------------------------------------------------------------------- flow

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


class CompositeTerm(_Conf):
    """A term of the 综合指标值: weight x KPI (or x (1 - KPI) when `invert`)."""

    kpi: str
    weight: float
    invert: bool = False


class FlowConfig(_Conf):
    """The case flow of a pilot: which stages it uses, their time limits and who acts.

    `limits` give each stage's time from the previous stage (the 处置 limit comes from the
    catalogue item). `verify_channels`: reports from these channels are verified on site
    (核实) before filing. `desk`: each desk action is `manual` (a task for an operator) or
    `auto` (the IOC decides: 智能受理/智能派单). IoT/AI reports of items with `auto_file` are
    accepted and filed automatically; items whose urgency is listed in `auto_dispatch_urgency`
    are dispatched by the IOC to the nearest crew at once.
    """

    name: str
    stages: list[str] = list(STAGE_ORDER)
    limits: dict[str, TimeLimit] = {}
    verify_channels: list[Channel] = ["hotline"]
    desk: dict[DeskAction, Literal["manual", "auto"]] = {}
    auto_dispatch_urgency: list[Literal["normal", "urgent", "emergency"]] = ["emergency"]
    warning_fraction: float = Field(default=0.8, gt=0, lt=1)
    composite: list[CompositeTerm] = []

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

    def desk_mode(self, action: str) -> str:
        return self.desk.get(action, "manual")  # type: ignore[call-overload]


# ----------------------------------------------------------------------------- bundle


class ItemOverride(_Conf):
    """A pilot's own value for a catalogue item (real cities differ)."""

    time_limit: TimeLimit | None = None
    urgency: Literal["normal", "urgent", "emergency"] | None = None
    level: Level | None = None
    department: Code | None = None
    auto_file: bool | None = None
    check: Literal["grid", "iot"] | None = None


class IocConfigFile(_Conf):
    """`ioc.yaml`: the files an IOC runs with (paths relative to this file) and overrides."""

    name: str
    catalogue: str  # a folder of catalogue YAML files, or one file
    rules: str
    flow: str
    calendar: str
    overrides: dict[Code, ItemOverride] = {}


class IocConfig(BaseModel):
    """Everything loaded and cross-checked."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    path: Path
    catalogue: Catalogue
    rules: RuleSet
    flow: FlowConfig
    calendar_path: Path  # its UTC offset is the IOC's local time


class ConfigError(InputFileError):
    """A configuration file the IOC cannot use: the file and each problem's key path."""


M = TypeVar("M", bound=BaseModel)


def _read_yaml(path: Path) -> Any:
    return read_yaml(path, ConfigError).data


def load_model(path: Path, model: type[M]) -> M:
    """Read one YAML file into `model`, or raise ConfigError naming key paths and lines."""
    return load_yaml_model(path, model, ConfigError)


def load_catalogue(
    path: str | Path,
    overrides: dict[str, ItemOverride] | None = None,
) -> Catalogue:
    """A catalogue from one file or a folder of files (merged in name order)."""
    path = Path(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise ConfigError(path, [("(folder)", "no *.yaml catalogue files")])
    departments: list[DepartmentType] = []
    items: list[CatalogueItem] = []
    names: list[str] = []
    where: dict[str, str] = {}
    problems: list[tuple[str, str]] = []
    for f in files:
        part = load_model(f, CatalogueFile)
        if part.name:
            names.append(part.name)
        departments += part.departments
        for i, item in enumerate(part.items):
            key = f"{f.name}: items[{i}].code"
            if item.code in where:
                problems.append((key, f"category {item.code!r} is also in {where[item.code]}"))
            where[item.code] = key
            items.append(item)
    dept_codes = {d.code for d in departments}
    for item in items:
        for field in ("department", "authority"):
            code = getattr(item, field)
            if code is not None and code not in dept_codes:
                problems.append(
                    (
                        f"{where[item.code]} -> {field}",
                        f"no department type {code!r}; known: {sorted(dept_codes)}",
                    )
                )
    for code in overrides or {}:
        if code not in where:
            problems.append((f"overrides.{code}", "no such catalogue item"))
    if problems:
        raise ConfigError(path, problems)
    if overrides:
        items = [
            _override(item, overrides[item.code]) if item.code in overrides else item
            for item in items
        ]
    if not items or not departments:
        raise ConfigError(path, [("(catalogue)", "needs at least one department and one item")])
    return Catalogue(name=" / ".join(names) or path.name, departments=departments, items=items)


def _override(item: CatalogueItem, override: ItemOverride) -> CatalogueItem:
    data = item.model_dump()
    data.update(override.model_dump(exclude_none=True))
    return CatalogueItem.model_validate(data)


def load_rules(path: str | Path, catalogue: Catalogue) -> RuleSet:
    path = Path(path)
    rules = load_model(path, RuleSet)
    problems = []
    ids: set[str] = set()
    listed: list[tuple[str, Rule | EventRule]] = [
        *((f"rules[{i}]", r) for i, r in enumerate(rules.rules)),
        *((f"events[{i}]", r) for i, r in enumerate(rules.events)),
    ]
    for where, rule in listed:
        if rule.id in ids:
            problems.append((f"{where}.id", f"rule id {rule.id!r} is used twice"))
        ids.add(rule.id)
        if catalogue.item(rule.category) is None:
            problems.append(
                (f"{where}.category", f"no catalogue item {rule.category!r} in {catalogue.name!r}")
            )
    if problems:
        raise ConfigError(path, problems)
    return rules


def load_flow(path: str | Path, catalogue: Catalogue) -> FlowConfig:
    path = Path(path)
    flow = load_model(path, FlowConfig)
    from ioc.measures.kpis import KPI_NAMES_ZH  # the KPIs a composite term may use

    problems = [
        (f"composite[{i}].kpi", f"unknown KPI {t.kpi!r}")
        for i, t in enumerate(flow.composite)
        if t.kpi not in KPI_NAMES_ZH
    ]
    if problems:
        raise ConfigError(path, problems)
    return flow


def load_ioc_config(path: str | Path = DEFAULT_IOC_CONFIG) -> IocConfig:
    """The IOC's whole configuration from its `ioc.yaml`."""
    path = Path(path).resolve()
    spec = load_model(path, IocConfigFile)
    base = path.parent
    catalogue = load_catalogue(base / spec.catalogue, spec.overrides)
    rules = load_rules(base / spec.rules, catalogue)
    flow = load_flow(base / spec.flow, catalogue)
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
