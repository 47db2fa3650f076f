"""What the evaluators read: plain dataclasses (the registry, status samples, reading times,
tower sweeps, KPIs, detection latencies, daily AQI, lighting), filled from a run folder by
`ioc.assessment.evidence` or built by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ioc.assessment.coverage import Sweep

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
TimeWindow = tuple[int, int]  # [start_ms, end_ms)


@dataclass(frozen=True)
class Device:
    """A registry entry: position (lon/lat), reporting interval and attributes (e.g.
    radius_m, azimuth_deg, width_deg for cameras)."""

    device_id: str
    kind: str
    lon: float
    lat: float
    interval_s: float | None = None
    attrs: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusSample:
    """A device's status at `ts_ms` (epoch ms); it holds until the device's next sample."""

    device_id: str
    ts_ms: int
    online: bool


@dataclass(frozen=True)
class Latency:
    """Seconds from an incident's start to its detection; None: never detected. `kind` is
    the incident's kind (what `LatencyParams.kinds` filters on); `case_id` and `channel`
    say which case and discovery channel detected it first (evidence)."""

    incident_id: str
    latency_s: float | None
    kind: str | None = None
    case_id: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class AqiDay:
    """A daily AQI report (日报): local date YYYY-MM-DD, AQI and level 1-6 (None: no valid
    report that day)."""

    date: str
    aqi: float | None = None
    level: int | None = None


@dataclass(frozen=True)
class Lighting:
    """The street-lighting indicator: energy used and the always-full baseline (kWh), and the
    saving as a fraction (computed from the two when None)."""

    energy_kwh: float | None = None
    baseline_kwh: float | None = None
    saving: float | None = None


@dataclass(frozen=True)
class EvaluationData:
    """What the evaluators read. `None` means "not in the data" (→ not_evaluable); an empty
    sequence means "in the data, and there is none" (e.g. no readings: 0 %).

    - `start_ms`/`end_ms`: the span the data cover (epoch ms); the default window, and the
      end that `last_24h` counts back from.
    - `devices`: the registry. `status`: online/offline samples (see `status_from_heartbeats`).
    - `readings`: device id -> event times (ms) of the readings received.
    - `sweeps`: tower patrol records (`ioc.assessment.coverage.Sweep`, hours since the epoch).
    - `kpis`: KPI name -> value (rates as fractions in [0, 1], as the IOC reports them).
      `kpi_names_zh`: Chinese names of KPIs beyond `ioc.measures.kpis.KPI_NAMES_ZH` (so a commitment
      may name them in Chinese); `kpi_evidence`: per KPI, figures and record ids to show
      with it (its formula, numerator and denominator, the cases behind it).
    - `latencies`, `aqi_days`, `lighting`: see their dataclasses.
    - `utc_offset_min`: local time for AQI dates (default Beijing time, +08:00).
    """

    start_ms: int | None = None
    end_ms: int | None = None
    devices: Sequence[Device] | None = None
    status: Sequence[StatusSample] | None = None
    readings: Mapping[str, Sequence[int]] | None = None
    sweeps: Sequence[Sweep] | None = None
    kpis: Mapping[str, float | None] | None = None
    kpi_names_zh: Mapping[str, str] = field(default_factory=dict)
    kpi_evidence: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    latencies: Sequence[Latency] | None = None
    aqi_days: Sequence[AqiDay] | None = None
    lighting: Lighting | None = None
    utc_offset_min: int = 480


def status_from_heartbeats(
    device_id: str, heartbeats_ms: Sequence[int], interval_s: float, missed_intervals: float = 3.0
) -> list[StatusSample]:
    """Status samples from the times a device was heard: online at each, offline once
    `missed_intervals` intervals pass without hearing it (the IOC registry's rule)."""
    grace = int(missed_intervals * interval_s * 1000)
    beats = sorted(set(heartbeats_ms))
    out: list[StatusSample] = []
    for k, ts in enumerate(beats):
        out.append(StatusSample(device_id, ts, True))
        nxt = beats[k + 1] if k + 1 < len(beats) else None
        if nxt is None or nxt - ts > grace:
            out.append(StatusSample(device_id, ts + grace, False))
    return out
