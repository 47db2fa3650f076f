"""The scenario file: what a user writes, as typed models, and how it is read and checked.

Owns the models of every section (`base` the shared types; `city` geometry, districts,
streets, grids and weather; `fleets` the device fleets; `people` units, desk, patrol and
hotline; `timeline` incidents, faults and operator commands; `edge_rules` the gateways'
local rules; `model` the file as a whole), the incident kinds a scenario can name
(`incident_kinds`), GeoJSON geometry files (`geojson`) and `loading` (one typed read through
`ioc.contract`'s loader, then the files it names and the references between sections).

May import: `devices` (device kinds and their typed params), `edge` (the typed local rules the
gateways run), `ioc.contract` (the YAML loader, identifiers). Nothing
else of `sim`: every other room reads the scenario, the scenario reads none of them.
"""

from sim.scenario.base import Code, Point, Spec, TimeSpec
from sim.scenario.city import DistrictSpec, GeometrySpec, GridSpec, StreetSpec, WeatherSpec
from sim.scenario.edge_rules import EdgeSpec
from sim.scenario.fleets import FleetSpec, PlacementSpec
from sim.scenario.incident_kinds import INCIDENT_KINDS, IncidentKind, Visibility
from sim.scenario.loading import ScenarioError, cross_check, load_scenario
from sim.scenario.model import Scenario
from sim.scenario.people import (
    ALL_DAY,
    DepartmentSpec,
    DeskSpec,
    HandlingSpec,
    HotlineSpec,
    PatrolSpec,
    Shift,
)
from sim.scenario.timeline import (
    FaultKind,
    FaultRate,
    FaultSpec,
    IncidentRate,
    IncidentsSpec,
    OperationSpec,
    Place,
    TimelineIncident,
)
