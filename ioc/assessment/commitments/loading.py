"""Reading a commitments file: parsed YAML checked as a `CommitmentsFile`, its areas resolved,
each commitment's params checked against its metric's model, and its scope, window, unit and
target against what the metric takes. A bad file fails naming the file, the key path such as
`commitments[3].target`, its line and what was expected.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr, ValidationError

from ioc.assessment.commitments.areas import Area, area_from_spec
from ioc.assessment.commitments.metrics import METRICS, MetricInfo
from ioc.assessment.commitments.params import (
    AqiDaysParams,
    CoverageCorridorParams,
    CoveragePointsParams,
    Params,
)
from ioc.assessment.commitments.spec import AreaSpec, CommitmentSpec, Name, PilotSpec, Spec
from ioc.contract import InputFileError, format_location, read_yaml, validation_problems


class CommitmentsFile(Spec):
    """A pilot's commitments file. Use `load_commitments`/`parse_commitments`, which also
    resolve the areas and check each commitment's params, scope and window."""

    pilot: PilotSpec
    areas: dict[Name, AreaSpec] = Field(default_factory=dict)
    commitments: list[CommitmentSpec] = Field(min_length=1)

    _areas: dict[str, Area] = PrivateAttr(default_factory=dict)
    _params: list[BaseModel] = PrivateAttr(default_factory=list)
    _path: Path | None = PrivateAttr(default=None)
    _resolved: bool = PrivateAttr(default=False)

    @property
    def resolved_areas(self) -> dict[str, Area]:
        return dict(self._areas)

    def params_of(self, index: int) -> BaseModel:
        """The checked params model of `commitments[index]`."""
        return self._params[index]


class CommitmentsError(InputFileError):
    """A commitments file that cannot be used: the file and each problem's key path."""


def load_commitments(path: str | Path) -> CommitmentsFile:
    """Read and fully check a commitments file (areas resolved, params checked)."""
    doc = read_yaml(path, CommitmentsError)
    return parse_commitments(
        doc.data, base_dir=doc.path.resolve().parent, source=doc.path, text=doc.text
    )


def parse_commitments(
    data: Any, base_dir: str | Path = ".", source: str | Path = "<data>", text: str | None = None
) -> CommitmentsFile:
    """Check parsed YAML (a mapping) as a commitments file; `base_dir` resolves area files,
    `source` names the file in errors, `text` (the YAML) adds line numbers to them."""
    if not isinstance(data, dict):
        raise CommitmentsError(
            source, [("(top level)", "expected a mapping with pilot, areas and commitments")]
        )
    try:
        spec = CommitmentsFile.model_validate(data)
    except ValidationError as err:
        raise CommitmentsError(
            source, [(format_location(text, loc), msg) for loc, msg in validation_problems(err)]
        ) from None
    problems: list[tuple[tuple[int | str, ...], str]] = []
    areas: dict[str, Area] = {}
    for name, aspec in spec.areas.items():
        area, errs = area_from_spec(name, aspec, Path(base_dir))
        if area is not None:
            areas[name] = area
        for msg in errs:
            key, _, detail = msg.partition(": ")
            problems.append((("areas", name, key), detail))
    params: list[BaseModel] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(spec.commitments):
        info = METRICS[c.metric]
        here = ("commitments", i)
        if c.id in seen:
            problems.append(((*here, "id"), f"id {c.id!r} is also commitments[{seen[c.id]}]"))
        seen.setdefault(c.id, i)
        try:
            p = info.params.model_validate(c.params)
        except ValidationError as err:
            problems += [((*here, "params", *loc), msg) for loc, msg in validation_problems(err)]
            p = None
        params.append(p if p is not None else Params())
        problems += [
            ((*here, *key.split(".")), msg)
            for key, msg in _cross_check(c, p, info, areas, spec.areas)
        ]
    if problems:
        raise CommitmentsError(source, [(format_location(text, loc), msg) for loc, msg in problems])
    spec._areas = areas
    spec._params = params
    spec._path = Path(source) if not str(source).startswith("<") else None
    spec._resolved = True
    return spec


def _cross_check(
    c: CommitmentSpec,
    p: BaseModel | None,
    info: MetricInfo,
    areas: Mapping[str, Area],
    specs: Mapping[str, AreaSpec],
) -> list[tuple[str, str]]:
    """Scope, window and unit against the metric (key under the commitment, message)."""
    out: list[tuple[str, str]] = []
    area = areas.get(c.scope) if c.scope else None
    if c.scope is not None:
        if not info.scope:
            out.append(("scope", f"metric {c.metric} takes no scope"))
        elif c.scope not in specs:
            out.append(("scope", f"no area {c.scope!r}; areas: {sorted(specs) or 'none'}"))
        elif area is not None and area.kind not in info.scope:
            out.append(
                (
                    "scope",
                    f"{c.metric} needs a {' or '.join(info.scope)} area; "
                    f"{c.scope!r} is a {area.kind} area",
                )
            )
        elif (
            area is not None
            and area.kind == "line"
            and not area.buffer_m
            and c.metric not in ("coverage_corridor",)
        ):
            out.append(
                (
                    "scope",
                    f"line area {c.scope!r} has no buffer_m: devices within how many metres count?",
                )
            )
    elif info.scope_required:
        out.append(
            ("scope", f"{c.metric} needs a scope: the name of a {' or '.join(info.scope)} area")
        )
    if (
        c.metric == "coverage_corridor"
        and isinstance(p, CoverageCorridorParams)
        and area
        and p.half_width_m is None
        and not area.buffer_m
    ):
        out.append(
            (
                "params.half_width_m",
                f"give the corridor half-width here or as areas.{c.scope}.buffer_m",
            )
        )
    if (
        c.metric == "coverage_points"
        and isinstance(p, CoveragePointsParams)
        and p.point_kinds is None
        and (area is None or area.kind != "points")
        and not (c.scope and c.scope not in areas)
    ):
        out.append(
            (
                "params.point_kinds",
                "name the point devices (point_kinds) or give a points area as the scope",
            )
        )
    if c.window is not None and not info.window:
        out.append(
            (
                "window",
                f"{c.metric} does not read a time window (its data are already for one span)",
            )
        )
    percent = info.percent
    if c.metric == "aqi_days" and isinstance(p, AqiDaysParams):
        percent = p.mode == "share"
    if percent and c.unit not in (None, "%"):
        out.append(
            (
                "unit",
                f"{c.metric} is measured in percent: unit must be '%' (targets "
                f"are percent numbers like 95), got {c.unit!r}",
            )
        )
    if percent and not 0 <= c.target <= 100:
        out.append(
            (
                "target",
                f"{c.metric} is a percentage: the target must be in 0..100 (got {c.target:g})",
            )
        )
    return out
