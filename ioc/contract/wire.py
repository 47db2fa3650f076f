"""The citysim wire contract (接入规范): MQTT topics, payload schemas and delivery rules.

This module is the single definition of what crosses the wire between devices/gateways,
departments, the simulator's clock and the IOC. `edge` and `sim` import nothing from `ioc`
but the `ioc.contract` package (this module and `files`, the typed input files); a
third-party device or IOC needs only this file (and docs/device-access.md).

Rules every message follows:

- JSON, UTF-8. Event times (`ts`) are integers: milliseconds since the Unix epoch, UTC.
- Data messages carry an envelope: contract version `v`, the publishing `source` and a
  per-source message sequence number `msg_seq` counting from 1. Receivers drop duplicates
  (QoS 1 may redeliver) and can tell whether they hold everything a source has sent.
- Every reading carries its device's own sequence number `seq`, counting from 1.
- Clock ticks (simulated mode) carry a watermark `ts` and, per source, the last `msg_seq`
  sent before the tick: a receiver that has all of those has every event with time < `ts`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import urlsplit

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from ioc.contract.files import describe_validation_error

CONTRACT_VERSION = 1
TOPIC_ROOT = "citysim/v1"

# Identifiers that appear in topics must not contain MQTT separators or wildcards.
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
EpochMs = Annotated[int, Field(ge=0)]


# --------------------------------------------------------------------------- topics


class Topics:
    """Topic names. `+` marks one identifier level in the subscription filters."""

    @staticmethod
    def telemetry(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/gw/{gateway_id}/telemetry"

    @staticmethod
    def devices(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/gw/{gateway_id}/devices"

    @staticmethod
    def gateway_status(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/gw/{gateway_id}/status"

    @staticmethod
    def events(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/gw/{gateway_id}/events"

    @staticmethod
    def command(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/cmd/{gateway_id}"

    @staticmethod
    def command_ack(gateway_id: str) -> str:
        return f"{TOPIC_ROOT}/gw/{gateway_id}/cmdack"

    @staticmethod
    def report(channel: str) -> str:
        return f"{TOPIC_ROOT}/report/{channel}"

    @staticmethod
    def task(role: str, unit: str) -> str:
        return f"{TOPIC_ROOT}/task/{role}/{unit}"

    @staticmethod
    def result(role: str, unit: str) -> str:
        return f"{TOPIC_ROOT}/result/{role}/{unit}"

    @staticmethod
    def org(source: str) -> str:
        return f"{TOPIC_ROOT}/org/{source}"

    @staticmethod
    def crew(department: str) -> str:
        return f"{TOPIC_ROOT}/crew/{department}"

    TICK = f"{TOPIC_ROOT}/clock/tick"
    ACK = f"{TOPIC_ROOT}/clock/ack"

    # What the IOC subscribes to, and what actors (desk, grid supervisors, departments)
    # subscribe to.
    IOC_INPUTS = (
        f"{TOPIC_ROOT}/gw/+/telemetry",
        f"{TOPIC_ROOT}/gw/+/events",
        f"{TOPIC_ROOT}/gw/+/devices",
        f"{TOPIC_ROOT}/gw/+/status",
        f"{TOPIC_ROOT}/gw/+/cmdack",
        f"{TOPIC_ROOT}/report/+",
        f"{TOPIC_ROOT}/result/+/+",
        f"{TOPIC_ROOT}/org/+",
        f"{TOPIC_ROOT}/crew/+",
        TICK,
    )
    TASKS_ALL = f"{TOPIC_ROOT}/task/+/+"
    COMMANDS_ALL = f"{TOPIC_ROOT}/cmd/+"


@dataclass(frozen=True)
class TopicRef:
    """A parsed contract topic: its message kind, identifier and (task/result) role."""

    kind: str
    ident: str = ""
    role: str = ""


ROLES = ("desk", "grid", "dept")
CHANNELS = ("patrol", "hotline")


def parse_topic(topic: str) -> TopicRef | None:
    """Split a contract topic, or None if it is not one of ours.

    Kinds: telemetry, events, devices, status, cmdack, command, report, task, result, org,
    crew, tick, ack.
    """
    if topic == Topics.TICK:
        return TopicRef("tick")
    if topic == Topics.ACK:
        return TopicRef("ack")
    prefix = TOPIC_ROOT + "/"
    if not topic.startswith(prefix):
        return None
    parts = topic[len(prefix) :].split("/")
    if any(not p for p in parts):
        return None
    match parts:
        case ["gw", ident, ("telemetry" | "events" | "devices" | "status" | "cmdack") as leaf]:
            return TopicRef(leaf, ident)
        case ["cmd", ident]:
            return TopicRef("command", ident)
        case ["report", channel] if channel in CHANNELS:
            return TopicRef("report", channel)
        case [("task" | "result") as kind, role, unit] if role in ROLES:
            return TopicRef(kind, unit, role)
        case [("org" | "crew") as kind, ident]:
            return TopicRef(kind, ident)
    return None


# --------------------------------------------------------------------------- payloads


class _Model(BaseModel):
    # Strict: a string "12" is not a number, a bool is not a reading value, NaN and
    # Infinity are not values. Unknown fields are ignored so that newer minor revisions
    # stay readable.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True, allow_inf_nan=False)


class Envelope(_Model):
    v: Literal[1] = CONTRACT_VERSION
    source: Ident
    msg_seq: int = Field(ge=1)


Lon = Annotated[float, Field(ge=-180, le=180)]
Lat = Annotated[float, Field(ge=-90, le=90)]


class Reading(_Model):
    """One device reading: values keyed by metric name (units per device kind)."""

    device_id: Ident
    seq: int = Field(ge=1)
    ts: EpochMs
    values: dict[str, float] = Field(min_length=1)


class TelemetryBatch(Envelope):
    """A gateway's batch of readings. Topic: gw/{gateway}/telemetry, QoS 1."""

    readings: list[Reading] = Field(min_length=1)


MAX_SNAPSHOT_BYTES = 512 * 1024


class EdgeEvent(Envelope):
    """An alarm raised or cleared at the edge: a video analytic's detection (烟火, 违停,
    占道经营, ...) with its evidence snapshot, or a gateway's local rule. Topic:
    gw/{gateway}/events, QoS 1.

    `kind` names the analytic or rule (e.g. fire_smoke, illegal_parking); `scene` what the
    camera watches (street, square, river, forest, farmland, rail), which with `kind` decides
    the catalogue item. `event_id` is the same for the raise and the clear of one event.
    `lon`/`lat` locate the target (a tower camera's bearing and range), not the camera.
    `snapshot_jpeg` is the evidence picture, base64 (raised only, at most 512 KiB decoded).
    """

    # bytes travel as base64 text in JSON
    model_config = ConfigDict(
        **_Model.model_config, ser_json_bytes="base64", val_json_bytes="base64"
    )

    event_id: Ident
    device_id: Ident
    kind: Ident
    scene: Ident | None = None
    state: Literal["raised", "cleared"]
    ts: EpochMs
    confidence: float | None = Field(default=None, ge=0, le=1)
    bbox: tuple[int, int, int, int] | None = None  # x, y, width, height in the frame
    lon: Lon | None = None
    lat: Lat | None = None
    bearing_deg: float | None = Field(default=None, ge=0, lt=360)
    range_m: float | None = Field(default=None, ge=0)
    value: float | None = None  # a local rule's reading
    snapshot_jpeg: bytes | None = None

    @field_validator("snapshot_jpeg")
    @classmethod
    def _snapshot(cls, v: bytes | None) -> bytes | None:
        if v is not None:
            if len(v) > MAX_SNAPSHOT_BYTES:
                raise ValueError(f"snapshot is {len(v)} bytes, more than {MAX_SNAPSHOT_BYTES}")
            if not v.startswith(b"\xff\xd8"):
                raise ValueError("snapshot is not a JPEG image")
        return v


class DeviceInfo(_Model):
    """A device as registered with the IOC (设备台账 entry)."""

    device_id: Ident
    kind: Ident
    lon: Lon
    lat: Lat
    grid: Ident
    interval_s: float = Field(gt=0)
    owner: Ident | None = None  # the owning department type (权属单位)
    installed: date | None = None  # ISO date, e.g. 2024-05-06
    attrs: dict[str, float] = {}  # e.g. rated_w of a lamp, free_flow_kmh of a road


class DeviceAnnouncement(Envelope):
    """The devices behind a gateway. Topic: gw/{gateway}/devices, QoS 1, sent before readings."""

    ts: EpochMs
    devices: list[DeviceInfo] = Field(min_length=1)


class GatewayStatus(_Model):
    """Gateway presence. Topic: gw/{gateway}/status, retained; "offline" is the last will."""

    v: Literal[1] = CONTRACT_VERSION
    gateway_id: Ident
    status: Literal["online", "offline"]
    ts: EpochMs | None = None
    # store-and-forward counters: queued, sent, retried, dropped, pending, reconnections
    counters: dict[str, Annotated[int, Field(ge=0)]] | None = None


class GridInfo(_Model):
    """A grid cell (单元网格) and where it sits: community (社区/村), street (街道/镇), district."""

    code: Ident
    name: str | None = None
    community: Ident | None = None
    street: Ident
    district: Ident
    # its outline, [[lon, lat], ...] (optional): lets the IOC place a target a camera saw
    boundary: list[tuple[Lon, Lat]] | None = Field(default=None, min_length=3)


class UnitInfo(_Model):
    """A handling unit (处置单位): its type (a catalogue department type), level, the area it
    covers (a district, street or community code), its crews and base."""

    code: Ident
    type: Ident
    name_zh: str
    level: Literal["district", "street", "community"]
    area: Ident
    crews: list[Ident] = Field(min_length=1)
    lon: Lon
    lat: Lat


class OrgAnnouncement(Envelope):
    """The city's grid hierarchy and handling units. Topic: org/{source}."""

    ts: EpochMs
    grids: list[GridInfo] = []
    units: list[UnitInfo] = []


class CrewStatus(Envelope):
    """Where a crew is and whether it can take work (for 就近调度). Topic: crew/{department}."""

    ts: EpochMs
    department: Ident
    crew: Ident
    status: Literal["available", "busy", "off_shift"]
    lon: Lon
    lat: Lat


class PublicReport(Envelope):
    """A report made by a person: a grid supervisor's app (主动发现, channel `patrol`) or a
    12345/12319 hotline work order (被动发现, channel `hotline`). Topic: report/{channel}.
    `category` is the catalogue code as reported, which may be wrong."""

    ts: EpochMs
    report_id: Ident
    channel: Literal["patrol", "hotline"]
    category: Ident
    lon: Lon
    lat: Lat
    grid: Ident | None = None
    reporter: Ident | None = None
    description: str | None = Field(default=None, max_length=500)
    photo: bool = False


class Command(Envelope):
    """A remote command from the IOC to devices behind a gateway (e.g. dim the lamps, set a
    lighting schedule, put text on an LED screen). Topic: cmd/{gateway}. The gateway answers
    with a CommandAck."""

    ts: EpochMs
    command_id: Ident
    devices: list[Ident] = Field(min_length=1)
    action: Ident
    params: dict[str, str | float | bool] = {}


class CommandOutcome(_Model):
    device_id: Ident
    status: Literal["ok", "rejected", "unsupported"]
    detail: str = ""


class CommandAck(Envelope):
    """The gateway's answer to a command, per device. Topic: gw/{gateway}/cmdack."""

    ts: EpochMs
    command_id: Ident
    results: list[CommandOutcome] = Field(min_length=1)


TaskKind = Literal[
    "accept", "verify", "file", "dispatch", "handle", "check", "approve_extension", "approve_park"
]
Role = Literal["desk", "grid", "dept"]

# The answers each kind of task allows.
OUTCOMES: dict[str, tuple[str, ...]] = {
    "accept": ("accepted", "invalid"),  # 受理 / 不予受理 (作废)
    "verify": ("confirmed", "not_found"),  # 核实: 属实 / 不属实
    "file": ("filed", "invalid"),  # 立案 / 作废
    "dispatch": ("dispatched",),  # 派遣 to `department`
    "handle": ("done", "not_found", "returned", "extension", "park"),  # 处置 / 回退 / 延期 / 挂账
    "check": ("pass", "fail"),  # 核查 通过 / 不通过 (返工)
    "approve_extension": ("approved", "denied"),
    "approve_park": ("approved", "denied"),
}


class Task(Envelope):
    """Work the IOC gives a person: a desk operator (role `desk`, unit = desk id), the grid's
    supervisors (role `grid`, unit = grid code: 核实 and 核查) or a handling unit (role `dept`,
    unit = unit code: 处置). Topic: task/{role}/{unit}. `due_ts` is when the task should be
    done; for `handle`, `deadline_ts` is the case's 处置 deadline and `crew` the crew the IOC
    picked (就近调度)."""

    ts: EpochMs
    task_id: Ident
    case_id: Ident
    kind: TaskKind
    role: Role
    unit: Ident
    crew: Ident | None = None
    category: Ident
    channel: Literal["iot", "patrol", "hotline"]
    lon: Lon
    lat: Lat
    grid: Ident | None = None
    due_ts: EpochMs | None = None
    deadline_ts: EpochMs | None = None
    rework: bool = False
    reports: int = Field(default=1, ge=1)
    ref: Ident | None = None  # the first report: an alarm id or a report id
    department: Ident | None = None  # dispatch: the IOC's suggestion; approvals: who asks
    extension_h: float | None = Field(default=None, gt=0)
    note: str | None = Field(default=None, max_length=500)


class TaskResult(Envelope):
    """A person's answer to a task. Topic: result/{role}/{unit}.

    For `handle`, `ts` is the feedback (反馈) time and `handled_ts` when the work on site was
    finished (处置); a `returned` (回退) or `not_found` answer may name the `category` the crew
    found. `dispatch` answers name the chosen unit in `department`; `extension` asks for
    `extension_h` more hours. A task may get an `extension` answer and later a final one."""

    ts: EpochMs
    task_id: Ident
    case_id: Ident
    kind: TaskKind
    outcome: str
    actor: Ident
    category: Ident | None = None
    department: Ident | None = None
    handled_ts: EpochMs | None = None
    arrived_ts: EpochMs | None = None
    extension_h: float | None = Field(default=None, gt=0)
    note: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _outcome_fits(self) -> TaskResult:
        if self.outcome not in OUTCOMES[self.kind]:
            raise ValueError(
                f"outcome {self.outcome!r} is not an answer to a {self.kind} task; "
                f"expected one of {list(OUTCOMES[self.kind])}"
            )
        if self.kind == "dispatch" and not self.department:
            raise ValueError("a dispatch answer names the chosen unit in `department`")
        if self.outcome == "extension" and self.extension_h is None:
            raise ValueError("an extension answer needs `extension_h`")
        return self


class ClockTick(_Model):
    """Simulated-mode watermark: every event with ts < `ts` has been published.

    `published` maps each data source to the last msg_seq it sent before this tick.
    """

    v: Literal[1] = CONTRACT_VERSION
    run_id: Ident
    seq: int = Field(ge=1)
    ts: EpochMs
    published: dict[str, int] = Field(default_factory=dict)
    final: bool = False


class ClockAck(_Model):
    """The IOC's acknowledgement of a tick, sent after it has processed everything before it.

    `published` maps the IOC's own sources to the last msg_seq sent (its tasks), so the
    simulator can wait for them before it moves on.
    """

    v: Literal[1] = CONTRACT_VERSION
    run_id: Ident
    seq: int = Field(ge=1)
    ts: EpochMs
    published: dict[str, int] = Field(default_factory=dict)
    stats: dict[str, int] = Field(default_factory=dict)


M = TypeVar("M", bound=BaseModel)


class PayloadError(ValueError):
    """A payload that does not meet the contract. `reason` is a short code for counters."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def decode(model: type[M], payload: bytes) -> M:
    """Parse and validate a payload, raising PayloadError(reason, detail) when it is bad."""
    try:
        return model.model_validate_json(payload)
    except ValidationError as err:
        errors = err.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            return _raise("invalid_json", errors[0]["msg"])
        if any(e["loc"] == ("v",) and e["type"] == "literal_error" for e in errors):
            return _raise("unsupported_version", f"v must be {CONTRACT_VERSION}")
        return _raise("schema", describe_validation_error(err))


def _raise(reason: str, detail: str) -> Any:
    raise PayloadError(reason, detail)


def encode(message: BaseModel) -> bytes:
    """Serialise a contract message."""
    return message.model_dump_json(exclude_none=True).encode()


def telemetry_payload(source: str, msg_seq: int, readings: list[dict[str, Any]]) -> bytes:
    """Fast path for gateways: a TelemetryBatch from plain reading dicts (same JSON shape)."""
    return orjson.dumps(
        {"v": CONTRACT_VERSION, "source": source, "msg_seq": msg_seq, "readings": readings},
        option=orjson.OPT_SERIALIZE_NUMPY,
    )


# --------------------------------------------------------------------------- delivery


class SeqTracker:
    """Sequence numbers seen per key (a source's msg_seq, or a device's reading seq).

    `add` says whether a number is new (False means a duplicate to drop). `contiguous` is the
    highest n such that 1..n have all been seen; numbers above it are held in a bounded window,
    and when the window overflows the tracker declares the gap lost and moves on.
    """

    def __init__(self, window: int = 4096):
        self._window = window
        self._contig: dict[str, int] = {}
        self._ahead: dict[str, set[int]] = {}

    def add(self, key: str, seq: int) -> bool:
        contig = self._contig.get(key, 0)
        if seq <= contig:
            return False
        ahead = self._ahead.setdefault(key, set())
        if seq in ahead:
            return False
        if seq == contig + 1:
            contig = seq
            while contig + 1 in ahead:
                contig += 1
                ahead.discard(contig)
        else:
            ahead.add(seq)
            if len(ahead) > self._window:  # a gap that will never fill: give it up
                contig = min(ahead)
                ahead.discard(contig)
                while contig + 1 in ahead:
                    contig += 1
                    ahead.discard(contig)
        self._contig[key] = contig
        return True

    def contiguous(self, key: str) -> int:
        return self._contig.get(key, 0)

    def satisfies(self, published: dict[str, int]) -> bool:
        """True when, for every source, everything up to its announced msg_seq has arrived."""
        return all(self.contiguous(k) >= n for k, n in published.items())

    def missing(self, published: dict[str, int]) -> dict[str, int]:
        """How many messages each source is still owed (for diagnostics)."""
        return {k: n - self.contiguous(k) for k, n in published.items() if self.contiguous(k) < n}

    def snapshot(self) -> dict[str, int]:
        """Contiguous high-water mark per key."""
        return dict(self._contig)

    def restore(self, key: str, contiguous: int) -> None:
        """Seed the tracker after a restart (e.g. from the highest seq in the store)."""
        self._contig[key] = max(self._contig.get(key, 0), contiguous)


# --------------------------------------------------------------------------- broker URL


@dataclass(frozen=True)
class BrokerAddress:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


def parse_broker_url(url: str) -> BrokerAddress:
    """`mqtt://host[:port]` (or `tcp://`) -> BrokerAddress. Port defaults to 1883."""
    parts = urlsplit(url if "://" in url else f"mqtt://{url}")
    if parts.scheme not in ("mqtt", "tcp"):
        raise ValueError(f"broker URL {url!r}: scheme must be mqtt:// (got {parts.scheme}://)")
    if not parts.hostname:
        raise ValueError(f"broker URL {url!r}: no host (expected mqtt://host:port)")
    try:
        port = parts.port or 1883
    except ValueError:
        raise ValueError(f"broker URL {url!r}: port must be a number 1-65535") from None
    return BrokerAddress(parts.hostname, port)
