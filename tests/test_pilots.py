"""Pilot packs (scenarios/pilots/*): each is complete and its files load; a pack whose
commitment cannot be met fails validation, exit 1, naming it, with the arithmetic."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import CITYSIM, ROOT

from ioc.assessment.commitments import load_commitments
from sim.scenario import load_scenario

PILOTS = ROOT / "scenarios" / "pilots"
PACKS = sorted(p for p in PILOTS.iterdir() if p.is_dir()) if PILOTS.is_dir() else []


def test_there_are_at_least_five_packs() -> None:
    assert len(PACKS) >= 5, [p.name for p in PACKS]


@pytest.mark.parametrize("pack", PACKS, ids=[p.name for p in PACKS])
def test_a_pack_is_complete_and_loads(pack: Path) -> None:
    for name in ("scenario.yaml", "commitments.yaml", "README.md"):
        assert (pack / name).is_file(), f"{pack.name}: no {name}"
    scenario = load_scenario(pack / "scenario.yaml")
    spec = load_commitments(pack / "commitments.yaml")
    assert spec.pilot.name_zh and len(spec.commitments) >= 3
    ids = [c.id for c in spec.commitments]
    assert len(set(ids)) == len(ids)
    readme = (pack / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme.lower() and "citysim validate" in readme
    # the README's promises are the file's: every commitment is listed there by id
    missing = [i for i in ids if i not in readme]
    assert not missing, f"{pack.name}: README does not mention {missing}"
    assert scenario.duration_h > 0


def test_check_only_accepts_every_pack(tmp_path: Path) -> None:
    for pack in PACKS:
        proc = subprocess.run(
            [*CITYSIM, "validate", str(pack), "--check-only", "--out", str(tmp_path / pack.name)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
        assert proc.returncode == 0, f"{pack.name}:\n{proc.stdout}\n{proc.stderr}"


@pytest.mark.slow
def test_wudi_coverage_cannot_be_met_as_written(tmp_path: Path) -> None:
    """无棣: 58 towers of 3 km cannot cover the county: exit 1, the id and the arithmetic."""
    out = tmp_path / "wudi"
    proc = subprocess.run(
        [*CITYSIM, "validate", str(PILOTS / "wudi"), "--out", str(out), "--quiet"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    failed = [c for c in report["commitments"] if c["verdict"] == "fail"]
    coverage = [c for c in failed if c["metric"] == "coverage_area"]
    assert coverage, [c["id"] for c in failed]
    assert coverage[0]["id"] in proc.stdout + proc.stderr
    assert "1 639.9" in json.dumps(coverage[0], ensure_ascii=False)
    assert (out / "report.html").is_file()
