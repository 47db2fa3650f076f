"""The validation report's images (PNG data URIs, Agg backend): measured value against target
for the commitments in percent, online rate and completeness per device kind, detection
latency per incident kind, and a coverage map per coverage commitment.

The images carry English only, because the machine that draws them may have no CJK font
(matplotlib would draw boxes and warn once per glyph); the Chinese stays in the HTML.
"""

from __future__ import annotations

import base64
import io
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ioc.assessment.commitments import (
    Area,
    CommitmentsFile,
    CoverageCorridorParams,
    CoveragePointsParams,
    DeviceParams,
    EvaluationData,
    Goal,
    SiteParams,
    data_completeness,
    online_rate,
    resolve_window,
    viewshed_sites,
)
from ioc.assessment.coverage import coverage_of_points
from ioc.assessment.geometry import AreaProjection
from ioc.assessment.maps import pyplot, save_coverage_map

VERDICT_COLOUR = {"pass": "#1e8449", "fail": "#c0392b", "not_evaluable": "#7f8c8d"}


def png(fig: Any) -> str:
    from matplotlib import pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def targets_chart(rows: Sequence[Mapping[str, Any]]) -> str:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(rows) + 1.3))
    labels = [str(r["id"]) for r in rows][::-1]
    for y, r in enumerate(rows[::-1]):
        colour = VERDICT_COLOUR[r["verdict"]]
        if r["value"] is not None:
            ax.barh(y, float(r["value"]), color=colour, height=0.6)
            ax.text(float(r["value"]) + 1, y, f"{float(r['value']):.1f}", va="center", fontsize=8)
        else:
            ax.text(1, y, "n/a", va="center", fontsize=8, color=colour)
        ax.plot([float(r["target"])] * 2, [y - 0.4, y + 0.4], color="black", linewidth=2)
    ax.set_yticks(range(len(labels)), labels)
    top = max(
        [100.0]
        + [float(r["value"]) for r in rows if r["value"] is not None]
        + [float(r["target"]) for r in rows]
    )
    ax.set_xlim(0, top * 1.08)
    ax.set_xlabel("%")
    ax.set_title("Value vs target (percent)")
    ax.grid(True, axis="x", linewidth=0.3)
    return png(fig)


def kind_chart(data: EvaluationData) -> str | None:
    """Online rate and data completeness per device kind, with the evaluators themselves
    (any target: only the value is used)."""
    window = resolve_window(None, data)
    if window[0] is None or not data.devices:
        return None
    kinds = sorted({d.kind for d in data.devices})
    anything = Goal(">=", 0.0)
    online, complete = [], []
    for k in kinds:
        p = DeviceParams(kinds=[k])
        online.append(
            online_rate(anything, p, data, None, window).value if data.status is not None else None
        )
        complete.append(
            data_completeness(anything, p, data, None, window).value
            if data.readings is not None
            else None
        )
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(kinds) + 1.4))
    ys = range(len(kinds))
    ax.barh(
        [y + 0.2 for y in ys],
        [v or 0 for v in online],
        height=0.38,
        color="#2e86c1",
        label="online rate",
    )
    ax.barh(
        [y - 0.2 for y in ys],
        [v or 0 for v in complete],
        height=0.38,
        color="#f39c12",
        label="data completeness",
    )
    ax.set_yticks(list(ys), kinds)
    ax.invert_yaxis()
    ax.set_xlim(0, 105)
    ax.set_xlabel("%")
    ax.set_title("Per device kind")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=2, fontsize=8, frameon=False)
    ax.grid(True, axis="x", linewidth=0.3)
    return png(fig)


def latency_chart(data: EvaluationData, rows: Sequence[Mapping[str, Any]]) -> str | None:
    lat = list(data.latencies or [])
    kinds = sorted({str(x.kind) for x in lat})
    if not any(x.latency_s is not None for x in lat):
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 0.32 * len(kinds) + 1.4))
    labels = []
    for y, k in enumerate(kinds):
        mine = [x for x in lat if str(x.kind) == k]
        vals = [max(x.latency_s, 1.0) / 60 for x in mine if x.latency_s is not None]
        missed = sum(1 for x in mine if x.latency_s is None)
        ax.plot(vals, [y] * len(vals), "o", color="#2e86c1", alpha=0.7, markersize=5)
        labels.append(f"{k} ({len(vals)}" + (f", {missed} missed)" if missed else ")"))
    for r in rows:
        if r["unit"] in (None, "s"):
            ax.axvline(
                max(float(r["target"]), 1.0) / 60, color="#c0392b", linestyle="--", linewidth=1
            )
            ax.text(
                max(float(r["target"]), 1.0) / 60,
                -0.75,
                f" {r['id']}",
                fontsize=7,
                color="#c0392b",
                va="center",
            )
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:g}"))  # 10, not 10¹
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(range(len(kinds)), labels)
    ax.set_ylim(len(kinds) - 0.5, -0.9)
    ax.set_xlabel("minutes from incident start to first report")
    ax.set_title("Detection latency per incident")
    ax.grid(True, axis="x", linewidth=0.3, which="both")
    return png(fig)


def coverage_maps(
    rows: Sequence[Mapping[str, Any]], data: EvaluationData, cf: CommitmentsFile | None
) -> dict[str, str]:
    """Commitment id -> coverage map (data URI) for each coverage commitment that could be
    measured (a scope area, a registry, every site with a radius)."""
    if cf is None or data.devices is None:
        return {}
    areas = cf.resolved_areas
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="citysim-report-") as tmp:
        for i, (spec, row) in enumerate(zip(cf.commitments, rows, strict=True)):
            if not spec.metric.startswith("coverage_") or row["value"] is None:
                continue
            params = cf.params_of(i)
            if not isinstance(params, SiteParams):
                continue
            sites, missing = viewshed_sites(data.devices, params)
            if missing:
                continue
            scope = areas.get(spec.scope) if spec.scope else None
            title = f"{spec.id}: {float(row['value']):.1f} % covered"
            path = Path(tmp) / f"{len(out)}.png"
            if spec.metric == "coverage_area" and scope is not None:
                save_coverage_map(path, scope.geometry, sites, title=title)
            elif (
                spec.metric == "coverage_corridor"
                and scope is not None
                and isinstance(params, CoverageCorridorParams)
            ):
                half = params.half_width_m or scope.buffer_m
                if not half:
                    continue
                proj = AreaProjection.for_geometry(scope.geometry)
                corridor = proj.to_lonlat(proj.to_m(scope.geometry).buffer(half))
                save_coverage_map(path, corridor, sites, title=title)
            elif spec.metric == "coverage_points" and isinstance(params, CoveragePointsParams):
                img = _points_map(data, params, scope, sites, title)
                if img:
                    out[spec.id] = img
                continue
            else:
                continue
            out[spec.id] = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode(
                "ascii"
            )
    return out


def _points_map(
    data: EvaluationData,
    p: CoveragePointsParams,
    scope: Area | None,
    sites: Sequence[Any],
    title: str,
) -> str | None:
    """Points within reach (green) or not (red), and the sites' reach (circles/sectors)."""
    from ioc.assessment.geometry import site_polygons_m

    if p.point_kinds is None:
        if scope is None or scope.kind != "points":
            return None
        points = dict(scope.points)
    else:
        chosen = [d for d in data.devices or [] if d.kind in p.point_kinds]
        if scope is not None and chosen:
            inside = scope.contains([d.lon for d in chosen], [d.lat for d in chosen])
            chosen = [d for d, ok in zip(chosen, inside, strict=True) if ok]
        points = {d.device_id: (d.lon, d.lat) for d in chosen}
    if not points:
        return None
    from shapely.geometry import MultiPoint

    lonlat = list(points.values()) + [(s.lon, s.lat) for s in sites]
    proj = AreaProjection.for_geometry(MultiPoint(lonlat))
    cov = coverage_of_points(points, sites, proj)
    missed = set(cov.uncovered_ids)
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 7))
    for poly in site_polygons_m(list(sites), proj):
        x, y = poly.exterior.xy
        ax.fill(
            [v / 1000 for v in x], [v / 1000 for v in y], color="#7fb3d5", alpha=0.25, linewidth=0.4
        )
    for ok, colour, label in ((True, "#1e8449", "within reach"), (False, "#c0392b", "not reached")):
        ids = [k for k in points if (k not in missed) == ok]
        if ids:
            px, py = proj.xy([points[k][0] for k in ids], [points[k][1] for k in ids])
            ax.plot(
                px / 1000, py / 1000, "o", color=colour, markersize=4, label=f"{label} ({len(ids)})"
            )
    if sites:
        sx, sy = proj.xy([s.lon for s in sites], [s.lat for s in sites])
        ax.plot(sx / 1000, sy / 1000, "k^", markersize=4, label=f"sites ({len(sites)})")
    ax.set_aspect("equal")
    ax.set_xlabel("east (km)")
    ax.set_ylabel("north (km)")
    ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncol=3, fontsize=8, frameon=False)
    ax.grid(True, linewidth=0.3)
    return png(fig)
