"""Device models: fleets with vectorised state that turn conditions into readings.

`FLEET_MODELS` and `KINDS` list every kind; `params_model(kind)` is a kind's typed parameters
and `check_params(kind, params)` validates a fleet's `params` against them (the scenario
loader calls it, so a misspelt parameter fails `citysim check`).
"""

from collections.abc import Mapping
from typing import Any

from devices.air_station import AirStationFleet
from devices.base import COMMON_CONDITIONS, SENSES, DeviceKind, Fleet, Metric
from devices.camera import CameraFleet, TowerCameraFleet
from devices.car_park import CarParkFleet
from devices.construction_site import ConstructionSiteFleet
from devices.electrical_fire import ElectricalFireFleet
from devices.ev_charger import EvChargerFleet
from devices.gas_detector import GasDetectorFleet
from devices.hydrant import HydrantFleet
from devices.manhole_cover import ManholeCoverFleet
from devices.params import Params
from devices.parking_space import ParkingSpaceFleet
from devices.public_toilet import PublicToiletFleet
from devices.pump_station import PumpStationFleet
from devices.river_level import RiverLevelFleet
from devices.smart_bin import SmartBinFleet
from devices.smart_pole import SmartPoleFleet
from devices.smoke_detector import SmokeDetectorFleet
from devices.traffic_detector import TrafficDetectorFleet
from devices.water_level import WaterLevelFleet

FLEET_MODELS: dict[str, type[Fleet]] = {
    cls.KIND.name: cls
    for cls in (
        SmartPoleFleet,
        AirStationFleet,
        ConstructionSiteFleet,
        WaterLevelFleet,
        RiverLevelFleet,
        PumpStationFleet,
        ManholeCoverFleet,
        SmokeDetectorFleet,
        GasDetectorFleet,
        ElectricalFireFleet,
        HydrantFleet,
        ParkingSpaceFleet,
        CarParkFleet,
        EvChargerFleet,
        SmartBinFleet,
        PublicToiletFleet,
        TrafficDetectorFleet,
        CameraFleet,
        TowerCameraFleet,
    )
}
KINDS: dict[str, DeviceKind] = {name: cls.KIND for name, cls in FLEET_MODELS.items()}


def params_model(kind: str) -> type[Params]:
    """The parameters model of device `kind` (KeyError naming the known kinds)."""
    try:
        return KINDS[kind].params
    except KeyError:
        raise KeyError(f"unknown device kind {kind!r}; known: {', '.join(KINDS)}") from None


def check_params(kind: str, params: Mapping[str, Any]) -> Params:
    """`params` validated against `kind`'s model. Raises pydantic's ValidationError: each
    error's location is the key path inside `params`, and an unknown key's message lists the
    accepted ones."""
    return params_model(kind).model_validate(dict(params))


__all__ = [
    "COMMON_CONDITIONS",
    "FLEET_MODELS",
    "KINDS",
    "SENSES",
    "DeviceKind",
    "Fleet",
    "Metric",
    "Params",
    "check_params",
    "params_model",
]
