"""The run's summary table on the terminal (bilingual: the users are Chinese city staff and
integrators)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

KPI_ROWS = [
    ("reported", "上报数", "Reported"),
    ("duplicate_reports", "重复上报数", "Duplicate reports (merged)"),
    ("filed", "立案数", "Filed"),
    ("dispatched", "派遣数", "Dispatched"),
    ("handled", "处置数", "Handled"),
    ("closed", "结案数", "Closed"),
    ("due_to_close", "应结案数", "Due to close"),
    ("closure_rate", "结案率", "Closure rate"),
    ("on_time_closure_rate", "按期结案率", "On-time closure rate"),
    ("mean_handling_hours", "平均处置时长", "Mean handling time (h)"),
    ("overdue", "超期数", "Overdue"),
    ("rework", "返工数", "Rework"),
    ("device_online_rate", "设备在线率", "Device online rate"),
]
TRUTH_ROWS = [
    ("incidents", "真实事件数", "Incidents (ground truth)"),
    ("discovered", "发现数", "Discovered"),
    ("discovery_rate", "发现率", "Discovery rate"),
    ("mean_detection_latency_s", "平均发现时延(秒)", "Mean detection latency (s)"),
    ("false_alarms", "误报数", "False alarms"),
]


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value * 100:.1f} %"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}"


def print_summary(summary: dict[str, Any], console: Console) -> None:
    table = Table(title=f"{summary['scenario']} · {summary['city']} · seed {summary['seed']}",
                  show_lines=False)
    table.add_column("指标", style="bold")
    table.add_column("Indicator")
    table.add_column("Value", justify="right")
    for key, zh, en in KPI_ROWS:
        table.add_row(zh, en, _fmt(key, summary["kpis"].get(key)))
    table.add_section()
    for key, zh, en in TRUTH_ROWS:
        table.add_row(zh, en, _fmt(key, summary["truth"].get(key)))
    table.add_section()
    run = summary["run"]
    table.add_row("设备 / 读数", "Devices / readings",
                  f"{summary['devices']:,} / {summary['readings']:,}")
    table.add_row("运行时长", "Wall time", f"{run['wall_s']:.1f} s ({run['sim_speedup']:,}x)")
    table.add_row("消息速率", "MQTT messages/s", f"{run['messages_per_s']:,}")
    table.add_row("同步 / 代理", "Sync / broker", f"{run['sync']} / {run['broker']}")
    console.print(table)
    for w in run.get("warnings", []):
        console.print(f"[yellow]warning:[/] {w}")
