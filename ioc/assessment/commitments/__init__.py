"""Pilot commitments (任务书承诺): the commitments file and the metric evaluators that check a
pilot's task-book commitments against what a run (or a real IOC) measured.

The file format (`spec`, `params`, read by `loading`) is apart from the metric evaluators
(`metrics/`, one module per family) and what they read (`data`) and answer (`results`);
`evaluate` checks a loaded file against the data.

The file (YAML; every key checked, unknown keys refused; a bad file fails naming the file, the
key path such as `commitments[3].target`, its line and what was expected)::

    pilot:
      name: Wudi County
      name_zh: 无棣县
      task_book: 数字强省办发〔2022〕1号 第三批山东省新型智慧城市建设试点工作任务书
      source: 000_374f0060077f0281.txt          # optional: where the quotes come from
    areas:                                      # optional named geometries (lon/lat, WGS84)
      county: {file: wudi-county.geojson}       # GeoJSON, relative to this file
      rail: {line: [[117.50, 37.70], [117.80, 37.78]], buffer_m: 500}   # a corridor
      key_area: {polygon: [[117.6, 37.7], [117.7, 37.7], [117.7, 37.8]]}
      pumps: {points: {PS-01: [117.61, 37.72], PS-02: [117.65, 37.74]}}
    commitments:
      - id: WD-11
        quote: 拟建设采集终端点位 58 处,实现无棣县域全覆盖   # verbatim from the task book
        domain: video
        metric: coverage_area
        params: {kinds: [tower_camera], radius_m: 3000, stated_count: 58}
        scope: county
        comparison: ">="                        # >=, <=, ==, >, < (default >=)
        target: 100                             # percentages as percent numbers
        unit: "%"
      - id: DCF-78
        quote: 结案率
        domain: city-management
        metric: kpi
        params: {name: closure_rate}            # or its Chinese name 结案率
        target: 90
        unit: "%"
        window: last_24h                        # or {from: 2026-05-01T00:00:00+08:00, to: ...}

Metrics (`metrics.METRICS`; `params` per metric are the `*Params` models of `params`):

- device_count: devices of `kinds` (inside `scope`). params: kinds.
- coverage_area: % of the scope polygon inside the view-sheds of devices of `kinds`.
  params: kinds, radius_m, radius_attr, azimuth_attr, width_attr, stated_count.
- coverage_corridor: % of the scope line ± half-width covered, by area or length.
  params: as coverage_area (no stated_count), half_width_m, measure.
- coverage_points: % of points within reach (the scope's points, or devices of
  `point_kinds`). params: as coverage_area (no stated_count), point_kinds.
- online_rate: % of device-time online over the window. params: kinds.
- data_completeness: % of expected readings received over the window. params: kinds.
- patrol_24h: % of the window's hours each tower swept its sector, min or mean over towers.
  params: kinds, aggregate, min_swept.
- kpi: a named KPI (rates as %). params: name, as_percent.
- detection_latency: a percentile of detection latencies, seconds. params: percentile,
  kinds (incident kinds, e.g. [fire]).
- aqi_days: days (or % of valid days) at the given AQI levels. params: levels, mode.
- lighting_saving: % of street-lighting energy saved. params: none.

The evaluators are pure functions over `EvaluationData` (plain dataclasses, in `data`);
each returns an `Evaluation` whose verdict is `pass`, `fail` or `not_evaluable` (data
missing: the reason says what). A target that cannot be met as written (a coverage whose
no-overlap upper bound is below it) fails with the arithmetic.

Imports from `ioc`: contract, measures (KPI names, AQI levels, the percentile), and the
assessment's geometry and coverage measures.
"""

from ioc.assessment.commitments.areas import Area
from ioc.assessment.commitments.data import (
    AqiDay,
    Device,
    EvaluationData,
    Latency,
    Lighting,
    StatusSample,
    TimeWindow,
    status_from_heartbeats,
)
from ioc.assessment.commitments.evaluate import evaluate, evaluate_one, resolve_window
from ioc.assessment.commitments.loading import (
    CommitmentsError,
    CommitmentsFile,
    load_commitments,
    parse_commitments,
)
from ioc.assessment.commitments.metrics import METRICS, MetricInfo
from ioc.assessment.commitments.metrics.cases import detection_latency, kpi
from ioc.assessment.commitments.metrics.city import aqi_days, lighting_saving
from ioc.assessment.commitments.metrics.coverage import (
    coverage_area,
    coverage_corridor,
    coverage_points,
    patrol_24h,
    viewshed_sites,
)
from ioc.assessment.commitments.metrics.devices import data_completeness, device_count, online_rate
from ioc.assessment.commitments.params import (
    AqiDaysParams,
    CoverageAreaParams,
    CoverageCorridorParams,
    CoveragePointsParams,
    DeviceCountParams,
    DeviceParams,
    KpiParams,
    LatencyParams,
    LightingParams,
    PatrolParams,
    SiteParams,
)
from ioc.assessment.commitments.results import Evaluation, Goal
from ioc.assessment.commitments.spec import AreaSpec, CommitmentSpec, PilotSpec, WindowSpec
