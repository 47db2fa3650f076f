"""The device listing and the fleet benchmark, run as a user runs them (figures are not
asserted: performance is measured by `citysim bench`, not by tests)."""

from __future__ import annotations

import json
import subprocess

from conftest import CITYSIM, ROOT

from devices import FLEET_MODELS


def test_devices_kinds_lists_every_kind_with_units_and_alarms() -> None:
    proc = subprocess.run(
        [*CITYSIM, "devices", "kinds", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    kinds = {k["name"]: k for k in json.loads(proc.stdout)}
    assert set(kinds) == set(FLEET_MODELS) and len(kinds) >= 17
    for k in kinds.values():
        assert k["name_zh"] and k["name_en"] and k["readings"]
        assert all("unit" in r and r["range"][0] <= r["range"][1] for r in k["readings"])
    assert kinds["smart_pole"]["commands"] and "dim" in kinds["smart_pole"]["commands"]
    assert any("烟感" in a for a in kinds["smoke_detector"]["alarms"])


def test_bench_fleet_writes_its_figures(tmp_path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [
            *CITYSIM,
            "bench",
            "fleet",
            "--devices",
            "340",
            "--hours",
            "1",
            "--per-process-devices",
            "34",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    fig = json.loads(out.read_text())
    assert fig["devices"] == 340 and fig["kinds"] == len(FLEET_MODELS)
    assert fig["readings"] >= 340 * 50  # 1-minute reporting for an hour, a few lost to faults
    assert (
        abs(fig["readings_per_s"] - fig["readings"] / fig["seconds"])
        < 0.01 * fig["readings_per_s"] + 1
    )
    for key in ("peak_rss_mb", "per_process_readings_per_s", "speedup"):
        assert fig[key] > 0
    assert "readings_per_s" in proc.stdout
