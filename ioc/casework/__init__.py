"""Case work, 一网统管: the event catalogue (事项清单), the pilot's flow (stages, time limits,
desk automation, composite weights), the working calendar, the city's organisation (grids,
units, crews), the event-sourced case log (`cases`: where a case changes state), and the flow
that turns reports (`intake`), people's answers (`answers`) and timers into case events;
the alarm records that open cases.

Imports from `ioc`: contract, geo, registry. Not the KPIs computed from the log (`measures`
imports this room, not the reverse).
"""
