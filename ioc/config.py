"""IOC configuration files: the event catalogue (事项清单) and the alarm rules.

Both are YAML, validated completely at start-up; a bad file fails with the file, the key path
inside it and what was expected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from ioc.contract import InputFileError, format_path, validation_problems

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]

# Where the project keeps its default configuration (an editable install or a checkout).
DEFAULT_DIR = Path(__file__).resolve().parent.parent / "scenarios"
DEFAULT_CATALOGUE = DEFAULT_DIR / "catalogue" / "default.yaml"
DEFAULT_RULES = DEFAULT_DIR / "rules" / "default.yaml"


class _Conf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentEntry(_Conf):
    """A department the IOC can dispatch to (处置单位)."""

    code: Code
    name_zh: str
    name_en: str


class CatalogueItem(_Conf):
    """One 事项清单 entry: what it is, who handles it, filing/closing standards, time limit.

    `time_limit_h` is the 处置时限 in natural hours, counted from dispatch (派遣) to the
    department's completion report (处置). After completion the IOC re-checks (核查) the
    devices that raised the case: first after `verify_after_min`, then every
    `recheck_every_min`; if they have not recovered by `verify_limit_min` the 核查 fails and
    the case goes back to the same department (返工).

    A new report of the same item within `merge_radius_m` of an open case is merged into it
    (one incident seen by several devices); 0 merges only reports from the same device
    (faults of one asset, e.g. a lamp).
    """

    code: Code
    name_zh: str
    name_en: str
    group_zh: str = "物联感知"
    department: Code
    time_limit_h: float = Field(gt=0)
    urgency: Literal["normal", "urgent", "emergency"] = "normal"
    filing_standard_zh: str = ""
    closing_standard_zh: str = ""
    merge_radius_m: float = Field(default=100.0, ge=0)
    verify_after_min: float = Field(default=10.0, ge=0)
    recheck_every_min: float = Field(default=5.0, gt=0)
    verify_limit_min: float = Field(default=120.0, gt=0)


class Catalogue(_Conf):
    name: str
    departments: list[DepartmentEntry] = Field(min_length=1)
    items: list[CatalogueItem] = Field(min_length=1)

    def item(self, code: str) -> CatalogueItem | None:
        return next((i for i in self.items if i.code == code), None)

    def department(self, code: str) -> DepartmentEntry | None:
        return next((d for d in self.departments if d.code == code), None)


class Rule(_Conf):
    """A threshold rule: `metric op threshold` held for `for_s` seconds raises an alarm filed
    under catalogue `category`; the alarm clears once the value has been on the far side of
    `clear_threshold` (hysteresis; defaults to `threshold`) for `clear_for_s` seconds."""

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


class RuleSet(_Conf):
    rules: list[Rule] = Field(min_length=1)


class ConfigError(InputFileError):
    """A configuration file the IOC cannot use: the file and each problem's key path."""


M = TypeVar("M", bound=BaseModel)


def _load(path: Path, model: type[M]) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        raise ConfigError(path, [("(yaml)", f"{where}{getattr(err, 'problem', err)}")]) from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        problems = [(format_path(loc), msg) for loc, msg in validation_problems(err)]
        raise ConfigError(path, problems) from None


def load_catalogue(path: str | Path = DEFAULT_CATALOGUE) -> Catalogue:
    path = Path(path)
    cat = _load(path, Catalogue)
    problems = []
    seen: set[str] = set()
    depts = {d.code for d in cat.departments}
    for i, item in enumerate(cat.items):
        if item.code in seen:
            problems.append((f"items[{i}].code", f"category {item.code!r} is listed twice"))
        seen.add(item.code)
        if item.department not in depts:
            problems.append((f"items[{i}].department",
                             f"no department {item.department!r}; departments: {sorted(depts)}"))
    if problems:
        raise ConfigError(path, problems)
    return cat


def load_rules(path: str | Path, catalogue: Catalogue) -> RuleSet:
    path = Path(path)
    rules = _load(path, RuleSet)
    problems = []
    ids: set[str] = set()
    for i, rule in enumerate(rules.rules):
        if rule.id in ids:
            problems.append((f"rules[{i}].id", f"rule id {rule.id!r} is used twice"))
        ids.add(rule.id)
        if catalogue.item(rule.category) is None:
            problems.append((f"rules[{i}].category",
                             f"no catalogue item {rule.category!r} in {catalogue.name!r}"))
    if problems:
        raise ConfigError(path, problems)
    return rules
