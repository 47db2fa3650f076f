"""The SimPy world: one clock and everything that happens in the city by itself.

Owns `world` (the environment, the city's geometry, device fleets and their readings, the
ground-truth records), `incidents` (the dynamics of each incident kind and their effect on
devices), `weather`, `faults` (device and gateway faults applied to readings), `geo` (the
earth, the local metre frame, placement in polygons) and `camera_feed` (when cameras look and
the frames they see).

May import: `sim.scenario`, `devices`, `edge` (camera analytics, for the frames cameras
send), `ioc.contract`. Never the people, the run or the tools: the world does not know who
watches it.
"""

from sim.world.incidents import Incident
from sim.world.world import FleetRuntime, World, gateway_id
