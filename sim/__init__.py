"""The simulator: a SimPy city whose devices, gateways and people talk to an IOC over MQTT,
scored against the ground truth it keeps.

Rooms (each a package; its __init__ says what it owns and may import):

    scenario/  the scenario file: typed models, loading and checks, GeoJSON geometry, the
               incident kinds a scenario can name
    world/     the SimPy world: clock, geometry, device fleets and readings, incidents (the
               ground truth), weather, faults, camera looks
    people/    the simulated people (one base, `Actor`): IOC desk, grid supervisors, 12345
               callers, handling units and crews; the roster that routes tasks to them
    run/       a run: broker and IOC processes, the city on the broker, the clock loop, the
               operator's commands, results, scoring, outputs, progress and summary display
    tools/     record and replay, benchmarks, the device registry export
    cli.py     the `citysim` command line

Allowed import directions (tests/test_boundaries.py keeps them; no cycles):

    scenario  <-  world  <-  people  <-  run  <-  cli
                    ^                            |
                    +-------  tools  <-----------+

scenario imports no other room (it reads the typed params of `devices` and the local rules
of `edge`); world imports scenario; people import scenario and world; run imports scenario,
world and people; tools import scenario and world; cli imports any.
From the IOC, only `ioc.contract` (the wire contract and the file loader).
"""
