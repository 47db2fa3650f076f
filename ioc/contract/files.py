"""Typed input files: the one way a YAML file becomes a checked model.

Scenario files, pilot commitments, the IOC's configuration bundle (catalogue, rules, flows)
and device kinds are all read through `load_yaml_model` (or `read_yaml` + `validate` when
the caller adds checks of its own). A problem is reported as `InputFileError`: the file, and
for each problem the key path inside it (`fleets[2].params.nuisance_per_day`), its line, and
what was expected.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
Loc = tuple[int | str, ...]


class InputFileError(ValueError):
    """A file that cannot be used (scenario, catalogue, rules): the file and each problem as
    (key path, what was expected)."""

    def __init__(self, file: object, problems: list[tuple[str, str]]):
        self.file = str(file)
        self.problems = problems
        lines = [f"{path}: {msg}" for path, msg in problems]
        super().__init__(f"{self.file}: {len(problems)} problem(s)\n  " + "\n  ".join(lines))


def validation_problems(err: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    """Pydantic errors as (location, "message (got value)") pairs."""
    out = []
    for e in err.errors():
        loc = tuple(e["loc"])
        got = f" (got {_short(e['input'])})" if e["type"] != "missing" and "input" in e else ""
        if loc[-1:] == ("[key]",) and "input" in e:  # pydantic reports key True as 1
            loc = (*loc[:-2], e["input"], "[key]")
            if isinstance(e["input"], bool):
                got += "; YAML reads unquoted on/off/yes/no as booleans: quote the key"
        out.append((loc, f"{e['msg']}{got}"))
    return out


def describe_validation_error(err: ValidationError, limit: int = 5) -> str:
    """One line: `path: message (got value); ...`, paths like `readings[3].ts`."""
    problems = validation_problems(err)
    parts = [f"{format_path(loc)}: {msg}" for loc, msg in problems[:limit]]
    if len(problems) > limit:
        parts.append(f"... and {len(problems) - limit} more")
    return "; ".join(parts)


def format_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    """('fleets', 2, 'interval_s') -> 'fleets[2].interval_s'."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic marks a bad mapping key this way
            out += " (as a key)"
        elif isinstance(part, bool) or not isinstance(part, int | str):
            out += f"[{part!r}]"
        elif isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(top level)"


def format_location(text: str | None, loc: tuple[int | str, ...]) -> str:
    """'fleets[2].interval_s (line 41)': the key path and the line of the deepest key of it
    that exists in the YAML `text` (no line without the text, or when it does not parse)."""
    path = format_path(loc)
    if text is None:
        return path
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return path
    line = None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [v for k, v in node.value if k.value == part]
            if not match:
                break
            node = match[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
        else:
            break
        line = node.start_mark.line + 1
    return f"{path} (line {line})" if line else path


def _short(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


@dataclass(frozen=True)
class YamlDocument:
    """A parsed YAML file with its text (for line numbers in errors)."""

    path: Path
    text: str
    data: Any

    def location(self, loc: Loc) -> str:
        """The key path of `loc` with its line in this file."""
        return format_location(self.text, loc)

    def problems(self, found: list[tuple[Loc, str]]) -> list[tuple[str, str]]:
        """(location, message) pairs located in this file."""
        return [(self.location(loc), msg) for loc, msg in found]


def read_yaml(path: str | Path, error: type[InputFileError] = InputFileError) -> YamlDocument:
    """Read and parse a YAML file; an unreadable or malformed file raises `error` with the
    line and column of the YAML problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise error(path, [("(file)", f"cannot read: {err.strerror}")]) from None
    except UnicodeDecodeError as err:
        raise error(
            path, [("(file)", f"not UTF-8 text: {err.reason} at byte {err.start}")]
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise error(path, [("(yaml)", f"{where}{problem}")]) from None
    except ValueError as err:  # YAML values it cannot build, e.g. the date 2026-02-30
        raise error(path, [("(yaml)", str(err))]) from None
    return YamlDocument(path, text, data)


def validate(
    doc: YamlDocument,
    model: type[M],
    error: type[InputFileError] = InputFileError,
    *,
    expect: str = "a mapping",
    data: Any = None,
) -> M:
    """Check a parsed document (or `data` derived from it) against `model`; problems raise
    `error` with key paths and lines. `expect` says what the top level should be."""
    data = doc.data if data is None else data
    if isinstance(model, type) and not isinstance(data, dict):
        raise error(doc.path, [("(top level)", f"expected {expect}")])
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise error(doc.path, doc.problems(validation_problems(err))) from None


def load_yaml_model(
    path: str | Path,
    model: type[M],
    error: type[InputFileError] = InputFileError,
    *,
    expect: str = "a mapping",
) -> M:
    """Read one YAML file into `model`, or raise `error` naming the file, key paths and
    lines."""
    return validate(read_yaml(path, error), model, error, expect=expect)
