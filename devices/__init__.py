"""Device models: fleets with vectorised state that turn conditions into readings."""

from devices.base import COMMON_CONDITIONS, DeviceKind, Fleet, Metric
from devices.smart_pole import SmartPoleFleet
from devices.smoke_detector import SmokeDetectorFleet
from devices.water_level import WaterLevelFleet

FLEET_MODELS: dict[str, type[Fleet]] = {
    cls.KIND.name: cls for cls in (SmartPoleFleet, WaterLevelFleet, SmokeDetectorFleet)
}
KINDS: dict[str, DeviceKind] = {name: cls.KIND for name, cls in FLEET_MODELS.items()}

__all__ = ["COMMON_CONDITIONS", "FLEET_MODELS", "KINDS", "DeviceKind", "Fleet", "Metric"]
