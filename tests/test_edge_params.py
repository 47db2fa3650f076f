"""Typed parameters at the edge: each camera analytic's thresholds and a gateway's local rules
refuse unknown keys (listing the accepted ones), wrong types and values out of bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from devices.camera import Analytic
from devices.params import Params
from edge.local_rules import LocalRule
from edge.vision import ANALYTICS, analytic_params, make_analytic
from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]


def errors(call) -> list[tuple[tuple, str, str]]:
    with pytest.raises(ValidationError) as err:
        call()
    return [(e["loc"], e["type"], e["msg"]) for e in err.value.errors()]


@pytest.mark.parametrize("name", sorted(ANALYTICS))
def test_every_analytic_declares_typed_params(name: str) -> None:
    model = analytic_params(name)
    assert issubclass(model, Params)
    for field, info in model.model_fields.items():
        assert info.description, f"{name}.{field} has no description"
    analytic = make_analytic(name)
    assert analytic.name == name and analytic.params == model()  # type: ignore[attr-defined]


def test_camera_analytics_vocabulary_is_the_edge_registry() -> None:
    from typing import get_args

    assert set(get_args(Analytic)) == set(ANALYTICS)


def test_analytic_unknown_key_lists_the_accepted_ones() -> None:
    [(loc, kind, msg)] = errors(lambda: make_analytic("illegal_parking", dwell_secs=30))
    assert loc == ("dwell_secs",) and kind == "extra_forbidden"
    assert "accepted keys: dwell_s, min_area, max_area" in msg and "min_width" in msg


def test_analytic_bad_type_and_bound() -> None:
    [(loc, kind, _)] = errors(lambda: make_analytic("crowd", density_thr="dense"))
    assert loc == ("density_thr",) and kind == "float_type"
    [(loc, kind, _)] = errors(lambda: make_analytic("fire_smoke", hot_thr=300))
    assert loc == ("hot_thr",) and kind == "less_than_equal"
    [(loc, _, msg)] = errors(lambda: make_analytic("fire_smoke", flame_hue=[35, 6]))
    assert loc == ("flame_hue",) and "lo <= hi" in msg
    # a good value is used
    assert make_analytic("illegal_parking", dwell_s=30).dwell_s == 30.0  # type: ignore[attr-defined]


def test_local_rule_is_typed() -> None:
    ok = {"id": "water_level_high", "metric": "water_cm", "above": 15, "clear_below": 8}

    def check(**change: object) -> BaseModel:
        from pydantic import TypeAdapter

        return TypeAdapter(LocalRule).validate_python({**ok, **change})

    rule = check(kinds=["water_level"])
    assert rule.kinds == frozenset({"water_level"}) and rule.raise_after == 3
    [(loc, kind, msg)] = errors(lambda: check(raise_afer=2))
    assert loc == ("raise_afer",) and kind == "extra_forbidden"
    assert "accepted keys: id, metric, above, clear_below, kinds, raise_after" in msg
    [(loc, kind, _)] = errors(lambda: check(above="high"))
    assert loc == ("above",) and kind == "float_type"
    [(loc, kind, _)] = errors(lambda: check(clear_after=0))
    assert loc == ("clear_after",) and kind == "greater_than_equal"


def test_scenario_local_rule_typo_names_key_path_and_accepted_keys(tmp_path: Path) -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "demo.yaml").read_text(encoding="utf-8"))
    data["edge"] = {
        "local_rules": [
            {"id": "water_level_high", "metric": "water_cm", "above": 15, "clear_belw": 8}
        ]
    }
    path = tmp_path / "city.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "edge.local_rules[0].clear_belw" in text and "accepted keys: id, metric" in text
