"""Device models: fleets with vectorised state that turn conditions into readings."""

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

__all__ = ["COMMON_CONDITIONS", "FLEET_MODELS", "KINDS", "SENSES", "DeviceKind", "Fleet", "Metric"]
