"""The validation report of a pilot's commitments: `report.json` (machine-readable verdicts
with their evidence) and `report.html` (one self-contained bilingual page: charts and coverage
maps embedded as PNG data URIs).

Chinese text stays in the HTML, where the browser renders it; the images carry English only,
because the machine that draws them may have no CJK font (matplotlib would draw boxes and warn
once per glyph).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel

from ioc.assessment.charts import coverage_maps, kind_chart, latency_chart, targets_chart
from ioc.assessment.commitments import (
    CommitmentsFile,
    EvaluationData,
    PilotSpec,
    WindowSpec,
    evaluate,
)

LIST_SHOWN = 20  # items of a list kept in the report's evidence; `<key>_count` says how many
VERDICT_ZH = {"pass": "通过", "fail": "未通过", "not_evaluable": "无法评估"}
VERDICT_EN = {"pass": "Pass", "fail": "Fail", "not_evaluable": "Not evaluable"}
METRIC_ZH = {
    "device_count": "设备数量",
    "coverage_area": "区域覆盖率",
    "coverage_corridor": "沿线覆盖率",
    "coverage_points": "点位覆盖率",
    "online_rate": "设备在线率",
    "data_completeness": "数据完整率",
    "patrol_24h": "24小时巡查率",
    "kpi": "考核指标",
    "detection_latency": "发现时延",
    "aqi_days": "空气质量天数",
    "lighting_saving": "照明节能率",
}
EVIDENCE_ZH = {
    "count": "数量",
    "by_kind": "按类型",
    "kinds": "类型",
    "scope": "范围",
    "devices": "设备数",
    "expected": "应收条数",
    "received": "实收条数",
    "incomplete_devices": "不完整设备数",
    "window_h": "窗口(小时)",
    "never_online": "从未在线",
    "never_online_count": "从未在线数",
    "worst": "最低设备",
    "area_km2": "面积(km²)",
    "covered_km2": "覆盖面积(km²)",
    "overlap_km2": "重叠面积(km²)",
    "blind_km2": "盲区面积(km²)",
    "sites": "站点数",
    "site_area_km2": "站点视域合计(km²)",
    "arithmetic": "算式",
    "as_written": "按承诺原文",
    "upper_bound_fraction": "无重叠上限",
    "blind_spot_parts": "盲区块数",
    "formula": "公式",
    "incidents": "事件数",
    "detected": "已发现",
    "undetected": "未发现数",
    "undetected_ids": "未发现事件",
    "slowest": "最慢发现",
    "percentile": "分位数",
    "kpi": "指标",
    "name_zh": "中文名",
    "raw": "原值",
    "hours": "小时数",
    "towers": "塔数",
    "missed_hours": "漏巡小时",
    "days": "有效天数",
    "hits": "达标天数",
    "by_level": "按级别",
    "energy_kwh": "用电(kWh)",
    "baseline_kwh": "基准用电(kWh)",
    "saving": "节能比例",
    "open_case_ids": "未结案件",
    "overdue_case_ids": "超期案件",
    "missed_incident_ids": "未发现事件",
    "filed_not_dispatched_ids": "已立案未派遣",
    "uncovered_ids": "未覆盖点位",
    "note": "说明",
}
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",
"Microsoft YaHei",sans-serif;margin:0 auto;max-width:1100px;padding:1.5em;color:#222;
line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;
margin-top:1.8em}h3{margin:0 0 .4em}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
td,th{border:1px solid #ddd;padding:.3em .55em;vertical-align:top;text-align:left}
th{background:#f4f6f7}td.num{text-align:right;white-space:nowrap}
.badge{display:inline-block;padding:.1em .6em;border-radius:.8em;color:#fff;
font-weight:600;white-space:nowrap;font-size:.9em}
.pass{background:#1e8449}.fail{background:#c0392b}.not_evaluable{background:#7f8c8d}
section.c{border:1px solid #ddd;border-left:6px solid #999;border-radius:4px;
padding:.8em 1.1em;margin:1.2em 0}
section.c.pass{border-left-color:#1e8449;background:#fff}
section.c.fail{border-left-color:#c0392b;background:#fff}
section.c.not_evaluable{border-left-color:#7f8c8d;background:#fff}
blockquote{margin:.4em 0;padding:.4em .9em;background:#f8f9f9;border-left:4px solid #bbb;
font-size:1.05em}
.why{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;white-space:pre-wrap;
background:#fdfefe;border:1px dashed #ccc;padding:.4em .6em}
.meta td:first-child{color:#555;white-space:nowrap}img{max-width:100%;height:auto}
figure{margin:1em 0}figcaption{color:#555;font-size:.9em}.muted{color:#777}
code{font-size:.9em}
"""


@dataclass
class ReportExtra:
    """What the report needs beyond the rows: the run (`RunEvidence.run_info()`), the
    commitments file (its areas and params drive the coverage maps) and where it came from."""

    run: dict[str, Any]
    commitments: CommitmentsFile | None = None
    source: str | None = None
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- rows


def build_rows(commitments: CommitmentsFile, data: EvaluationData) -> list[dict[str, Any]]:
    """Every commitment evaluated, as report rows: the evaluator's row plus verdict_zh,
    params, scope and window, with long evidence lists cut to LIST_SHOWN items (and a
    `<key>_count` beside each cut list)."""
    rows = []
    for i, (spec, row) in enumerate(
        zip(commitments.commitments, evaluate(commitments, data), strict=True)
    ):
        params = commitments.params_of(i)
        window: Any = spec.window
        if isinstance(window, WindowSpec):
            window = {"from": window.from_.isoformat(), "to": window.to.isoformat()}
        rows.append(
            {
                "id": row["id"],
                "quote": row["quote"],
                "domain": spec.domain,
                "metric": row["metric"],
                "metric_zh": METRIC_ZH.get(row["metric"]),
                "params": params.model_dump(mode="json", exclude_defaults=True)
                if isinstance(params, BaseModel)
                else {},
                "scope": spec.scope,
                "window": window,
                "comparison": row["comparison"],
                "target": row["target"],
                "unit": row["unit"],
                "value": row["value"],
                "verdict": row["verdict"],
                "verdict_zh": VERDICT_ZH[row["verdict"]],
                "why": row["why"],
                "evidence": _shorten(row["evidence"]),
                "note": spec.note,
            }
        )
    return rows


def _shorten(obj: Any) -> Any:
    """Lists longer than LIST_SHOWN cut to that many, with `<key>_count` (the full length)
    beside them unless the evidence already gives one."""
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            if isinstance(v, list) and len(v) > LIST_SHOWN:
                out[k] = [_shorten(x) for x in v[:LIST_SHOWN]]
                count_key = f"{k.removesuffix('_ids')}_count"
                if count_key not in obj:
                    out[count_key] = len(v)
            else:
                out[k] = _shorten(v)
        return out
    if isinstance(obj, list):
        return [_shorten(x) for x in obj]
    return obj


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """Counts per verdict."""
    out = {"pass": 0, "fail": 0, "not_evaluable": 0}
    for r in rows:
        out[r["verdict"]] += 1
    out["total"] = len(rows)
    return out


# --------------------------------------------------------------------------- writing


def write_report(
    out_dir: str | Path,
    pilot: PilotSpec | Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    data: EvaluationData,
    extra: ReportExtra,
) -> tuple[Path, Path]:
    """Write `report.json` and `report.html` into `out_dir` (created); returns their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = pilot.model_dump() if isinstance(pilot, BaseModel) else dict(pilot)
    doc = {
        "pilot": {
            "name": p.get("name"),
            "name_zh": p.get("name_zh"),
            "task_book": p.get("task_book"),
            "source": p.get("source"),
        },
        # in the city's time (the run's UTC offset), not the machine's
        "generated_at": datetime.now(UTC)
        .astimezone(timezone(timedelta(minutes=data.utc_offset_min)))
        .isoformat(timespec="seconds"),
        "commitments_file": extra.source,
        "run": extra.run,
        "summary": summarise(rows),
        "commitments": [dict(r) for r in rows],
    }
    json_path = out / "report.json"
    json_path.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2, default=_jsonable) + b"\n")
    html_path = out / "report.html"
    html_path.write_text(_html(doc, rows, data, extra), encoding="utf-8")
    return json_path, html_path


def _jsonable(obj: Any) -> Any:
    if hasattr(obj, "item"):  # numpy scalars
        return obj.item()
    if hasattr(obj, "tolist"):
        return obj.tolist()
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _num(x: float | None) -> str:
    if x is None:
        return "—"
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}".replace(",", " ") if abs(x) >= 1e4 else str(int(x))
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}".replace(",", " ")


def _unit(unit: str | None) -> str:
    return "" if not unit else (" %" if unit == "%" else f" {unit}")


def _badge(verdict: str) -> str:
    return (
        f'<span class="badge {_e(verdict)}">{_e(VERDICT_ZH[verdict])} '
        f"{_e(VERDICT_EN[verdict])}</span>"
    )


def _html(
    doc: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    data: EvaluationData,
    extra: ReportExtra,
) -> str:
    pilot, run, summary = doc["pilot"], doc["run"], doc["summary"]
    title_zh = pilot.get("name_zh") or ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title_zh)} {_e(pilot.get('name') or '')} — 承诺验证报告 Commitments "
        "validation report</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        "<h1>承诺验证报告 Commitments validation report</h1>",
        f"<p><strong>{_e(title_zh)}</strong> {_e(pilot.get('name') or '')}</p>",
        _meta_table(doc, run, extra),
        "</header>",
    ]
    parts += _summary_section(rows, summary)
    parts += _charts_section(rows, data, run)
    parts.append("<h2>逐项结论与证据 Verdicts and evidence</h2>")
    maps = coverage_maps(rows, data, extra.commitments)
    for row in rows:
        parts.append(_commitment_section(row, maps.get(str(row["id"]))))
    parts += _notes_section(run, extra)
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _meta_table(doc: Mapping[str, Any], run: Mapping[str, Any], extra: ReportExtra) -> str:
    pilot = doc["pilot"]
    window = run.get("window") or {}
    rows = [
        ("试点 Pilot", f"{pilot.get('name_zh') or ''} {pilot.get('name') or ''}".strip()),
        ("任务书 Task book", pilot.get("task_book")),
        ("原文出处 Source text", pilot.get("source")),
        ("承诺文件 Commitments file", extra.source),
        ("运行 Run", run.get("folder")),
        ("场景 Scenario", " / ".join(str(x) for x in (run.get("scenario"), run.get("city")) if x)),
        ("随机种子 Seed", run.get("seed")),
        (
            "时段 Window",
            f"{window.get('from')} → {window.get('to')} ({window.get('hours')} h)"
            if window
            else None,
        ),
        ("生成时间 Generated", doc.get("generated_at")),
    ]
    cells = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(v)}</td></tr>" for k, v in rows if v not in (None, "")
    )
    return f'<table class="meta">{cells}</table>'


def _summary_section(rows: Sequence[Mapping[str, Any]], summary: Mapping[str, int]) -> list[str]:
    out = [
        "<h2>总览 Summary</h2>",
        "<p>"
        + " ".join(
            f"{_badge(v)} <strong>{summary[v]}</strong>" for v in ("pass", "fail", "not_evaluable")
        )
        + f" <span class='muted'>/ {summary['total']} 项 commitments</span></p>",
        "<table><thead><tr><th>编号 ID</th><th>领域 Domain</th><th>承诺原文 Quote</th>"
        "<th>指标 Metric</th><th>目标 Target</th><th>实测 Value</th><th>结论 Verdict</th>"
        "</tr></thead><tbody>",
    ]
    for r in rows:
        out.append(
            f'<tr><td><a href="#c-{_e(r["id"])}">{_e(r["id"])}</a></td><td>{_e(r["domain"])}'
            f'</td><td lang="zh-CN">{_e(r["quote"])}</td><td>{_e(r.get("metric_zh") or "")} '
            f"<code>{_e(r['metric'])}</code></td>"
            f'<td class="num">{_e(r["comparison"])} {_e(_num(r["target"]))}'
            f'{_e(_unit(r["unit"]))}</td><td class="num">{_e(_num(r["value"]))}'
            f"{_e(_unit(r['unit']) if r['value'] is not None else '')}</td>"
            f"<td>{_badge(r['verdict'])}</td></tr>"
        )
    out.append("</tbody></table>")
    out.append(
        "<p class='muted'>无法评估 (not evaluable) means the run holds no data for the "
        "metric; it is listed but does not fail the validation (exit code 0 unless a "
        "commitment fails).</p>"
    )
    return out


def _commitment_section(row: Mapping[str, Any], image: str | None) -> str:
    v = row["verdict"]
    target = f"{row['comparison']} {_num(row['target'])}{_unit(row['unit'])}"
    value = "—" if row["value"] is None else f"{_num(row['value'])}{_unit(row['unit'])}"
    facts = [
        ("指标 Metric", f"{row.get('metric_zh') or ''} {row['metric']}"),
        ("参数 Params", _compact(row.get("params")) if row.get("params") else None),
        ("范围 Scope", row.get("scope")),
        ("时段 Window", _compact(row.get("window")) if row.get("window") else None),
        ("目标 Target", target),
        ("实测 Value", value),
        ("备注 Note", row.get("note")),
    ]
    cells = "".join(
        f"<tr><td>{_e(k)}</td><td>{_e(x)}</td></tr>" for k, x in facts if x not in (None, "")
    )
    parts = [
        f'<section class="c {_e(v)}" id="c-{_e(row["id"])}">',
        f"<h3>{_e(row['id'])} · {_e(row['domain'])} {_badge(v)}</h3>",
        f'<blockquote lang="zh-CN">“{_e(row["quote"])}”</blockquote>',
        f'<table class="meta">{cells}</table>',
        "<p><strong>理由 Why</strong></p>",
        f'<div class="why">{_e(row["why"])}</div>',
    ]
    if image:
        parts.append(
            f'<figure><img alt="coverage map {_e(row["id"])}" src="{image}">'
            "<figcaption>覆盖图 Coverage map: covered (blue), blind spots (red), "
            "sites (triangles)</figcaption></figure>"
        )
    if row.get("evidence"):
        parts += ["<p><strong>证据 Evidence</strong></p>", _evidence_table(row["evidence"])]
    parts.append("</section>")
    return "\n".join(parts)


def _evidence_table(ev: Mapping[str, Any]) -> str:
    cells = []
    for k, v in ev.items():
        label = f"{EVIDENCE_ZH[k]} {k}" if k in EVIDENCE_ZH else k
        cells.append(f"<tr><td>{_e(label)}</td><td>{_evidence_value(v)}</td></tr>")
    return f"<table>{''.join(cells)}</table>"


def _evidence_value(v: Any) -> str:
    if isinstance(v, dict):
        if v and all(not isinstance(x, dict | list) for x in v.values()):
            return _e(", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()))
        return _evidence_table(v) if v else "—"
    if isinstance(v, list):
        if v and all(isinstance(x, dict) for x in v):
            return "<br>".join(_e(_compact(x)) for x in v)
        return _e(", ".join(_fmt(x) for x in v)) if v else "—"
    return _e(_fmt(v))


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, float):
        return _num(round(x, 6))
    return str(x)


def _compact(x: Any) -> str:
    if isinstance(x, dict):
        return ", ".join(f"{k}: {_compact(v)}" for k, v in x.items())
    if isinstance(x, list):
        return "[" + ", ".join(_compact(v) for v in x) + "]"
    return _fmt(x)


def _notes_section(run: Mapping[str, Any], extra: ReportExtra) -> list[str]:
    out = [
        "<h2>说明 Notes</h2>",
        "<ul>",
        "<li>结论规则 Verdict rules: 通过 Pass when the measured value meets the target "
        "(value comparison target); 未通过 Fail when it does not, or when the target cannot "
        "be met as written (the arithmetic is given); 无法评估 Not evaluable when the data "
        "needed are not in the run.</li>",
    ]
    check = (run.get("checks") or {}).get("detection_latency")
    if check:
        ok = "consistent with" if check.get("consistent") else "DIFFERENT FROM"
        out.append(
            f"<li>发现时延核对 Detection latency check: mean {_e(_fmt(check.get('mean_s')))}"
            f" s over {_e(check.get('detected'))} of {_e(check.get('incidents'))} "
            f"incidents, {ok} the run summary's "
            f"{_e(_fmt(check.get('summary_mean_s')))} s.</li>"
        )
    out += [f"<li>{_e(n)}</li>" for n in extra.notes]
    out.append("</ul>")
    return out


# --------------------------------------------------------------------------- charts


def _is_percent(row: Mapping[str, Any]) -> bool:
    return row.get("unit") == "%" or (
        row["metric"]
        in (
            "coverage_area",
            "coverage_corridor",
            "coverage_points",
            "online_rate",
            "data_completeness",
            "patrol_24h",
            "lighting_saving",
        )
        and not row.get("unit")
    )


def _charts_section(
    rows: Sequence[Mapping[str, Any]], data: EvaluationData, run: Mapping[str, Any]
) -> list[str]:
    figures = []
    pct = [r for r in rows if _is_percent(r)]
    if pct:
        figures.append(
            (
                targets_chart(pct),
                "百分比类承诺:实测与目标 Commitments in percent: "
                "measured value (bar) against the target (black mark); grey: not "
                "evaluable",
            )
        )
    metrics = {r["metric"] for r in rows}
    if metrics & {"online_rate", "data_completeness"} and data.devices:
        img = kind_chart(data)
        if img:
            figures.append(
                (
                    img,
                    "按设备类型的在线率与数据完整率 Online rate and data "
                    "completeness per device kind, over the run's window",
                )
            )
    if "detection_latency" in metrics and data.latencies:
        img = latency_chart(data, [r for r in rows if r["metric"] == "detection_latency"])
        if img:
            figures.append(
                (
                    img,
                    "发现时延分布 Detection latency per incident (minutes, log "
                    "scale) by incident kind; dashed: targets",
                )
            )
    if not figures:
        return []
    out = ["<h2>图表 Charts</h2>"]
    for img, caption in figures:
        out.append(
            f'<figure><img alt="{_e(caption)}" src="{img}"><figcaption>{_e(caption)}'
            "</figcaption></figure>"
        )
    return out
