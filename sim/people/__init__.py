"""The simulated people: everyone in the city who acts on the IOC's case flow, only through
messages to the IOC (a `Channel`, the run's MQTT control channel).

Owns `base` (`Actor`, what every person shares: set-up, shifts, answering tasks, reporting;
and `Context`, what the city's staff know), `work` (shifts and work durations), `desk` (the
IOC desk: 受理, 立案, 派遣, approvals), `patrol` (grid supervisors: 主动发现, 核实, 核查),
`hotline` (12345 callers: 被动发现), `responders` (handling units and their crews: 处置) and
`roster` (`People`: everyone built from the scenario, the organisation announced, each task
routed to its person).

May import: `sim.scenario`, `sim.world`, `devices` (its daily clock), `ioc.contract`. Never
the run or the tools.
"""

from sim.people.base import Actor, Channel, Context
from sim.people.roster import People
