"""What a run shows on the terminal: a progress bar while it runs (simulated time, MQTT
messages/s, cases) and the summary table at the end (bilingual: the users are Chinese city
staff and integrators)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim.run.clock import TickStatus
from sim.run.options import RunOptions
from sim.run.runner import RunResult, run_scenario
from sim.scenario import Scenario

KPI_ROWS = [
    ("reported", "上报数", "Reported"),
    ("duplicate_reports", "重复上报数", "Duplicate reports (merged)"),
    ("valid_report_rate", "有效上报率", "Valid report rate"),
    ("filed", "立案数", "Filed"),
    ("on_time_filing_rate", "按时立案率", "On-time filing rate"),
    ("dispatched", "派遣数", "Dispatched"),
    ("accurate_dispatch_rate", "准确派遣率", "Accurate dispatch rate"),
    ("on_time_dispatch_rate", "按期派遣率", "On-time dispatch rate"),
    ("handled", "处置数", "Handled"),
    ("handling_rate", "处置率", "Handling rate"),
    ("on_time_handling_rate", "按期处置率", "On-time handling rate"),
    ("closed", "结案数", "Closed"),
    ("due_to_close", "应结案数", "Due to close"),
    ("closure_rate", "结案率", "Closure rate"),
    ("on_time_closure_rate", "按期结案率", "On-time closure rate"),
    ("rework_rate", "返工率", "Rework rate"),
    ("extension_rate", "延期率", "Extension rate"),
    ("overdue_pending_rate", "超期待处置率", "Overdue pending rate"),
    ("mean_handling_hours", "平均处置时长(小时)", "Mean handling time (h)"),
    ("p90_handling_hours", "处置时长P90(小时)", "Handling time p90 (h)"),
    ("smart_discovery_share", "智能发现占比", "Smart discovery share"),
    ("composite_score", "综合指标值", "Composite score"),
    ("device_online_rate", "设备在线率", "Device online rate"),
]
TRUTH_ROWS = [
    ("incidents", "真实事件数", "Incidents (ground truth)"),
    ("discovered", "发现数", "Discovered"),
    ("discovery_rate", "发现率", "Discovery rate"),
    ("mean_detection_latency_s", "平均发现时延(秒)", "Mean detection latency (s)"),
    ("false_alarms", "误报数", "False alarms"),
    ("merge_precision", "合并准确率", "Merge precision"),
]
SOURCES = [
    ("iot", "智能发现", "IoT/AI"),
    ("patrol", "主动发现", "Patrol"),
    ("hotline", "被动发现", "12345 hotline"),
]


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.endswith(("_rate", "_share", "_precision")):
        return f"{value * 100:.1f} %"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def print_summary(summary: dict[str, Any], console: Console) -> None:
    """The run's summary table: KPIs, truth scoring, tower latency, run figures, warnings."""
    table = Table(
        title=f"{summary['scenario']} · {summary['city']} · seed {summary['seed']}",
        show_lines=False,
    )
    table.add_column("指标", style="bold")
    table.add_column("Indicator")
    table.add_column("Value", justify="right")
    for key, zh, en in KPI_ROWS:
        table.add_row(zh, en, _fmt(key, summary["kpis"].get(key)))
    table.add_section()
    for key, zh, en in TRUTH_ROWS:
        table.add_row(zh, en, _fmt(key, summary["truth"].get(key)))
    for key, zh, en in SOURCES:
        src = summary["truth"].get("by_source", {}).get(key)
        if src:
            table.add_row(
                f"  {zh}发现率",
                f"  {en} discovery rate",
                f"{_fmt('discovery_rate', src['discovery_rate'])} "
                f"({src['discovered']}, first {src['first']})",
            )
    towers = summary.get("towers")
    if towers and towers["by_distance_km"]:
        table.add_section()
        for km, b in towers["by_distance_km"].items():
            med = f"{b['median_s'] / 60:.1f} min" if b["median_s"] is not None else "—"
            table.add_row(
                f"高点监控发现时延 {km} km",
                f"Tower time to detect, {km} km",
                f"{med} ({b['detected']}/{b['fires']} fires)",
            )
    table.add_section()
    run = summary["run"]
    table.add_row(
        "设备 / 读数", "Devices / readings", f"{summary['devices']:,} / {summary['readings']:,}"
    )
    table.add_row("运行时长", "Wall time", f"{run['wall_s']:.1f} s ({run['sim_speedup']:,}x)")
    table.add_row("消息速率", "MQTT messages/s", f"{run['messages_per_s']:,}")
    table.add_row("同步 / 代理", "Sync / broker", f"{run['sync']} / {run['broker']}")
    console.print(table)
    for w in run.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}")


def run_with_progress(
    scenario: Scenario, opts: RunOptions, console: Console, quiet: bool = False
) -> RunResult:
    """`run_scenario` with a progress bar on `console` (none when `quiet`)."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[sim]}"),
        TextColumn("{task.fields[rate]}"),
        TextColumn("{task.fields[cases]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )
    task = progress.add_task("starting", total=1, sim="", rate="", cases="")

    def on_tick(st: TickStatus) -> None:
        day, rem = divmod(int(st.t), 86400)
        rate = st.messages / st.wall_s if st.wall_s > 0 else 0.0
        progress.update(
            task,
            total=st.total,
            completed=st.seq,
            description="simulating",
            sim=f"day {day + 1} {rem // 3600:02d}:{rem % 3600 // 60:02d}",
            rate=f"{rate:,.0f} msg/s",
            cases=f"{st.ioc_stats.get('cases', 0)} cases",
        )

    def on_phase(message: str) -> None:
        progress.update(task, description=message)

    with progress:
        return run_scenario(scenario, opts, on_tick, on_phase=on_phase)
