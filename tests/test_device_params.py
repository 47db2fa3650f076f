"""Typed device parameters: every kind declares its model; a typo, a wrong type or a value out
of bounds is refused with the key path, and an unknown key lists the accepted ones."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from devices import FLEET_MODELS, KINDS, check_params, params_model
from devices.params import README, Params, describe_params, params_markdown, readme_with_params


def errors(kind: str, params: dict) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ValidationError) as err:
        check_params(kind, params)
    return [(e["loc"], e["type"], e["msg"]) for e in err.value.errors()]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_declares_typed_params(kind: str) -> None:
    model = params_model(kind)
    assert issubclass(model, Params) and model is FLEET_MODELS[kind].KIND.params
    assert model.model_config.get("extra") == "forbid"
    defaults = model.model_validate({})
    for name, field in model.model_fields.items():
        assert field.description, f"{kind}.{name} has no description"
        # each default is a valid value of its own field
        if field.default is not None:
            model.model_validate({name: field.default})
    # a fleet reads its parameters from the validated model
    fleet = FLEET_MODELS[kind](3, 60.0, np.random.default_rng(0))
    assert fleet.params == defaults
    described = KINDS[kind].describe()["params"]
    assert [p["name"] for p in described] == list(model.model_fields)


def test_unknown_key_lists_the_accepted_ones() -> None:
    [(loc, kind, msg)] = errors("smoke_detector", {"nuisance_per_dya": 1})
    assert loc == ("nuisance_per_dya",) and kind == "extra_forbidden"
    assert "accepted keys: nuisance_per_day, nuisance_pct_m" in msg


def test_unknown_key_and_bad_values_are_reported_together() -> None:
    found = errors("smoke_detector", {"nuisance_per_dya": 1, "nuisance_pct_m": [9, 3]})
    assert {loc for loc, _, _ in found} == {("nuisance_per_dya",), ("nuisance_pct_m",)}
    assert any("lo <= hi" in msg for _, _, msg in found)


def test_wrong_type_is_refused() -> None:
    [(loc, kind, _)] = errors("smart_pole", {"dim_pct": "sixty"})
    assert loc == ("dim_pct",) and kind == "float_type"
    [(loc, _, msg)] = errors("smart_pole", {"lamp_on_at": "7pm"})
    assert loc == ("lamp_on_at",) and "HH:MM" in msg
    # numbers are strict: YAML's yes/no and quoted numbers are not numbers
    [(loc, kind, _)] = errors("smart_pole", {"dim_pct": True})
    assert loc == ("dim_pct",) and kind == "float_type"
    [(loc, kind, _)] = errors("smoke_detector", {"nuisance_per_day": "0.1"})
    assert loc == ("nuisance_per_day",) and kind == "float_type"
    assert check_params("smart_pole", {"dim_pct": 60}).dim_pct == 60.0  # an int is a number
    [(loc, kind, _)] = errors("camera", {"scene": "beach"})
    assert loc == ("scene",) and kind == "literal_error"
    [(loc, kind, _)] = errors("camera", {"analytics": ["fire_smoke", "graffiti"]})
    assert loc == ("analytics", 1) and kind == "literal_error"


def test_bounds_are_checked() -> None:
    [(loc, kind, _)] = errors("smart_pole", {"dim_pct": 150})
    assert loc == ("dim_pct",) and kind == "less_than_equal"
    [(loc, kind, _)] = errors("air_station", {"roadside_share": 1.5})
    assert loc == ("roadside_share",) and kind == "less_than_equal"
    [(loc, kind, _)] = errors("pump_station", {"pumps": 0})
    assert loc[0] == "pumps" and kind == "greater_than_equal"
    [(loc, _, _)] = errors("hydrant", {"base_pressure_mpa": [0.4, -0.1]})
    assert loc[:2] == ("base_pressure_mpa", "tuple[...]") or loc[0] == "base_pressure_mpa"


def test_numbers_ranges_and_lists_keep_their_meaning() -> None:
    p = check_params("tower_camera", {"height_m": [30, 45], "radius_m": 3000})
    assert p.height_m == (30.0, 45.0) and p.radius_m == 3000.0
    fleet = FLEET_MODELS["tower_camera"](200, 60.0, np.random.default_rng(1), p)
    assert 30 <= fleet.height_m.min() < fleet.height_m.max() <= 45
    assert (fleet.radius_m == 3000.0).all()
    pumps = FLEET_MODELS["pump_station"](50, 60.0, np.random.default_rng(1), {"pumps": [2, 3]})
    assert set(pumps.pumps.tolist()) == {2, 3}
    river = check_params("camera", {"scene": "river"})
    assert river.analytics == ("floating_debris", "fire_smoke")
    assert check_params("camera", {"analytics": []}).analytics == ()


def test_readme_table_is_generated_from_the_models() -> None:
    table = params_markdown({name: k.params for name, k in KINDS.items()})
    text = README.read_text(encoding="utf-8")
    assert readme_with_params(text, table) == text, "run: python -m devices"
    rows = describe_params(params_model("smoke_detector"))
    assert rows[0] == {
        "name": "nuisance_per_day",
        "type": "number >= 0",
        "default": "0.05",
        "description": rows[0]["description"],
    }


def test_cli_lists_a_kinds_params() -> None:
    import json

    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, ["devices", "params", "smoke_detector", "--json"])
    assert result.exit_code == 0, result.output
    assert [p["name"] for p in json.loads(result.output)] == ["nuisance_per_day", "nuisance_pct_m"]
    assert CliRunner().invoke(app, ["devices", "params", "nope"]).exit_code == 2
    result = CliRunner().invoke(app, ["devices", "kinds", "--json"])
    assert json.loads(result.output)[0]["params"][0]["name"] == "rated_w"
