"""Typed parameters: what a scenario may set on a device kind (and, through the same base, on a
camera analytic or a gateway's local rule).

Each kind declares a `Params` model beside its `DeviceKind`: every field has a type, bounds
where physics gives them, its default (the one place it lives) and a one-line description. A
fleet reads its parameters from the validated model. An unknown key is refused and the error
lists the accepted ones; pydantic's error locations are the key paths inside `params`.

Shared field types: `Clock` ("HH:MM[:SS]"), `Share` (0..1), non-negative and positive
numbers, `[lo, hi]` ranges that each device draws from (`NonNegRange`, `NonNegOrRange`, ...).
`describe_params` renders a model for listings and the README (`python -m devices` rewrites
the table in devices/README.md).
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from devices.schedule import clock_s


def _ordered(pair: tuple[float, float]) -> tuple[float, float]:
    if pair[0] > pair[1]:
        raise ValueError(f"a range [lo, hi] needs lo <= hi, got {list(pair)}")
    return pair


def _clock(text: str) -> str:
    try:
        clock_s(text)
    except ValueError:
        raise ValueError(f'expected a clock time "HH:MM[:SS]", got {text!r}') from None
    return text


def _one_or_many(value: Any) -> str:
    return "many" if isinstance(value, list | tuple) else "one"


# A value that may be one thing or a list: a list is checked as the list type, anything else
# as the single one, so an error names the form that was written (tags are dropped from the
# error's key path).
_ONE_OR_MANY = Discriminator(_one_or_many)
_TAGS = frozenset({"one", "many"})

# Numbers are strict: an int is a number, but a string ("3") or a boolean (YAML's yes/no/on)
# is refused, not converted.
Number = Annotated[float, Field(strict=True)]
Int = Annotated[int, Field(strict=True)]
NonNeg = Annotated[float, Field(ge=0, strict=True)]
Positive = Annotated[float, Field(gt=0, strict=True)]
Share = Annotated[float, Field(ge=0, le=1, strict=True)]
Fraction = Annotated[float, Field(gt=0, le=1, strict=True)]
Level = Annotated[int, Field(ge=0, le=255, strict=True)]  # an 8-bit channel value (hue: 0-180)
PosInt = Annotated[int, Field(ge=1, strict=True)]
Clock = Annotated[str, AfterValidator(_clock), Field(json_schema_extra={"format": "HH:MM"})]
Range = Annotated[tuple[Number, Number], AfterValidator(_ordered)]
NonNegRange = Annotated[tuple[NonNeg, NonNeg], AfterValidator(_ordered)]
PositiveRange = Annotated[tuple[Positive, Positive], AfterValidator(_ordered)]
PosIntRange = Annotated[tuple[PosInt, PosInt], AfterValidator(_ordered)]
IntBand = Annotated[tuple[Level, Level], AfterValidator(_ordered)]
# one value for every device, or [lo, hi] that each device draws from
NonNegOrRange = Annotated[
    Annotated[NonNeg, Tag("one")] | Annotated[NonNegRange, Tag("many")], _ONE_OR_MANY
]
PositiveOrRange = Annotated[
    Annotated[Positive, Tag("one")] | Annotated[PositiveRange, Tag("many")], _ONE_OR_MANY
]
PosIntOrRange = Annotated[
    Annotated[PosInt, Tag("one")] | Annotated[PosIntRange, Tag("many")], _ONE_OR_MANY
]
# one value for every device, or a list each device draws one of
PositiveOrChoices = Annotated[
    Annotated[Positive, Tag("one")]
    | Annotated[tuple[Positive, ...], Field(min_length=1), Tag("many")],
    _ONE_OR_MANY,
]
PosIntOrChoices = Annotated[
    Annotated[PosInt, Tag("one")] | Annotated[tuple[PosInt, ...], Field(min_length=1), Tag("many")],
    _ONE_OR_MANY,
]
Clocks = Annotated[
    Annotated[Clock, Tag("one")] | Annotated[tuple[Clock, ...], Tag("many")], _ONE_OR_MANY
]


def validate_keys(
    fields: Collection[str], title: str, data: Any, handler: ValidatorFunctionWrapHandler
) -> Any:
    """The body of a wrap validator: `handler(data)`, except that a key not in `fields` is
    an error that lists the accepted keys (the known ones are still checked, so one run
    reports every problem), and the one/many tags are dropped from error locations."""
    unknown = [k for k in data if k not in fields] if isinstance(data, dict) else []
    accepted = ", ".join(fields) or "none"
    errors: list[InitErrorDetails] = [
        {
            "type": PydanticCustomError(
                "extra_forbidden", f"unknown parameter; accepted keys: {accepted}"
            ),
            "loc": (k,) if isinstance(k, str | int) else (str(k),),
            "input": data[k],
        }
        for k in unknown
    ]
    try:
        result = handler({k: v for k, v in data.items() if k not in unknown} if unknown else data)
    except ValidationError as err:
        found = err.errors()
        if not errors and not any(_TAGS.intersection(e["loc"][1:2]) for e in found):
            raise
        errors += [
            {
                "type": PydanticCustomError(e["type"], e["msg"]),
                "loc": tuple(p for i, p in enumerate(e["loc"]) if i != 1 or p not in _TAGS),
                "input": e.get("input"),
            }
            for e in found
        ]
    if errors:
        raise ValidationError.from_exception_data(title, errors)
    return result


class Params(BaseModel):
    """Base of every typed parameter set: unknown keys refused (the error lists the accepted
    ones), values checked against their types and bounds, the result frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="wrap")
    @classmethod
    def _name_accepted_keys(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return validate_keys(cls.model_fields, cls.__name__, data, handler)


# ----------------------------------------------------------------------------- describing


def _schema_type(s: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short type for a JSON-schema fragment: number, int, [lo, hi], 'a' | 'b', ..."""
    if "$ref" in s:
        return _schema_type(defs[s["$ref"].rsplit("/", 1)[-1]], defs)
    for key in ("anyOf", "oneOf"):
        if key in s:
            parts = [_schema_type(x, defs) for x in s[key] if x.get("type") != "null"]
            return " or ".join(parts)
    if "enum" in s or "const" in s:
        return " or ".join(repr(v) for v in s.get("enum", [s.get("const")]))
    kind = s.get("type")
    if kind == "array":
        if "prefixItems" in s:
            items = [_schema_type(x, defs) for x in s["prefixItems"]]
            if len(items) == 2 and items[0] == items[1]:
                return f"[lo, hi] of {items[0]}"
            return "[" + ", ".join(items) + "]"
        return f"list of {_schema_type(s.get('items', {}), defs)}"
    if kind == "object":
        return f"{{name: {_schema_type(s.get('additionalProperties', {}), defs)}}}"
    if kind == "string":
        return s.get("format", "text")
    name = {"number": "number", "integer": "int", "boolean": "bool"}.get(kind or "", "any")
    lo = [
        f"{sign} {s[k]:g}" for k, sign in (("minimum", ">="), ("exclusiveMinimum", ">")) if k in s
    ]
    hi = [
        f"{sign} {s[k]:g}" for k, sign in (("maximum", "<="), ("exclusiveMaximum", "<")) if k in s
    ]
    if "minimum" in s and "maximum" in s:
        return f"{name} {s['minimum']:g}–{s['maximum']:g}"
    return " ".join([name, *lo, *hi])


def _default(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_default(v) for v in value) + "]"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def describe_params(model: type[BaseModel]) -> list[dict[str, str]]:
    """Each parameter of `model`: name, type, default and description (for listings)."""
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    props = schema.get("properties", {})
    out = []
    for name, field in model.model_fields.items():
        out.append(
            {
                "name": name,
                "type": _schema_type(props.get(name, {}), defs),
                "default": _default(field.default),
                "description": field.description or "",
            }
        )
    return out


def params_markdown(models: dict[str, type[BaseModel]]) -> str:
    """A markdown table of every kind's parameters (the block in devices/README.md)."""
    lines = ["| Kind | Parameter | Type | Default | What |", "|---|---|---|---|---|"]
    for kind, model in models.items():
        rows = describe_params(model)
        if not rows:
            lines.append(f"| {kind} | — | | | |")
        for i, p in enumerate(rows):
            what = p["description"].replace("|", "\\|")
            kind_cell = kind if i == 0 else ""
            lines.append(f"| {kind_cell} | `{p['name']}` | {p['type']} | {p['default']} | {what} |")
    return "\n".join(lines)


README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- params:begin -->", "<!-- params:end -->"


def readme_with_params(text: str, table: str) -> str:
    """`text` with the block between the params markers replaced by `table`."""
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{table}\n{END}{tail}"


def write_readme() -> bool:
    """Rewrite the parameters table of devices/README.md from the models; True if it changed."""
    from devices import KINDS

    table = params_markdown({name: k.params for name, k in KINDS.items()})
    text = README.read_text(encoding="utf-8")
    new = readme_with_params(text, table)
    if new != text:
        README.write_text(new, encoding="utf-8")
    return new != text
