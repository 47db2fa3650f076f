"""How a run is asked for (`RunOptions`, the `citysim run` options) and how it fails
(`RunError`, with a message for the user)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sim.run.broker import BrokerKind
from sim.run.clock import SyncMode


class IocMode(StrEnum):
    """`embedded`: the run starts an IOC of its own; `external`: it uses one at a URL."""

    EMBEDDED = "embedded"
    EXTERNAL = "external"


class RunError(RuntimeError):
    """A run that cannot start or finish, with a message for the user."""


@dataclass
class RunOptions:
    """Where the outputs go, which broker and IOC to use, and how the clock runs."""

    out: Path
    broker_url: str | None = None
    broker_kind: BrokerKind = BrokerKind.AUTO
    ioc: IocMode = IocMode.EMBEDDED
    ioc_url: str | None = None
    data: Path | None = None
    sync: SyncMode = SyncMode.LOCKSTEP
    speed: float = 60.0
    ack_timeout_s: float = 60.0
