"""`citysim record` and `citysim replay`: capture a run's MQTT traffic to a file and feed it to
any IOC later (see format.py for the file format and replay.py for what a replay reproduces).

The two commands are plain functions, registered in sim/cli.py; `python -m
sim.tools.recording.cli` runs them on their own.
"""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ioc.contract import BrokerAddress, Topics, parse_broker_url
from sim.tools.recording.format import (
    ALL_TOPICS,
    DEFAULT_RECORD_TOPICS,
    DEFAULT_REPLAY_TOPICS,
    RecordingError,
)
from sim.tools.recording.recorder import Recorder, RecordSummary
from sim.tools.recording.replay import Replayer, ReplayError, ReplayProgress
from sim.tools.recording.writer import RecordMode

console = Console(stderr=True, soft_wrap=True)


def _broker(url: str) -> BrokerAddress:
    try:
        return parse_broker_url(url)
    except ValueError as err:
        raise typer.BadParameter(str(err), param_hint="--broker") from None


def _error(message: str, code: int) -> typer.Exit:
    console.print(f"[red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def record(
    broker: Annotated[str, typer.Option(help="MQTT broker, mqtt://host:port")],
    out: Annotated[
        Path, typer.Option(help="file to write (JSON lines; gzip-compressed when it ends with .gz)")
    ],
    topics: Annotated[
        list[str] | None,
        typer.Option(
            "--topics",
            "--topic",
            help="topic filter to record (repeat for more)",
            show_default=f"{DEFAULT_RECORD_TOPICS[0]}",
        ),
    ] = None,
    duration: Annotated[
        float | None, typer.Option(help="stop after this many seconds (default: at Ctrl-C)")
    ] = None,
    retained: Annotated[
        bool,
        typer.Option(help="record the retained messages the broker holds when recording starts"),
    ] = True,
    append: Annotated[bool, typer.Option(help="add to an existing recording")] = False,
    overwrite: Annotated[bool, typer.Option(help="replace an existing file")] = False,
    quiet: Annotated[bool, typer.Option(help="no live counter, only the summary")] = False,
) -> None:
    """Record every message on the broker's citysim topics, with timestamps, to a file."""
    if duration is not None and duration <= 0:
        raise typer.BadParameter("must be positive", param_hint="--duration")
    if append and overwrite:
        raise typer.BadParameter("--append or --overwrite, not both", param_hint="--append")
    mode: RecordMode = "append" if append else "overwrite" if overwrite else "new"
    recorder = Recorder(
        _broker(broker),
        out,
        tuple(topics or DEFAULT_RECORD_TOPICS),
        include_retained=retained,
        mode=mode,
    )
    try:
        recorder.start()
    except (FileExistsError, RecordingError) as err:
        raise _error(str(err), 2) from None
    except (ConnectionError, OSError) as err:
        raise _error(str(err), 1) from None

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()  # `kill PID` ends the recording as cleanly as Ctrl-C

    in_main = threading.current_thread() is threading.main_thread()  # signals go there only
    previous = signal.signal(signal.SIGTERM, on_signal) if in_main else None
    deadline = time.monotonic() + duration if duration else None
    status = console.status("", spinner="dots")
    if not quiet:
        status.start()
    try:
        while not stop.is_set():
            left = deadline - time.monotonic() if deadline else 0.5
            if left <= 0:
                break
            stop.wait(min(0.5, left))
            if not quiet:
                status.update(
                    f"recording {', '.join(recorder.topics)} from {broker} to {out}: "
                    f"{recorder.received:,} messages in {recorder.elapsed_s:,.0f} s "
                    "(Ctrl-C stops)"
                )
    except KeyboardInterrupt:
        pass
    finally:
        status.stop()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        summary = recorder.stop()
    _print_record_summary(summary)
    if summary.error:
        raise _error(summary.error, 1)


def _print_record_summary(s: RecordSummary) -> None:
    table = Table(title=f"recorded to {s.path}", show_header=False, title_justify="left")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("messages", f"{s.messages:,}")
    table.add_row("payload", f"{s.payload_bytes / 1e6:,.2f} MB")
    table.add_row("file", f"{s.file_bytes / 1e6:,.2f} MB")
    table.add_row("duration", f"{s.elapsed_s:,.1f} s")
    table.add_row("rate", f"{s.rate:,.0f} msg/s")
    table.add_row("retained", f"{s.retained:,}")
    table.add_row(
        "protocol",
        s.protocol
        + ("" if s.protocol == "MQTTv5" else " (retain flag: retained at subscription only)"),
    )
    for kind, n in s.by_kind.items():
        table.add_row(f"  {kind}", f"{n:,}")
    if s.reconnects:
        table.add_row(
            "[yellow]reconnects[/]", f"{s.reconnects} (messages sent meanwhile are missing)"
        )
    if s.dropped:
        table.add_row("[red]not written[/]", f"{s.dropped:,}")
    console.print(table)


def replay(
    file: Annotated[Path, typer.Argument(help="a recording (citysim record)")],
    broker: Annotated[str, typer.Option(help="MQTT broker, mqtt://host:port")],
    speed: Annotated[
        float | None,
        typer.Option(help="speed factor over the recorded timing (default 1: as recorded)"),
    ] = None,
    as_fast_as_possible: Annotated[
        bool, typer.Option("--as-fast-as-possible", help="ignore the recorded timing")
    ] = False,
    all_topics: Annotated[
        bool,
        typer.Option(
            "--all-topics",
            help="replay everything, the IOC's own outputs (tasks, commands, clock acks) too",
        ),
    ] = False,
    topics: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            help="replay only topics matching this filter (repeat for more; default: "
            "what an IOC consumes)",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="leave out topics matching this filter (repeat for more)"),
    ] = None,
    ack_window: Annotated[
        int | None,
        typer.Option(
            help="keep at most N clock ticks unacknowledged by the IOC (flow control), and wait "
            "for the last tick's acknowledgement"
        ),
    ] = None,
    ack_timeout: Annotated[
        float, typer.Option(help="with --ack-window: seconds to wait for an acknowledgement")
    ] = 60.0,
    quiet: Annotated[bool, typer.Option(help="no progress bar, only the summary")] = False,
) -> None:
    """Republish a recording in its original order, at a speed factor or as fast as possible.

    By default only what an IOC consumes is replayed, so that a fresh IOC on the simulated
    clock rebuilds the recorded run's case log.
    """
    if speed is not None and as_fast_as_possible:
        raise typer.BadParameter("--speed or --as-fast-as-possible, not both", param_hint="--speed")
    if speed is not None and speed <= 0:
        raise typer.BadParameter("must be positive", param_hint="--speed")
    if all_topics and topics:
        raise typer.BadParameter("--all-topics or --topic, not both", param_hint="--topic")
    selection = ALL_TOPICS if all_topics else tuple(topics or DEFAULT_REPLAY_TOPICS)
    excluded = tuple(exclude or ())
    if ack_window is not None and all_topics:
        excluded += (Topics.ACK,)  # wait for the IOC's fresh acknowledgements, not old ones
    address = _broker(broker)
    progress = Progress(
        TextColumn("[bold]replaying"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TextColumn("{task.fields[at]}"),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    )

    def on_progress(p: ReplayProgress) -> None:
        progress.update(
            task,
            completed=p.done,
            at=f"recorded {p.t:,.1f} s",
            rate=f"{p.done / p.elapsed_s:,.0f} msg/s" if p.elapsed_s > 0 else "",
        )

    try:
        replayer = Replayer(
            address,
            file,
            None if as_fast_as_possible else (speed or 1.0),
            selection,
            excluded,
            on_progress,
            ack_window=ack_window,
            ack_timeout_s=ack_timeout,
        )
        info = replayer.scan()  # the whole file is checked before anything is published
    except (RecordingError, ValueError) as err:
        raise _error(str(err), 2) from None
    if info.truncated:
        console.print(f"[yellow]warning:[/] {file}: {info.truncated}", highlight=False)
    if info.selected == 0:
        raise _error(
            f"{file}: none of its {info.records:,} messages match the topics to "
            f"replay ({', '.join(selection)})",
            2,
        )
    task: TaskID = progress.add_task("replay", total=info.selected, at="", rate="")
    try:
        with progress:
            result = replayer.run()
    except KeyboardInterrupt:
        replayer.stop()
        console.print("[yellow]interrupted[/]")
        raise typer.Exit(130) from None
    except (ConnectionError, ReplayError) as err:
        raise _error(str(err), 1) from None
    mode = "as fast as possible" if result.speed is None else f"at {result.speed:g}x"
    console.print(
        f"replayed {result.published:,} of {result.records:,} messages "
        f"({result.skipped:,} left out by topic) from {file} to {broker} {mode}: "
        f"{result.span_s:,.1f} s recorded in {result.elapsed_s:,.2f} s, "
        f"{result.rate:,.0f} msg/s"
        + (f"; last clock tick {result.last_tick_seq}" if result.last_tick_seq else ""),
        highlight=False,
    )


app = typer.Typer(
    help="Record and replay citysim MQTT traffic.", no_args_is_help=True, add_completion=False
)
app.command("record")(record)
app.command("replay")(replay)


if __name__ == "__main__":
    app()
