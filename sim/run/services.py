"""The services a run uses: an MQTT broker and an IOC, each started for the run (and stopped
with it) or an external one joined; and what is checked before the city is built (the IOC's
catalogue knows every category the scenario's people and devices will report)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ioc.contract import BrokerAddress, parse_broker_url
from sim.run.broker import start_broker
from sim.run.ioc_client import IocClient, start_embedded_ioc
from sim.run.options import IocMode, RunError, RunOptions
from sim.scenario import INCIDENT_KINDS, Scenario


@dataclass(frozen=True)
class BrokerInUse:
    """The broker a run uses."""

    address: BrokerAddress
    label: str  # "external", or the kind of broker started ("mosquitto", ...)


def prepare_folders(opts: RunOptions) -> Path:
    """The run folder, and the embedded IOC's data folder: OUT/ioc-data (emptied: a run starts
    from an empty IOC), or --data, which must be empty."""
    opts.out.mkdir(parents=True, exist_ok=True)
    if opts.data is None:
        data_dir = opts.out / "ioc-data"
        shutil.rmtree(data_dir, ignore_errors=True)  # ours: a run starts from an empty IOC
        return data_dir
    if opts.data.exists() and any(opts.data.iterdir()):
        raise RunError(f"--data {opts.data} is not empty; a run needs a fresh IOC store")
    return opts.data


def use_broker(opts: RunOptions, stack: ExitStack, on_phase: Callable[[str], None]) -> BrokerInUse:
    """The broker at --broker, or one started for the run (its log in the run folder)."""
    if opts.broker_url:
        try:
            return BrokerInUse(parse_broker_url(opts.broker_url), "external")
        except ValueError as err:
            raise RunError(str(err)) from None
    on_phase("starting MQTT broker")
    try:
        running = start_broker(opts.broker_kind, log_dir=opts.out)
    except RuntimeError as err:
        raise RunError(str(err)) from None
    stack.callback(running.stop)
    return BrokerInUse(running.address, running.kind)


def use_ioc(
    opts: RunOptions,
    scenario: Scenario,
    broker: BrokerAddress,
    data_dir: Path,
    run_id: str,
    stack: ExitStack,
    on_phase: Callable[[str], None],
) -> IocClient:
    """An IOC started for the run (`python -m ioc serve` on the simulated clock), or the
    external one at --ioc-url, which must be fresh and on the simulated clock."""
    if opts.ioc == IocMode.EMBEDDED:
        on_phase("starting IOC")
        try:
            embedded = start_embedded_ioc(
                broker,
                data_dir,
                scenario.ioc_config_path(),
                opts.out / "ioc.log",
                f"citysim-ioc-{run_id}",
            )
        except RuntimeError as err:
            raise RunError(str(err)) from None
        stack.callback(embedded.stop)
        return embedded.client
    if not opts.ioc_url:
        raise RunError("--ioc external needs --ioc-url (e.g. http://127.0.0.1:8000)")
    ioc = IocClient(opts.ioc_url)
    stack.callback(ioc.close)
    try:
        health = ioc.wait_ready(min(15.0, opts.ack_timeout_s))
    except TimeoutError as err:
        raise RunError(str(err)) from None
    if health.get("clock_mode") != "sim" or health.get("run_id") or health.get("cases"):
        raise RunError(
            f"the IOC at {opts.ioc_url} is not fresh or not on the simulated "
            f"clock (run {health.get('run_id')}, {health.get('cases')} "
            "cases); start it with `--clock sim` and an empty --data"
        )
    return ioc


def check_catalogue(scenario: Scenario, catalogue: dict[str, Any]) -> list[str]:
    """The categories the simulated city uses must be in the IOC's catalogue; the units that
    handle them should exist (warnings when they do not)."""
    items = {i["code"]: i for i in catalogue["items"]}
    types = {d["code"] for d in catalogue["departments"]}
    unit_types = {d.type for d in scenario.departments}
    kinds = {i.kind for i in scenario.incidents.timeline} | {
        r.kind for r in scenario.incidents.rates
    }
    used: dict[str, str] = {}
    for kind in sorted(kinds):
        k = INCIDENT_KINDS[kind]
        used[k.category] = f"incident kind {kind!r}"
        for c in k.visible.confusions if k.visible else ():
            used.setdefault(c, f"callers' confusions for {kind!r}")
    if scenario.hotline:
        for c in scenario.hotline.junk_categories:
            used.setdefault(c, "hotline.junk_categories")
    missing = [f"{code} ({why})" for code, why in sorted(used.items()) if code not in items]
    if missing:
        raise RunError(
            f"the IOC's catalogue ({catalogue['name']}) lacks categories the "
            f"scenario uses: {', '.join(missing)}"
        )
    bad_types = sorted(t for t in unit_types if t not in types)
    if bad_types:
        raise RunError(
            f"departments of types {bad_types} are not in the IOC's catalogue; "
            f"types: {sorted(types)}"
        )
    warnings = []
    for kind in sorted(kinds):
        dept = items[INCIDENT_KINDS[kind].category]["department"]
        if dept not in unit_types:
            warnings.append(f"no {dept!r} unit in the scenario: {kind} cases will never be handled")
    return warnings


def ioc_diagnosis(ioc: IocClient, out: Path) -> str:
    """What the IOC says it is waiting for, and the tail of its log, after a stall."""
    lines = []
    try:
        health = ioc.health()
        lines.append(
            f"IOC clock {health.get('clock')}, tick {health.get('ticks')}, waiting for "
            f"messages from {health.get('waiting_for') or 'nothing'}, "
            f"{health.get('held_events')} events held"
        )
    except Exception as err:  # the IOC may be gone: say so rather than fail again
        lines.append(f"the IOC does not answer: {err}")
    log = out / "ioc.log"
    if log.exists():
        lines.append("last lines of the IOC log:\n" + log.read_text(errors="replace")[-2000:])
    return "\n".join(lines)
