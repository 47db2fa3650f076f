"""A fleet's `params` are checked against its kind's typed model when a scenario is loaded: a
typo fails `citysim check` (exit 2) with the file, the key path, the line and the accepted
keys, instead of the default being used silently."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "scenarios" / "demo.yaml"
SCENARIOS = [
    ROOT / "scenarios" / "demo.yaml",
    ROOT / "scenarios" / "tower-fire.yaml",
    *sorted((ROOT / "scenarios" / "pilots").glob("*/scenario.yaml")),
]


def check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim.cli", "check", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_misspelt_device_param_fails_check_with_key_path_line_and_accepted_keys(
    tmp_path: Path,
) -> None:
    text = DEMO.read_text(encoding="utf-8")
    assert text.count("nuisance_per_day: 0.12") == 1
    line = text[: text.index("nuisance_per_day: 0.12")].count("\n") + 1
    path = tmp_path / "typo.yaml"
    path.write_text(text.replace("nuisance_per_day: 0.12", "nuisance_per_dya: 0.12"), "utf-8")
    proc = check(path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    err = " ".join(proc.stderr.split())
    assert str(path) in err
    assert f"fleets[2].params.nuisance_per_dya (line {line})" in err
    assert "accepted keys: nuisance_per_day, nuisance_pct_m" in err


def test_wrong_type_and_bound_name_their_key_paths(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8")
    bad = text.replace("dim_pct: 60}", "dim_pct: 160}").replace(
        "nuisance_per_day: 0.12", "nuisance_per_day: often"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(bad, "utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    where = {p.split(" (line")[0]: msg for p, msg in err.value.problems}
    assert "less than or equal to 100" in where["fleets[0].params.dim_pct"]
    assert "valid number" in where["fleets[2].params.nuisance_per_day"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_passes_the_check(path: Path) -> None:
    load_scenario(path)


def test_check_passes_on_the_demo() -> None:
    proc = check(DEMO)
    assert proc.returncode == 0, proc.stderr
