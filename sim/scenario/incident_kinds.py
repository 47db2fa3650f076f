"""The incident kinds a scenario can name (`incidents.timeline[].kind`): for each, the
catalogue category (事项清单 code) the IOC should file it under, how it evolves (its dynamics,
implemented by the world's incidents), how long it lasts, what it happens to, how people
notice it and which video analytic can see it. Declared here, as data, so that a scenario
is checked against them before any world exists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# How an incident evolves (sim/world/incidents.py): a fire's smoke, water rising in the
# rain, something simply there, an effect felt around a point, a fault of one device.
Dynamics = Literal["fire", "waterlogging", "static", "area", "targeted"]


@dataclass(frozen=True)
class Visibility:
    """How people notice an incident. A grid supervisor within `sight_m` notices it with
    probability `patrol_per_min` per minute; citizens call 12345 about it `calls_per_h`
    times an hour while it lasts (scaled by the time of day); `day`/`night` scale both
    (a dark lamp shows only at night). Callers name a `confusions` category instead of the
    right one with probability `confusion_p`."""

    patrol_per_min: float
    sight_m: float
    calls_per_h: float
    day: float = 1.0
    night: float = 1.0
    confusions: tuple[str, ...] = ()
    confusion_p: float = 0.0


@dataclass(frozen=True)
class IncidentKind:
    """An incident kind and the catalogue category (事项清单 code) the IOC should file it under."""

    name: str
    name_zh: str
    name_en: str
    category: str
    dynamics: Dynamics  # how it evolves and acts on devices (sim/world/incidents.py)
    duration_min: tuple[float, float] | None  # natural duration range; None: until handled
    targets: str | None = None  # a device kind the incident attaches to (nearest device)
    visible: Visibility | None = None  # None: only devices can tell
    since: str | None = None  # Targeted: the *_since sense it sets on its device
    effects: dict[str, tuple[float, float]] = field(default_factory=dict)  # sense: (peak, m)
    related: tuple[str, ...] = ()  # other catalogue items its symptoms are rightly filed as
    seen_as: str | None = None  # the video analytic that can see it (edge.vision name)
    defaults: dict[str, float] = field(default_factory=dict)  # parameter defaults

    @property
    def categories(self) -> tuple[str, ...]:
        return (self.category, *self.related)


def _kinds(*kinds: IncidentKind) -> dict[str, IncidentKind]:
    return {k.name: k for k in kinds}


INCIDENT_KINDS: dict[str, IncidentKind] = _kinds(
    IncidentKind(
        "fire",
        "火情",
        "Fire / smoke",
        "SJ0502",
        "fire",
        (60, 150),
        visible=Visibility(0.5, 120, 1.0, night=0.4),
        seen_as="fire_smoke",
    ),
    # In the open country: what tower cameras (高点监控) watch for
    IncidentKind(
        "forest_fire",
        "森林火情",
        "Forest fire",
        "SJ0506",
        "fire",
        (120, 480),
        visible=Visibility(0.05, 1500, 0.3, night=0.3),
        seen_as="fire_smoke",
        related=("SJ0502",),
        defaults={"plume_m": 60, "ramp_min": 15, "spread_m": 150, "decay_min": 20},
    ),
    IncidentKind(
        "straw_burning",
        "秸秆焚烧",
        "Straw burning",
        "SJ0505",
        "fire",
        (30, 120),
        visible=Visibility(0.1, 1000, 0.2, night=0.3),
        seen_as="fire_smoke",
        related=("SJ0502", "SJ0506"),
        defaults={"plume_m": 30, "ramp_min": 8, "spread_m": 80, "decay_min": 10},
    ),
    IncidentKind(
        "illegal_building",
        "违法建设",
        "Illegal building or land occupation",
        "SJ0311",
        "static",
        None,
        visible=Visibility(0.02, 100, 0.01),
        seen_as="land_change",
        related=("SJ0312",),
    ),
    IncidentKind(
        "rail_intrusion",
        "铁路沿线入侵",
        "Intrusion on a railway line",
        "SJ0514",
        "static",
        (5, 30),
        seen_as="intrusion",
    ),
    IncidentKind(
        "floating_debris",
        "河道漂浮物",
        "Floating debris on a river",
        "SJ0104",
        "static",
        None,
        visible=Visibility(0.1, 80, 0.02, night=0.0),
        seen_as="floating_debris",
    ),
    IncidentKind(
        "waterlogging",
        "路面积水",
        "Road waterlogging",
        "SJ0501",
        "waterlogging",
        None,
        visible=Visibility(0.3, 60, 0.6, night=0.3, confusions=("SJ0504",), confusion_p=0.1),
    ),
    IncidentKind(
        "lamp_fault",
        "路灯故障",
        "Street-lamp fault",
        "BJ0101",
        "targeted",
        None,
        targets="smart_pole",
        since="lamp_failed_since",
        visible=Visibility(0.2, 40, 0.05, day=0.0, night=1.0),
    ),
    IncidentKind(
        "exposed_garbage",
        "暴露垃圾",
        "Exposed garbage",
        "SJ0101",
        "static",
        None,
        visible=Visibility(
            0.25, 40, 0.15, night=0.2, confusions=("SJ0103", "SJ0105"), confusion_p=0.25
        ),
        seen_as="exposed_garbage",
    ),
    IncidentKind(
        "street_vending",
        "占道经营",
        "Street vending",
        "SJ0401",
        "static",
        (60, 240),
        visible=Visibility(0.3, 50, 0.1, night=0.3, confusions=("SJ0402",), confusion_p=0.15),
        seen_as="street_vending",
    ),
    IncidentKind(
        "road_damage",
        "道路破损",
        "Road surface damage",
        "BJ0201",
        "static",
        None,
        visible=Visibility(0.15, 30, 0.05, night=0.3, confusions=("SJ0504",), confusion_p=0.1),
    ),
    IncidentKind(
        "illegal_parking",
        "违法停车",
        "Illegal parking",
        "SJ0402",
        "static",
        (30, 180),
        visible=Visibility(0.3, 40, 0.2, night=0.3, confusions=("SJ0401",), confusion_p=0.1),
        seen_as="illegal_parking",
    ),
    # Felt around a point
    IncidentKind(
        "burst_pipe",
        "供水管爆管",
        "Water main burst",
        "BJ0510",
        "area",
        None,
        effects={"pressure_drop_mpa": (0.25, 400.0), "water_depth_cm": (6.0, 40.0)},
        visible=Visibility(0.4, 80, 0.5, night=0.4),
        related=("BJ0103",),
    ),  # hydrants nearby lose pressure: 消防栓失压
    IncidentKind(
        "gas_leak",
        "燃气泄漏",
        "Gas leak",
        "SJ0503",
        "area",
        (60, 180),
        effects={"gas_lel_extra": (40.0, 30.0)},
        visible=Visibility(0.1, 30, 0.3, night=0.3),
    ),
    IncidentKind(
        "crowd",
        "人员聚集",
        "Crowd gathering",
        "SJ0507",
        "area",
        (60, 180),
        effects={"crowd": (10.0, 150.0)},
        visible=Visibility(0.2, 150, 0.05),
        seen_as="crowd",
    ),
    IncidentKind(
        "congestion",
        "交通拥堵",
        "Traffic congestion",
        "SJ0413",
        "area",
        (30, 120),
        effects={"congestion": (1.0, 400.0)},
        visible=Visibility(0.1, 100, 0.2),
    ),
    IncidentKind(
        "air_pollution",
        "空气污染过程",
        "Local air-pollution episode",
        "SJ0602",
        "area",
        (180, 600),
        effects={"pm25_extra": (150.0, 2000.0)},
    ),
    # Happening to one device
    IncidentKind(
        "manhole_open",
        "井盖异常",
        "Manhole cover open or tilted",
        "BJ0102",
        "targeted",
        None,
        targets="manhole_cover",
        since="manhole_open_since",
        visible=Visibility(0.3, 30, 0.3, night=0.5),
    ),
    IncidentKind(
        "construction_dust",
        "工地扬尘",
        "Construction dust",
        "SJ0303",
        "targeted",
        (60, 240),
        targets="construction_site",
        effects={"dust_extra": (300.0, 0.0)},
        visible=Visibility(0.2, 100, 0.1),
    ),
    IncidentKind(
        "construction_noise",
        "施工噪声",
        "Construction noise",
        "SJ0309",
        "targeted",
        (60, 180),
        targets="construction_site",
        effects={"noise_extra_db": (20.0, 0.0)},
        visible=Visibility(0.1, 100, 0.3, night=1.5),
    ),
    IncidentKind(
        "pump_fault",
        "排涝泵站故障",
        "Drainage pump fault",
        "BJ0501",
        "targeted",
        None,
        targets="pump_station",
        since="pump_failed_since",
    ),
    IncidentKind(
        "bin_overflow",
        "垃圾满溢",
        "Bin overflow",
        "SJ0105",
        "targeted",
        None,
        targets="smart_bin",
        since="bin_overflow_since",
        visible=Visibility(0.3, 30, 0.1, night=0.2),
    ),
    IncidentKind(
        "electrical_fault",
        "电气火灾隐患",
        "Electrical fire hazard",
        "SJ0513",
        "targeted",
        None,
        targets="electrical_fire",
        effects={"leakage_extra_ma": (400.0, 0.0), "cable_heat_c": (35.0, 0.0)},
    ),
    IncidentKind(
        "charger_fault",
        "充电桩故障",
        "EV charger fault",
        "BJ0511",
        "targeted",
        None,
        targets="ev_charger",
        since="charger_failed_since",
    ),
    IncidentKind(
        "sos_call",
        "一键报警求助",
        "SOS button pressed",
        "SJ0512",
        "targeted",
        (5, 20),
        targets="smart_pole",
        since="sos_since",
    ),
)
