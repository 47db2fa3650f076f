"""The event catalogue (事项清单): department types and items in 部件/事件 classes with their
大类/小类 codes, handling unit, level, 立案/结案 standards, 处置时限, urgency and how reports
merge; read from a folder of YAML files and adjusted by a pilot's overrides.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from ioc.casework.vocabulary import Code, ConfigError, ConfModel, Level, TimeLimit, Urgency
from ioc.contract import load_yaml_model


class DepartmentType(ConfModel):
    """A kind of handling unit (处置单位类型), e.g. sanitation; the scenario's (or the city's)
    units of this type do the work, one per area at their level."""

    code: Code
    name_zh: str
    name_en: str


class CatalogueItem(ConfModel):
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
    urgency: Urgency = "normal"
    auto_file: bool = False
    check: Literal["grid", "iot"] = "grid"
    merge_radius_m: float = Field(default=100.0, ge=0)
    merge_window_h: float = Field(default=24.0, gt=0)
    verify_after_min: float = Field(default=10.0, ge=0)  # iot 核查: first re-check after 处置
    recheck_every_min: float = Field(default=5.0, gt=0)
    note: str = ""  # where the figures come from


class CatalogueFile(ConfModel):
    """One file of the catalogue folder: department types and/or items."""

    name: str | None = None
    departments: list[DepartmentType] = Field(default_factory=list)
    items: list[CatalogueItem] = Field(default_factory=list)


class Catalogue(ConfModel):
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


class ItemOverride(ConfModel):
    """A pilot's own value for a catalogue item (real cities differ)."""

    time_limit: TimeLimit | None = None
    urgency: Urgency | None = None
    level: Level | None = None
    department: Code | None = None
    auto_file: bool | None = None
    check: Literal["grid", "iot"] | None = None


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
        part = load_yaml_model(f, CatalogueFile, ConfigError)
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
