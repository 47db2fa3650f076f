"""The IOC's public contract: the only part of `ioc` that `sim` and `edge` import.

- `wire` — the wire contract (接入规范): topics, payload schemas, delivery rules, the broker
  address. One module; docs/device-access.md documents it for third parties.
- `files` — typed input files: one YAML loader whose errors name the file, the key path, the
  line and what was expected.

Imports nothing from the rest of `ioc`.
"""

from ioc.contract.files import (
    InputFileError,
    YamlDocument,
    describe_validation_error,
    format_location,
    format_path,
    load_yaml_model,
    read_yaml,
    validate,
    validation_problems,
)
from ioc.contract.wire import (
    CHANNELS,
    CONTRACT_VERSION,
    MAX_SNAPSHOT_BYTES,
    OUTCOMES,
    ROLES,
    TOPIC_ROOT,
    BrokerAddress,
    ClockAck,
    ClockTick,
    Command,
    CommandAck,
    CommandOutcome,
    CrewStatus,
    DeviceAnnouncement,
    DeviceInfo,
    EdgeEvent,
    Envelope,
    EpochMs,
    GatewayStatus,
    GridInfo,
    Ident,
    Lat,
    Lon,
    OrgAnnouncement,
    PayloadError,
    PublicReport,
    Reading,
    Role,
    SeqTracker,
    Task,
    TaskKind,
    TaskResult,
    TelemetryBatch,
    TopicRef,
    Topics,
    UnitInfo,
    decode,
    encode,
    parse_broker_url,
    parse_topic,
    telemetry_payload,
)
